// GET /health: each component answers or the service is degraded.
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';

async function probe(check: () => Promise<unknown>): Promise<'ok' | 'down'> {
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
    return 'ok';
  } catch {
    return 'down';
  }
}

export default async function healthRoutes(app: FastifyInstance) {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Whether Temporal, the database and the bureau answer',
        tags: ['health'],
        security: [],
        response: {
          200: {
            type: 'object',
            properties: {
              status: { enum: ['ok', 'degraded'] },
              temporal: { enum: ['ok', 'down'] },
              database: { enum: ['ok', 'down'] },
              bureau: { enum: ['ok', 'down'] },
            },
          },
        },
      },
    },
    async () => {
      const [temporal, database, bureau] = await Promise.all([
        probe(() => app.temporal.workflowService.getSystemInfo({})),
        probe(() => app.db.execute(sql`select 1`)),
        probe(() => app.bureau.health()),
      ]);
      const status = temporal === 'ok' && database === 'ok' && bureau === 'ok' ? 'ok' : 'degraded';
      return { status, temporal, database, bureau };
    },
  );
}
