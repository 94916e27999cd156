// A browser session for the console and the Temporal UI's codec calls: POST /api/session with an
// API key sets an HttpOnly cookie holding a random session id (never the key), stored server-side.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client';
import { KeyRing, type ApiKey } from '../api-keys';
import { Problem } from '../../domain/problem';
import { Enum, Type, errors } from '../schemas/common';
import { clearedSessionCookies, endSession, sessionCookie, sessionIdOf, startSession } from '../sessions';

const Actor = Type.Object({ name: Type.String({ description: 'the key’s name' }), role: Enum(['operator', 'auditor', 'staff'], 'what the key may do') });

const sessionRoutes: FastifyPluginAsyncTypebox<{ keys: readonly ApiKey[]; db: Db; hours: number }> = async (app, opts) => {
  const ring = new KeyRing(opts.keys);
  const maxAge = Math.round(opts.hours * 3600);

  app.post(
    '/api/session',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Start a browser session with an API key (sets an HttpOnly cookie with a session id)',
        tags: ['session'],
        security: [],
        body: Type.Object({ key: Type.String({ minLength: 1, maxLength: 200, description: 'an API key' }) }, { additionalProperties: false }),
        response: { 200: Actor, ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const key = ring.find(request.body.key);
      if (!key) throw new Problem(401, 'UNAUTHENTICATED', 'Unknown API key', 'use a key from API_KEYS (npm start prints the development keys)');
      // A session the browser held before ends: signing in again never leaves two behind.
      const previous = sessionIdOf(request);
      if (previous) await endSession(opts.db, previous);
      reply.header('set-cookie', sessionCookie(request, await startSession(opts.db, key, maxAge), maxAge));
      return { name: key.name, role: key.role };
    },
  );

  app.get(
    '/api/session',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Who the session (or Bearer key) is: name and role; 401 without one (the console asks on load)',
        tags: ['session'],
        response: { 200: Actor, ...errors(401) },
      },
    },
    async (request) => request.actor!,
  );

  app.delete(
    '/api/session',
    { config: { access: 'public' }, schema: {
        summary: 'End the browser session: the session id stops working at once',
        tags: ['session'],
        security: [],
        response: { 200: Type.Object({ ended: Type.Literal(true) }) },
      },
    },
    async (request, reply) => {
      const id = sessionIdOf(request);
      if (id) await endSession(opts.db, id);
      reply.header('set-cookie', clearedSessionCookies(request));
      return { ended: true as const };
    },
  );
};

export default sessionRoutes;
