// Who may call a route (docs/api.md): a Bearer API key or a session of one, by its role.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/client';
import { Problem } from '../domain/problem';
import { KeyRing, type ApiKey, type Role } from './api-keys';
import { sessionIdOf, sessionKey } from './sessions';

/** What a route allows: `read` to every role, `write` to operators, `staff` to staff. */
export type Access = 'public' | 'read' | 'write' | 'staff';

const ALLOWED: Record<Exclude<Access, 'public'>, readonly Role[]> = {
  read: ['operator', 'auditor', 'staff'],
  write: ['operator'],
  staff: ['staff'],
};

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Origins besides our own whose pages may send this route cookie-authenticated writes (the Temporal UI to /codec). */
    trustedOrigins?: readonly string[];
  }
  interface FastifyRequest {
    actor: { name: string; role: Role } | null;
    /**
     * Whether the actor is still signed in, for answers that outlive their request (GET /api/events):
     * a session can end (sign-out, expiry, its key rotated out) while a stream is open. A Bearer key
     * lasts as long as the process's API_KEYS.
     */
    stillSignedIn: (() => Promise<boolean>) | null;
  }
}

/** `Bearer <key>` in any letter case and spacing; undefined without the header; null when it is something else. */
export function bearerKey(request: FastifyRequest): string | undefined | null {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  return /^\s*bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a browser sent this request from a page of another origin: `Sec-Fetch-Site` when the
 * browser sends it, else `Origin`. Neither: not a browser (curl), which a forged request cannot be.
 * Another port of the same host is another origin (cookies do not tell ports apart).
 */
function crossOrigin(request: FastifyRequest, ownOrigin: string | undefined): boolean {
  const origin = request.headers.origin;
  const allowed = new Set([ownOrigin ?? `${request.protocol}://${request.host}`, ...(request.routeOptions.config?.trustedOrigins ?? [])]);
  if (typeof origin === 'string' && allowed.has(origin)) return false;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  return origin !== undefined;
}

export interface AuthOptions {
  keys: readonly ApiKey[];
  /** Where sessions live; without it only Bearer keys authenticate. */
  db?: Db | undefined;
  /** The origin browsers see this service at (PUBLIC_ORIGIN); else the request's own scheme and host. */
  publicOrigin?: string | undefined;
}

/**
 * Two steps, so the rate limit (a route hook, between them) counts per actor: `onRequest` finds
 * who is asking, from a Bearer key or a session cookie; `preParsing` refuses, before any body is read.
 */
export default fp(async function authPlugin(app: FastifyInstance, opts: AuthOptions) {
  const ring = new KeyRing(opts.keys);
  app.decorateRequest('actor', null);
  app.decorateRequest('stillSignedIn', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if ((request.routeOptions.config?.access ?? 'public') === 'public') return;
    const bearer = bearerKey(request);
    let key: ApiKey | undefined;
    let stillSignedIn = async () => true;
    if (typeof bearer === 'string') key = ring.find(bearer);
    else if (bearer === undefined && opts.db) {
      const { db } = opts;
      const id = sessionIdOf(request);
      key = id ? await sessionKey(db, id, (name) => ring.named(name)) : undefined;
      if (id) stillSignedIn = async () => (await sessionKey(db, id, (name) => ring.named(name))) !== undefined;
    }
    if (key) {
      request.actor = { name: key.name, role: key.role };
      request.stillSignedIn = stillSignedIn;
    }
  });
  app.addHook('preParsing', async (request: FastifyRequest) => {
    // Only a cookie rides along on a forged request; a Bearer header cannot be sent cross-site without CORS.
    if (!SAFE_METHODS.has(request.method) && request.headers.authorization === undefined && crossOrigin(request, opts.publicOrigin)) {
      throw new Problem(403, 'CROSS_ORIGIN_REQUEST', 'Refused: a request from another site', 'changes with the session cookie come only from pages of this service; other clients send Authorization: Bearer <key>');
    }
    const access = request.routeOptions.config?.access ?? 'public';
    if (access === 'public') return;
    if (!request.actor) {
      throw new Problem(401, 'UNAUTHENTICATED', 'An API key is required', 'send Authorization: Bearer <key> with a key from API_KEYS, or sign in: POST /api/session');
    }
    if (!ALLOWED[access].includes(request.actor.role)) {
      throw new Problem(403, 'FORBIDDEN', 'Your role may not do this', `role ${request.actor.role} may not ${access === 'staff' ? 'do staff actions' : 'change anything'}`);
    }
  });
});
