// A webhook's secret at rest: sealed with the payload codec (AES-256-GCM under PAYLOAD_CODEC_KEYS,
// the key id inside, so keys rotate as for Temporal payloads), opened only to sign a delivery.
import type { PayloadCodec } from '@temporalio/common';
import { openArgs, sealArgs } from '../starts/workflow-starts';

export function sealSecret(codec: PayloadCodec, secret: string): Promise<unknown[]> {
  return sealArgs(codec, [secret]);
}

export async function openSecret(codec: PayloadCodec, sealed: unknown[]): Promise<string> {
  const [secret] = await openArgs(codec, sealed);
  if (typeof secret !== 'string') throw new Error('a webhook secret did not open to a string');
  return secret;
}
