// API keys with roles (API.md): operators act, auditors read, staff reset passwords.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from './problem';

export const ROLES = ['operator', 'auditor', 'staff'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  name: string;
  role: Role;
  key: string;
}

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
  }
  interface FastifyRequest {
    actor: { name: string; role: Role } | null;
  }
}

/** Parses `name:role:key,...`. */
export function parseApiKeys(spec: string): ApiKey[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name, role, key] = entry.split(':');
      if (!name || !key || !ROLES.includes(role as Role)) {
        throw new Error(`API_KEYS entry "${name ?? ''}:${role ?? ''}:…" must be name:role:key with role one of ${ROLES.join(', ')}`);
      }
      if (key.length < 16) throw new Error(`API key of ${name} is too short: use at least 16 characters`);
      return { name, role: role as Role, key };
    });
}

export function generateDevKeys(): ApiKey[] {
  return ROLES.map((role) => ({ name: `dev-${role}`, role, key: `${role.slice(0, 3)}_${randomBytes(18).toString('base64url')}` }));
}

export function formatApiKeys(keys: readonly ApiKey[]): string {
  return keys.map((k) => `${k.name}:${k.role}:${k.key}`).join(',');
}

function findKey(keys: readonly ApiKey[], presented: string): ApiKey | undefined {
  const p = Buffer.from(presented);
  return keys.find((k) => {
    const b = Buffer.from(k.key);
    return b.length === p.length && timingSafeEqual(b, p);
  });
}

/** The session cookie a browser gets from POST /api/session (for the console and the Temporal UI's codec calls). */
export const SESSION_COOKIE = 'sifee_key';

/** A key from `Authorization: Bearer …`, or else from the session cookie. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (bearer) return bearer[1];
  const cookie = (request.headers.cookie ?? '').split(';').map((c) => c.trim()).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) return undefined;
  try {
    return decodeURIComponent(cookie.slice(SESSION_COOKIE.length + 1));
  } catch {
    return undefined; // not percent-encoded properly: no key (401), not a crash
  }
}

export function isKnownKey(keys: readonly ApiKey[], presented: string): ApiKey | undefined {
  return findKey(keys, presented);
}

export default fp(async function authPlugin(app: FastifyInstance, opts: { keys: readonly ApiKey[] }) {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const access = request.routeOptions.config?.access ?? 'public';
    if (access === 'public') return;
    const presented = presentedKey(request);
    const key = presented ? findKey(opts.keys, presented) : undefined;
    if (!key) {
      throw new Problem(401, 'UNAUTHENTICATED', 'An API key is required', 'send Authorization: Bearer <key> with a key from API_KEYS');
    }
    if (!ALLOWED[access].includes(key.role)) {
      throw new Problem(403, 'FORBIDDEN', 'Your role may not do this', `role ${key.role} may not ${access === 'staff' ? 'do staff actions' : 'change anything'}`);
    }
    request.actor = { name: key.name, role: key.role };
  });
});
