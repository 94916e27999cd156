// Idempotency-Key on POSTs, after Stripe's: the first answer is stored and a repeat gets it again,
// unchanged. A key is held by a lease that its request renews while it runs: when the process
// running it dies, the lease runs out (IDEMPOTENCY_LEASE_SECONDS) and a repeat takes the key over.
// The repeat then finishes the work exactly once, because every start of work is recorded under
// the key's `ref` (see src/temporal/workflow-starts.ts) and a handler carries on with what it finds.
import { createHash, createHmac } from 'node:crypto';
import { and, eq, lte, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/client';
import { idempotencyKeys } from '../db/schema';
import { Problem } from '../domain/problem';

export interface IdempotentRequest {
  actor: string;
  key: string;
  /** Names this keyed request wherever its work is recorded (a digest: keys are the client's words). */
  ref: string;
  /** When the key was first used: ids made from the key carry this date, whichever try makes them. */
  firstSeenAt: Date;
  /** An earlier try with this key ran and gave no answer (it died, or failed): it may have done the work. */
  resumed: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: IdempotentRequest | null;
  }
  interface FastifyContextConfig {
    /** The answer holds a secret (a new webhook's): not stored with the key; a repeat runs the handler again, which finds its work by `ref`. */
    answerHoldsSecret?: boolean;
  }
}

/** Body fields that are secrets: left out of the stored fingerprint (a database copy must not let anyone guess them). */
const SECRET_FIELDS = new Set(['password', 'newPassword', 'newPasswordConfirm', 'accountNumber']);

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([k]) => !SECRET_FIELDS.has(k))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, withoutSecrets(v)]),
  );
}

/** The request's fingerprint: an HMAC with the server's key, so it proves sameness and reveals nothing. */
export function requestFingerprint(secret: Buffer, method: string, url: string, body: unknown): string {
  return createHmac('sha256', secret).update(`${method} ${url}\n${JSON.stringify(withoutSecrets(body ?? null))}`).digest('hex');
}

export function requestRef(actor: string, key: string): string {
  return createHash('sha256').update(`${actor}\u0000${key}`).digest('hex');
}

export interface IdempotencyOptions {
  db: Db;
  secret: Buffer;
  leaseSeconds: number;
}

export default fp(async function idempotencyPlugin(app: FastifyInstance, opts: IdempotencyOptions) {
  const { db, secret, leaseSeconds } = opts;
  const leaseEnd = () => sql`now() + make_interval(secs => ${leaseSeconds})`;
  const renewals = new WeakMap<FastifyRequest, NodeJS.Timeout>();
  app.decorateRequest('idempotency', null);

  const stopRenewing = (request: FastifyRequest) => {
    clearInterval(renewals.get(request));
    renewals.delete(request);
  };

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof key !== 'string' || !request.actor) return;
    if (key.length < 8 || key.length > 200) {
      throw new Problem(400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must have 8 to 200 characters');
    }
    const actor = request.actor.name;
    const requestHash = requestFingerprint(secret, request.method, request.url, request.body);
    const where = and(eq(idempotencyKeys.actor, actor), eq(idempotencyKeys.key, key));
    let [held] = await db.insert(idempotencyKeys).values({ actor, key, requestHash, lockedUntil: leaseEnd() }).onConflictDoNothing().returning();
    const resumed = !held;
    if (!held) {
      const [first] = await db.select().from(idempotencyKeys).where(where);
      if (!first || first.requestHash !== requestHash) {
        throw new Problem(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for another request', 'use a new key for a new request');
      }
      if (first.statusCode !== null) {
        reply.header('idempotent-replayed', 'true');
        const body = first.body as { contentType?: string; payload: unknown };
        return reply.status(first.statusCode).type(body.contentType ?? 'application/json').send(body.payload);
      }
      // Unanswered: take the key over if its lease ran out (its request died or gave up).
      [held] = await db
        .update(idempotencyKeys)
        .set({ lockedUntil: leaseEnd() })
        .where(and(where, sql`${idempotencyKeys.statusCode} is null`, lte(idempotencyKeys.lockedUntil, sql`now()`)))
        .returning();
      if (!held) {
        const wait = Math.max(1, Math.ceil((first.lockedUntil.getTime() - Date.now()) / 1000));
        reply.header('retry-after', String(Math.min(wait, leaseSeconds)));
        throw new Problem(409, 'IDEMPOTENCY_IN_PROGRESS', 'The first request with this Idempotency-Key is still running', `try again in ${Math.min(wait, leaseSeconds)} s; a request whose process died frees its key within ${leaseSeconds} s`);
      }
    }
    request.idempotency = { actor, key, ref: requestRef(actor, key), firstSeenAt: held.createdAt, resumed };
    // Renewed while this request runs, so a slow request keeps its key and a dead one loses it.
    const timer = setInterval(() => void db.update(idempotencyKeys).set({ lockedUntil: leaseEnd() }).where(and(where, sql`${idempotencyKeys.statusCode} is null`)).catch(() => {}), (leaseSeconds * 1000) / 3);
    timer.unref();
    renewals.set(request, timer);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const id = request.idempotency;
    if (!id) return payload;
    stopRenewing(request);
    const where = and(eq(idempotencyKeys.actor, id.actor), eq(idempotencyKeys.key, id.key));
    if (reply.statusCode >= 500 || typeof payload !== 'string' || (request.routeOptions.config?.answerHoldsSecret && reply.statusCode < 300)) {
      // A fault is not an answer, files are made again, and secrets are not stored: a repeat carries on with this key.
      await db.update(idempotencyKeys).set({ lockedUntil: sql`now()` }).where(and(where, sql`${idempotencyKeys.statusCode} is null`));
    } else {
      const contentType = String(reply.getHeader('content-type') ?? 'application/json');
      // The first answer stays the answer, even if a take-over ran alongside a stalled first try.
      await db.update(idempotencyKeys).set({ statusCode: reply.statusCode, body: { contentType, payload: JSON.parse(payload) } }).where(and(where, sql`${idempotencyKeys.statusCode} is null`));
    }
    return payload;
  });
});
