// GET /health: each component answers or the service is degraded.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'drizzle-orm';
import { Enum, Type } from '../schemas/common';

async function probe(check: () => Promise<unknown>): Promise<'ok' | 'down'> {
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
    return 'ok';
  } catch {
    return 'down';
  }
}

const Up = Enum(['ok', 'down']);
const Health = Type.Object({
  status: Enum(['ok', 'degraded', 'draining'], 'ok when every component answers; draining (503) while this process stops: send new requests to another'),
  temporal: Up,
  database: Up,
  bureau: Up,
  node: Type.String({ description: 'the Node.js this process runs on, e.g. v24.22.3 (a supported LTS: docs/operations.md)' }),
});

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Whether Temporal, the database and the bureau answer, and whether this process is draining',
        tags: ['health'],
        security: [],
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const [temporal, database, bureau] = await Promise.all([
        probe(() => app.temporal.workflowService.getSystemInfo({})),
        probe(() => app.db.execute(sql`select 1`)),
        probe(() => app.bureau.health()),
      ]);
      const status = temporal === 'ok' && database === 'ok' && bureau === 'ok' ? ('ok' as const) : ('degraded' as const);
      if (app.drain.draining) return reply.code(503).send({ status: 'draining' as const, temporal, database, bureau, node: process.version });
      return { status, temporal, database, bureau, node: process.version };
    },
  );
};

export default healthRoutes;
