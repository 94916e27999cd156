// GET /metrics: Prometheus text, open like /health unless METRICS_TOKEN asks for a Bearer token.
// Every answered request is timed by its route pattern and status; the work metrics are read
// from the database at most every METRICS_CACHE_SECONDS, however often it is scraped.
// Registered before the resource plugins so its hook times all of them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import fp from 'fastify-plugin';
import { createServiceMetrics, type ServiceMetrics } from '../../metrics';
import { KeyRing } from '../api-keys';
import { bearerKey } from '../auth';
import { allowedHostNames, hostAllowed } from '../host-names';
import { Problem } from '../../domain/problem';
import { FileAnswer, errors } from '../schemas/common';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const metrics = createServiceMetrics(app.db, { attention: app.config.attention });
  app.decorate('metrics', metrics);
  const { metricsToken, metricsCacheSeconds } = app.config;
  const token = metricsToken ? new KeyRing([{ name: 'metrics', role: 'auditor', key: metricsToken }]) : undefined;
  // Open without a key: only the names it is meant to be scraped by, not a page rebound to our address (DNS rebinding).
  const hostNames = allowedHostNames({ bindHost: app.config.host, publicOrigin: app.config.publicOrigin, extra: app.config.allowedHosts });
  // Scrapes within the cache time (and concurrent ones) share one database read.
  let lastRead: { at: number; done: Promise<boolean> } | undefined;
  const refresh = () => {
    const now = Date.now();
    if (!lastRead || now - lastRead.at >= metricsCacheSeconds * 1000) lastRead = { at: now, done: metrics.refresh() };
    return lastRead.done;
  };

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
          'Text exposition format 0.0.4. The work metrics are counted from the database (at most every METRICS_CACHE_SECONDS), so they cover every API and worker process. ' +
          'With METRICS_TOKEN set, send it as `Authorization: Bearer <token>`. ' +
          'The Temporal SDK’s own worker metrics are served by each worker at WORKER_METRICS_PORT.',
        tags: ['health'],
        security: [],
        response: { 200: FileAnswer('the metrics in the Prometheus text exposition format 0.0.4', 'text/plain'), ...errors(401, 421) },
      },
    },
    async (request, reply) => {
      if (!hostAllowed(request.headers.host, hostNames)) {
        throw new Problem(421, 'HOST_NOT_ALLOWED', 'Not served under this host name', `/metrics answers only ${[...hostNames].join(', ')} as Host; ALLOWED_HOSTS adds names`);
      }
      const presented = bearerKey(request);
      if (token && !(typeof presented === 'string' && token.find(presented))) {
        throw new Problem(401, 'UNAUTHENTICATED', 'The metrics token is required', 'send Authorization: Bearer <METRICS_TOKEN>');
      }
      await refresh();
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
};

// Not encapsulated: its hook times the routes of every plugin registered after it.
export default fp(metricsRoutes);
