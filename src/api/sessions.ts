// Browser sessions (POST /api/session): the cookie carries a random id, never the API key. The
// database keeps the id's SHA-256, the key's name and an HMAC of the key under the id, so
// signing out deletes the session for good, and rotating or removing a key ends its sessions.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/client';
import { deleteSession, findSession, insertSession } from '../db/sessions';
import type { ApiKey } from './api-keys';

/** The cookie's name over plain HTTP, and over TLS (the `__Host-` prefix: Secure, Path=/, no Domain). */
export const SESSION_COOKIE = 'sifee_session';
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

const idHash = (id: string) => createHash('sha256').update(id).digest('hex');
const keyCheck = (id: string, key: string) => createHmac('sha256', id).update(key).digest();

/** The session id the request's cookie carries, if any (the `__Host-` one first). */
export function sessionIdOf(request: FastifyRequest): string | undefined {
  const cookies = (request.headers.cookie ?? '').split(';').map((c) => c.trim());
  for (const name of [SECURE_SESSION_COOKIE, SESSION_COOKIE]) {
    const value = cookies.find((c) => c.startsWith(`${name}=`))?.slice(name.length + 1);
    // Our ids are base64url: anything else is no session (401), not a lookup.
    if (value && /^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  }
  return undefined;
}

/** Over TLS (directly, or behind a proxy Fastify trusts) the cookie is `__Host-` and Secure. */
export function sessionCookie(request: FastifyRequest, id: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https';
  return `${secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

/** Both names cleared: whichever the browser holds goes. */
export function clearedSessionCookies(request: FastifyRequest): string[] {
  return [`${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`, ...(request.protocol === 'https' ? [`${SECURE_SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure`] : [])];
}

export async function startSession(db: Db, key: ApiKey, maxAgeSeconds: number): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await insertSession(db, {
    idHash: idHash(id),
    actor: key.name,
    keyCheck: keyCheck(id, key.key).toString('hex'),
    expiresAt: new Date(Date.now() + maxAgeSeconds * 1000),
  });
  return id;
}

/** The key a live session stands for; a session whose key changed or went is deleted. */
export async function sessionKey(db: Db, id: string, keyNamed: (name: string) => ApiKey | undefined): Promise<ApiKey | undefined> {
  const row = await findSession(db, idHash(id));
  if (!row) return undefined;
  const key = keyNamed(row.actor);
  const stored = Buffer.from(row.keyCheck, 'hex');
  const expected = key ? keyCheck(id, key.key) : undefined;
  if (key && expected && stored.length === expected.length && timingSafeEqual(stored, expected)) return key;
  await deleteSession(db, idHash(id));
  return undefined;
}

export async function endSession(db: Db, id: string): Promise<void> {
  await deleteSession(db, idHash(id));
}
