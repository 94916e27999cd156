// The use cases' caller, as a request carries it: the authenticated actor, its idempotency key, its log.
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../use-cases/context';

export function callerOf(request: FastifyRequest): Caller {
  const id = request.idempotency;
  return {
    actor: request.actor!.name,
    idempotency: id ? { ref: id.ref, firstSeenAt: id.firstSeenAt, resumed: id.resumed } : null,
    log: request.log,
  };
}
