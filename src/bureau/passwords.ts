// How the mock bureau keeps declaration passwords: scrypt (node:crypto) with a random salt per
// password and its cost in the stored text, `scrypt$N$r$p$salt$hash`, so a copy of the state file
// costs an attacker as much per guess as a real bureau's would. Older state files hold an
// unsalted SHA-256 of `taxpayerId\0password`: still verified, and replaced by scrypt at the next
// check it passes. Employers still on their initial password (derived from the public unit number,
// F-1.2) store no hash at all: there is nothing secret to keep.
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/** scrypt's cost: N = 2^14, r = 8, p = 1 (16 MiB, tens of milliseconds a check). */
const N = 2 ** 14;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const LEGACY_SHA256 = /^[0-9a-f]{64}$/;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Buffer {
  return scryptSync(password.normalize('NFC'), salt, KEY_BYTES, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 });
}

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${derive(password, salt, N, R, P).toString('base64url')}`;
}

/** Whether `password` is the one `stored` was made of; `upgrade`: a new hash to keep instead (an old format or cost). */
export function checkPassword(stored: string, taxpayerId: string, password: string): { ok: boolean; upgrade?: string } {
  if (LEGACY_SHA256.test(stored)) {
    const ok = sameBytes(Buffer.from(stored, 'hex'), createHash('sha256').update(`${taxpayerId}\0${password}`).digest());
    return ok ? { ok, upgrade: hashPassword(password) } : { ok };
  }
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return { ok: false };
  const ok = sameBytes(Buffer.from(hash, 'base64url'), derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p)));
  return ok && (Number(n) < N || Number(r) !== R || Number(p) < P) ? { ok, upgrade: hashPassword(password) } : { ok };
}

/** Whether a legacy (SHA-256) hash is of the initial password: cheap, for the admin view. */
export function isLegacyHashOf(stored: string, taxpayerId: string, password: string): boolean {
  return LEGACY_SHA256.test(stored) && sameBytes(Buffer.from(stored, 'hex'), createHash('sha256').update(`${taxpayerId}\0${password}`).digest());
}

/** Two texts compared in constant time (by their digests, so lengths tell nothing). */
export function sameText(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
