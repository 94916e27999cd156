// A webhook's secret at rest: sealed for webhook secrets and for its webhook (AES-256-GCM under a
// key HKDF derives from the payload codec's, the webhook id as associated data; see sealFor in
// src/codec/aes-gcm-codec.ts), opened only to sign a delivery. Not as a Temporal payload: the codec
// endpoint (POST /codec/decode) opens those for every role, and must never open a secret.
// Rows sealed the old way (as payloads) are still read, and re-sealed when a process starts.
import type { AesGcmCodec } from '../codec/aes-gcm-codec';
import type { Db } from '../db/client';
import type { StoredWebhookSecret } from '../db/schema';
import { legacySealedSecrets, replaceLegacySecret } from '../db/webhooks';
import { openArgs } from '../temporal/workflow-starts';

const PURPOSE = 'webhook-secret';
const FORMAT = 'webhook-secret/v1';

export type SealedSecret = Extract<StoredWebhookSecret, { format: string }>;

export function sealSecret(codec: AesGcmCodec, webhookId: string, secret: string): SealedSecret {
  const { keyId, data } = codec.sealFor(PURPOSE, webhookId, Buffer.from(secret, 'utf8'));
  return { format: FORMAT, keyId, data: data.toString('base64') };
}

/** Sealed as the codec's payloads (before issue 26 was fixed): the codec endpoint could open it. */
export function isLegacySecret(stored: StoredWebhookSecret): stored is unknown[] {
  return Array.isArray(stored);
}

export async function openSecret(codec: AesGcmCodec, webhookId: string, stored: StoredWebhookSecret): Promise<string> {
  if (isLegacySecret(stored)) {
    const [secret] = await openArgs(codec, stored);
    if (typeof secret !== 'string') throw new Error('a webhook secret did not open to a string');
    return secret;
  }
  if (stored.format !== FORMAT) throw new Error(`a webhook secret is sealed in an unknown format (${String(stored.format)})`);
  return codec.openFor(PURPOSE, webhookId, { keyId: stored.keyId, data: Buffer.from(stored.data, 'base64') }).toString('utf8');
}

/**
 * Re-seals the secrets still sealed the old way (deleted webhooks' too: their rows are kept).
 * Every process does it at start; two at once write the same secret, the second finds nothing left.
 * One that does not open (its key is no longer configured) is left as it is, and counted.
 */
export async function resealLegacySecrets(db: Db, codec: AesGcmCodec): Promise<{ resealed: number; unopened: string[] }> {
  let resealed = 0;
  const unopened: string[] = [];
  for (const row of await legacySealedSecrets(db)) {
    let secret: string;
    try {
      secret = await openSecret(codec, row.id, row.secret);
    } catch {
      unopened.push(row.id);
      continue;
    }
    if (await replaceLegacySecret(db, row.id, sealSecret(codec, row.id, secret))) resealed++;
  }
  return { resealed, unopened };
}
