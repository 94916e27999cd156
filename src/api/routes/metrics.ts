// GET /metrics: Prometheus text, no key (like /health). Every answered request is timed by its
// route pattern and status; the work metrics are read from the database at each scrape.
// Registered before the resource plugins so its hook times all of them.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createServiceMetrics, type ServiceMetrics } from '../../metrics';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

export default fp(async function metricsRoutes(app: FastifyInstance) {
  const metrics = createServiceMetrics(app.db);
  app.decorate('metrics', metrics);

  app.addHook('onResponse', async (request, reply) => {
    // The pattern, not the URL: ids and junk in paths must not become label values.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      config: { access: 'public', rateLimit: false },
      schema: {
        summary: 'Prometheus metrics: API latency by route and status, workflows started and finished, deduction attempts, retries pending',
        description:
          'Text exposition format 0.0.4. The work metrics are counted from the database at each scrape, so they cover every API and worker process. ' +
          'The Temporal SDK’s own worker metrics are served by each worker at WORKER_METRICS_PORT.',
        tags: ['health'],
        security: [],
        produces: ['text/plain'],
        response: { 200: { type: 'string', description: 'Prometheus text format' } },
      },
    },
    async (_request, reply) => {
      await metrics.refresh();
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
});
