// The signature of a webhook delivery, after Stripe's: `Sifee-Signature: t=<unix seconds>,v1=<hex>`
// where v1 is HMAC-SHA256 keyed with the webhook's secret (its UTF-8 bytes) over "<t>.<raw body>".
// The timestamp is signed too, so a receiver that refuses old ones cannot be fed a replay.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'sifee-signature';
export const EVENT_ID_HEADER = 'sifee-event-id';

/** What a receiver should accept by default: five minutes either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new webhook secret: 32 random bytes, shown once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signatureOf(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}

export function signatureHeader(secret: string, t: number, body: string): string {
  return `t=${t},v1=${signatureOf(secret, t, body)}`;
}

export type Verdict = { ok: true; t: number } | { ok: false; reason: 'malformed' | 'too_old' | 'mismatch' };

/**
 * What a receiver does: parse the header, refuse a timestamp further than `toleranceSeconds`
 * from its clock, compare the signature in constant time (any `v1` may match: a header may carry
 * several while a secret is rotated).
 */
export function verifySignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  opts: { toleranceSeconds?: number; nowSeconds?: number } = {},
): Verdict {
  const parts = (header ?? '').split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const given = parts.filter(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v ?? '')).map(([, v]) => Buffer.from(v!, 'hex'));
  if (!Number.isInteger(t) || given.length === 0) return { ok: false, reason: 'malformed' };
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: 'too_old' };
  const expected = Buffer.from(signatureOf(secret, t, rawBody), 'hex');
  return given.some((g) => timingSafeEqual(g, expected)) ? { ok: true, t } : { ok: false, reason: 'mismatch' };
}
