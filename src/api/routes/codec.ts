// The Temporal codec server protocol (POST /codec/decode, /codec/encode), so the Temporal UI and
// CLI can show encrypted payloads. Payloads travel as proto3 JSON: `{ payloads: [{ metadata:
// { key: base64 }, data: base64 }] }`. Both routes want an API key like every other route:
//   temporal workflow show -w <id> --codec-endpoint http://<api>/codec --codec-auth 'Bearer <key>'
// The UI sends `Authorization` only with "Pass the user access token" on, i.e. its own OIDC token,
// so a browser needs that token to be an API key (or a proxy that adds one).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { PayloadDecryptionError } from '../../codec/aes-gcm-codec';
import { redactSecrets } from '../../domain/redact';
import { Problem } from '../../domain/problem';
import { PayloadsAnswer, PayloadsBody } from '../schemas/codec';
import { NoContent, errors, type Static } from '../schemas/common';

export interface CodecRoutesOptions {
  codec: PayloadCodec;
  /** Origins of the Temporal UI allowed to call from a browser, e.g. `http://localhost:8233`. */
  uiOrigins: string[];
  /** Largest request body in bytes; payloads can be large. Default 4 MiB. */
  bodyLimit?: number;
}

type JsonPayload = Static<typeof PayloadsBody>['payloads'][number];
type JsonAnswer = Static<typeof PayloadsAnswer>['payloads'];

// Standard or URL-safe base64, padded or not (proto3 JSON parsers accept both).
const BASE64 = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/;

function fromBase64(value: string, where: string): Uint8Array {
  if (!BASE64.test(value) || value.replace(/=+$/, '').length % 4 === 1) {
    throw new Problem(400, 'INVALID_PAYLOAD', 'A payload is not valid', `${where} is not valid base64`);
  }
  return Buffer.from(value, 'base64');
}

function toBase64(bytes: Uint8Array | null | undefined): string {
  if (!bytes || bytes.length === 0) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function fromJson(payloads: JsonPayload[]): Payload[] {
  return payloads.map((p, i) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, fromBase64(v, `payloads[${i}].metadata.${k}`)])),
    data: fromBase64(p.data ?? '', `payloads[${i}].data`),
  }));
}

const JSON_ENCODING = 'json/plain';

/**
 * Decoded JSON payloads with passwords and account numbers masked (src/domain/redact.ts): the
 * Temporal UI and CLI show every role what happened, and no role a secret. Payloads that are
 * not JSON pass as they are.
 */
function redacted(payloads: Payload[]): Payload[] {
  return payloads.map((p) => {
    if (Buffer.from(p.metadata?.encoding ?? []).toString() !== JSON_ENCODING || !p.data) return p;
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(p.data).toString('utf8'));
    } catch {
      return p; // says JSON but is not: nothing of ours, shown as it came
    }
    const masked = JSON.stringify(redactSecrets(value));
    return masked === JSON.stringify(value) ? p : { ...p, data: Buffer.from(masked) };
  });
}

function toJson(payloads: Payload[]): JsonAnswer {
  return payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, toBase64(v)])),
    data: toBase64(p.data),
  }));
}

const ALLOW_HEADERS = 'authorization, content-type, x-namespace';

const codecRoutes: FastifyPluginAsyncTypebox<CodecRoutesOptions> = async (app, opts) => {
  const { codec } = opts;
  const origins = new Set(opts.uiOrigins.map((o) => o.replace(/\/+$/, '')));
  const bodyLimit = opts.bodyLimit ?? 4 * 1024 * 1024;

  /** Sets CORS headers when the request comes from an allowed Temporal UI origin. */
  function cors(request: FastifyRequest, reply: FastifyReply): void {
    reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || !origins.has(origin)) return;
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-allow-credentials', 'true');
  }

  // Encapsulated: applies to this plugin's routes only, error answers (401, 400…) included, so
  // the UI can read why a call failed.
  app.addHook('onSend', async (request, reply) => {
    cors(request, reply);
  });

  for (const op of ['decode', 'encode'] as const) {
    const url = `/codec/${op}`;

    app.options(
      url,
      {
        config: { access: 'public' },
        schema: {
          summary: `CORS preflight for ${url} (Temporal UI)`,
          tags: ['codec'],
          security: [],
          response: { 204: NoContent('Preflight answer; CORS headers only for allowed origins') },
        },
      },
      async (request, reply) => {
        if (typeof request.headers.origin === 'string' && origins.has(request.headers.origin)) {
          reply.header('access-control-allow-methods', 'POST');
          reply.header('access-control-allow-headers', ALLOW_HEADERS);
          reply.header('access-control-max-age', '600');
        }
        return reply.status(204).send(null);
      },
    );

    app.post(
      url,
      {
        bodyLimit,
        // The Temporal UI calls with the session cookie ("include cross-origin credentials").
        config: { access: op === 'decode' ? 'read' : 'write', trustedOrigins: [...origins] },
        schema: {
          summary:
            op === 'decode'
              ? 'Decrypt payloads for the Temporal UI and CLI (codec server protocol), passwords and account numbers masked'
              : 'Encrypt payloads for the Temporal UI and CLI (codec server protocol)',
          description:
            'Body and answer are Temporal `Payloads` in proto3 JSON: `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`.',
          tags: ['codec'],
          body: PayloadsBody,
          response: { 200: PayloadsAnswer, ...errors(400, 401, 403) },
        },
      },
      async (request) => {
        const input = fromJson(request.body.payloads);
        let output: Payload[];
        try {
          output = op === 'decode' ? redacted(await codec.decode(input)) : await codec.encode(input);
        } catch (err) {
          if (err instanceof PayloadDecryptionError) {
            throw new Problem(400, 'PAYLOAD_NOT_DECRYPTABLE', 'A payload cannot be decrypted', err.message);
          }
          throw err;
        }
        return { payloads: toJson(output) };
      },
    );
  }
};

export default codecRoutes;
