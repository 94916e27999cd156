// Idempotency-Key on POSTs: the first answer is stored and a repeat gets it again, unchanged.
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/client';
import { idempotencyKeys } from '../db/schema';
import { Problem } from './problem';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { actor: string; key: string } | null;
  }
}

export default fp(async function idempotencyPlugin(app: FastifyInstance, opts: { db: Db }) {
  const { db } = opts;
  app.decorateRequest('idempotency', null);

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof key !== 'string' || !request.actor) return;
    if (key.length < 8 || key.length > 200) {
      throw new Problem(400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must have 8 to 200 characters');
    }
    const actor = request.actor.name;
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
    const inserted = await db.insert(idempotencyKeys).values({ actor, key, requestHash }).onConflictDoNothing().returning();
    if (inserted.length === 0) {
      const [first] = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.actor, actor), eq(idempotencyKeys.key, key)));
      if (!first || first.requestHash !== requestHash) {
        throw new Problem(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for another request', 'use a new key for a new request');
      }
      if (first.statusCode === null) {
        throw new Problem(409, 'IDEMPOTENCY_IN_PROGRESS', 'The first request with this Idempotency-Key is still running', 'try again shortly');
      }
      reply.header('idempotent-replayed', 'true');
      const body = first.body as { contentType?: string; payload: unknown };
      return reply.status(first.statusCode).type(body.contentType ?? 'application/json').send(body.payload);
    }
    request.idempotency = { actor, key };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const id = request.idempotency;
    if (!id) return payload;
    const where = and(eq(idempotencyKeys.actor, id.actor), eq(idempotencyKeys.key, id.key));
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      // A fault is not an answer, and files are made again: the client may repeat with this key.
      await db.delete(idempotencyKeys).where(where);
    } else {
      const contentType = String(reply.getHeader('content-type') ?? 'application/json');
      await db.update(idempotencyKeys).set({ statusCode: reply.statusCode, body: { contentType, payload: JSON.parse(payload) } }).where(where);
    }
    return payload;
  });
});
