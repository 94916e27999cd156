// A browser session: the API key kept in an HttpOnly cookie, so the console and the Temporal
// UI's codec calls (with "include cross-origin credentials") are authorized like a Bearer key.
import type { FastifyInstance } from 'fastify';
import { SESSION_COOKIE, isKnownKey, presentedKey, type ApiKey } from '../auth';
import { Problem } from '../problem';

const COOKIE_ATTRIBUTES = 'HttpOnly; SameSite=Strict; Path=/';

export default async function sessionRoutes(app: FastifyInstance, opts: { keys: readonly ApiKey[] }) {
  app.post<{ Body: { key: string } }>(
    '/api/session',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Start a browser session with an API key (sets an HttpOnly cookie)',
        tags: ['session'],
        security: [],
        body: { type: 'object', properties: { key: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['key'], additionalProperties: false },
      },
    },
    async (request, reply) => {
      const key = isKnownKey(opts.keys, request.body.key);
      if (!key) throw new Problem(401, 'UNAUTHENTICATED', 'Unknown API key', 'use a key from API_KEYS (npm start prints the development keys)');
      reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(request.body.key)}; ${COOKIE_ATTRIBUTES}; Max-Age=${12 * 3600}`);
      return { name: key.name, role: key.role };
    },
  );

  app.get(
    '/api/session',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Who the session (or Bearer key) is: name and role; 401 without one (the console asks on load)',
        tags: ['session'],
        security: [],
        response: { 200: { type: 'object', properties: { name: { type: 'string' }, role: { type: 'string' } } } },
      },
    },
    async (request) => {
      const presented = presentedKey(request);
      const key = presented ? isKnownKey(opts.keys, presented) : undefined;
      if (!key) throw new Problem(401, 'UNAUTHENTICATED', 'No session', 'sign in with an API key: POST /api/session {"key": "<key>"}');
      return { name: key.name, role: key.role };
    },
  );

  app.delete(
    '/api/session',
    { config: { access: 'public' }, schema: { summary: 'End the browser session', tags: ['session'], security: [] } },
    async (_request, reply) => {
      reply.header('set-cookie', `${SESSION_COOKIE}=; ${COOKIE_ATTRIBUTES}; Max-Age=0`);
      return { ended: true };
    },
  );
}
