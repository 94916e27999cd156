// The codec server routes (Temporal codec server protocol) in a minimal app: problem+json, API keys
// and roles, CORS for the Temporal UI.
import swagger from '@fastify/swagger';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKey } from '../../src/api/api-keys';
import authPlugin from '../../src/api/auth';
import problemPlugin from '../../src/api/problem';
import codecRoutes from '../../src/api/routes/codec';
import { AesGcmCodec, generateCodecKey } from '../../src/codec/aes-gcm-codec';
import { openSecret, sealSecret } from '../../src/webhooks/secret';

const SECRET = 'SECRET-PASSWORD-123456';
const KEYS: ApiKey[] = [
  { name: 'olivia', role: 'operator', key: 'operator-key-0123456789' },
  { name: 'arthur', role: 'auditor', key: 'auditor-key-0123456789' },
  { name: 'sam', role: 'staff', key: 'staff-key-0123456789abc' },
];
const auth = (role: ApiKey['role']) => ({ authorization: `Bearer ${KEYS.find((k) => k.role === role)!.key}` });
const UI = 'http://localhost:8233';
const UI_ORIGINS = ['http://127.0.0.1:8233', UI];

const codec = AesGcmCodec.fromSpec(generateCodecKey('k1'));
const b64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('base64');
const toJson = (payloads: Payload[]) => ({
  payloads: payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
    data: b64(p.data),
  })),
});
const fromJson = (body: { payloads: { metadata: Record<string, string>; data: string }[] }): Payload[] =>
  body.payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data, 'base64'),
  }));

let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } } });
  await app.register(swagger, { openapi: { info: { title: 'test', version: '0' } } });
  await app.register(problemPlugin);
  await app.register(authPlugin, { keys: KEYS });
  await app.register(codecRoutes, { codec, uiOrigins: UI_ORIGINS });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

describe('POST /codec/decode', () => {
  it('decrypts payloads in the protocol shape, for every role, and passes plain payloads through', async () => {
    const plain = [defaultPayloadConverter.toPayload({ taxpayerId: '91520100MA6DKXYZ0K' }), defaultPayloadConverter.toPayload(42)];
    const encrypted = await codec.encode(plain);
    const unencrypted = defaultPayloadConverter.toPayload('not encrypted');
    for (const role of ['operator', 'auditor', 'staff'] as const) {
      const res = await app.inject({ method: 'POST', url: '/codec/decode', headers: { ...auth(role), 'x-namespace': 'default' }, payload: toJson([...encrypted, unencrypted]) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/json');
      const body = res.json();
      expect(body).toEqual(toJson([...plain, unencrypted]));
      expect(fromJson(body).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([{ taxpayerId: '91520100MA6DKXYZ0K' }, 42, 'not encrypted']);
    }
  });

  it('opens no webhook secret, for any role, however it is posted (issue 26)', async () => {
    const secret = 'whsec_TestSecretThatMustStaySealed0123456789abc';
    const stored = sealSecret(codec, 'W20261207-0123456789', secret);
    const data = Buffer.from(stored.data, 'base64');
    const relabelled = (keyId: string) => ({ metadata: { encoding: b64(Buffer.from('binary/encrypted')), 'encryption-key-id': b64(Buffer.from(keyId)) }, data: stored.data });
    for (const role of ['operator', 'auditor', 'staff'] as const) {
      for (const payload of [relabelled(stored.keyId), relabelled('k1'), { metadata: {}, data: stored.data }, { data: b64(data.subarray(12)) }]) {
        const res = await app.inject({ method: 'POST', url: '/codec/decode', headers: auth(role), payload: { payloads: [payload] } });
        expect(res.body, role).not.toContain(secret);
        expect(res.body, role).not.toContain(Buffer.from(secret).toString('base64').slice(0, 20));
      }
      const res = await app.inject({ method: 'POST', url: '/codec/decode', headers: auth(role), payload: { payloads: [relabelled(stored.keyId)] } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'PAYLOAD_NOT_DECRYPTABLE' });
    }
    // The old way of sealing (as payloads) is what the endpoint opened: such rows are sealed anew at start.
    const legacy = await codec.encode([defaultPayloadConverter.toPayload(secret)]);
    const old = await app.inject({ method: 'POST', url: '/codec/decode', headers: auth('staff'), payload: toJson(legacy) });
    expect(old.body).toContain(Buffer.from(JSON.stringify(secret)).toString('base64'));
    expect(await openSecret(codec, 'W20261207-0123456789', stored)).toBe(secret);
  });

  it('answers an empty list with an empty list, and accepts payloads without metadata or data', async () => {
    const empty = await app.inject({ method: 'POST', url: '/codec/decode', headers: auth('auditor'), payload: { payloads: [] } });
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({ payloads: [] });
    const bare = await app.inject({ method: 'POST', url: '/codec/decode', headers: auth('auditor'), payload: { payloads: [{}] } });
    expect(bare.statusCode).toBe(200);
    expect(bare.json()).toEqual({ payloads: [{ metadata: {}, data: '' }] });
  });

  it('needs a key: 401 problem+json without one or with a wrong one', async () => {
    const encrypted = toJson(await codec.encode([defaultPayloadConverter.toPayload(SECRET)]));
    for (const headers of [{}, { authorization: 'Bearer not-a-key-at-all-000' }]) {
      const res = await app.inject({ method: 'POST', url: '/codec/decode', headers, payload: encrypted });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(res.body).not.toContain(Buffer.from(SECRET).toString('base64'));
    }
  });

  it('answers 400 problem+json for bad shape, bad base64 and undecryptable payloads', async () => {
    const encrypted = (await codec.encode([defaultPayloadConverter.toPayload(SECRET)]))[0]!;
    const good = toJson([encrypted]).payloads[0]!;
    const tampered = Buffer.from(encrypted.data!);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    const other = await AesGcmCodec.fromSpec(generateCodecKey('k-other')).encode([defaultPayloadConverter.toPayload(1)]);
    const bad: [unknown, string, RegExp][] = [
      [undefined, 'VALIDATION_FAILED', /body/],
      [{}, 'VALIDATION_FAILED', /payloads/],
      [{ payloads: [5] }, 'VALIDATION_FAILED', /object/],
      [{ payloads: [{ metadata: 'x' }] }, 'VALIDATION_FAILED', /metadata/],
      [{ payloads: [{ metadata: { encoding: { a: 1 } } }] }, 'VALIDATION_FAILED', /string/],
      [{ payloads: [{ ...good, data: 'not base64!!' }] }, 'INVALID_PAYLOAD', /payloads\[0\]\.data is not valid base64/],
      [{ payloads: [good, { metadata: { encoding: 'a' }, data: '' }] }, 'INVALID_PAYLOAD', /payloads\[1\]\.metadata\.encoding is not valid base64/],
      [{ payloads: [{ ...good, data: b64(tampered) }] }, 'PAYLOAD_NOT_DECRYPTABLE', /failed authentication/],
      [toJson(other), 'PAYLOAD_NOT_DECRYPTABLE', /key id "k-other", which is not configured/],
    ];
    for (const [payload, code, detail] of bad) {
      const res = await app.inject({
        method: 'POST',
        url: '/codec/decode',
        headers: payload === undefined ? auth('auditor') : { ...auth('auditor'), 'content-type': 'application/json' },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 400, code });
      expect(res.json().detail).toMatch(detail);
    }
    const notJson = await app.inject({ method: 'POST', url: '/codec/decode', headers: { ...auth('auditor'), 'content-type': 'application/json' }, body: '{"payloads": [' });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.headers['content-type']).toContain('application/problem+json');
  });

  it('accepts URL-safe and unpadded base64 (proto3 JSON)', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload({ password: SECRET })]);
    const urlSafe = {
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(encrypted!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64url')])),
          data: Buffer.from(encrypted!.data!).toString('base64url'),
        },
      ],
    };
    const res = await app.inject({ method: 'POST', url: '/codec/decode', headers: auth('auditor'), payload: urlSafe });
    expect(res.statusCode).toBe(200);
    // Decoded, and like every answer without the password (tests/security/codec-secrets.test.ts).
    expect(defaultPayloadConverter.fromPayload(fromJson(res.json())[0]!)).toEqual({ password: '[redacted]' });
  });
});

describe('POST /codec/encode', () => {
  it('encrypts for operators; the answer decodes back and holds no plaintext', async () => {
    const plain = [defaultPayloadConverter.toPayload({ password: SECRET, account: '6222020200112233445' })];
    const res = await app.inject({ method: 'POST', url: '/codec/encode', headers: auth('operator'), payload: toJson(plain) });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(SECRET);
    const encrypted = fromJson(res.json());
    expect(Buffer.from(encrypted[0]!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(encrypted[0]!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    expect(Buffer.from(encrypted[0]!.data!).includes(Buffer.from(SECRET))).toBe(false);
    const back = await app.inject({ method: 'POST', url: '/codec/decode', headers: auth('operator'), payload: res.json() });
    expect(defaultPayloadConverter.fromPayload(fromJson(back.json())[0]!)).toEqual({ password: '[redacted]', account: '**** 3445' });
  });

  it('forbids auditors and staff (403), and needs a key (401)', async () => {
    const body = toJson([defaultPayloadConverter.toPayload('x')]);
    for (const role of ['auditor', 'staff'] as const) {
      const res = await app.inject({ method: 'POST', url: '/codec/encode', headers: auth(role), payload: body });
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }
    const none = await app.inject({ method: 'POST', url: '/codec/encode', payload: body });
    expect(none.statusCode).toBe(401);
  });

  it('answers 400 on bad input', async () => {
    const res = await app.inject({ method: 'POST', url: '/codec/encode', headers: auth('operator'), payload: { payloads: [{ data: '%%%' }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_PAYLOAD' });
  });
});

describe('CORS for the Temporal UI', () => {
  const preflight = (url: string, origin: string) =>
    app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
    });

  it('answers the preflight of an allowed origin on both routes, without a key', async () => {
    for (const url of ['/codec/decode', '/codec/encode']) {
      for (const origin of UI_ORIGINS) {
        const res = await preflight(url, origin);
        expect(res.statusCode).toBe(204);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(res.headers['access-control-allow-headers']).toBe('authorization, content-type, x-namespace');
        expect(res.headers['access-control-allow-methods']).toBe('POST');
        expect(res.headers['access-control-allow-credentials']).toBe('true');
        expect(res.headers.vary).toContain('Origin');
      }
    }
  });

  it('gives no CORS headers to another origin', async () => {
    for (const origin of ['http://evil.example', 'http://localhost:8234', 'null']) {
      const res = await preflight('/codec/decode', origin);
      expect(res.statusCode).toBe(204);
      for (const h of ['access-control-allow-origin', 'access-control-allow-headers', 'access-control-allow-methods', 'access-control-allow-credentials']) {
        expect(res.headers[h]).toBeUndefined();
      }
    }
    const post = await app.inject({ method: 'POST', url: '/codec/decode', headers: { ...auth('auditor'), origin: 'http://evil.example' }, payload: { payloads: [] } });
    expect(post.statusCode).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('sets CORS headers on the real answers for an allowed origin, errors included, so the UI can read them', async () => {
    const ok = await app.inject({ method: 'POST', url: '/codec/decode', headers: { ...auth('auditor'), origin: UI }, payload: { payloads: [] } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(UI);
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    const unauthenticated = await app.inject({ method: 'POST', url: '/codec/decode', headers: { origin: UI }, payload: { payloads: [] } });
    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.headers['access-control-allow-origin']).toBe(UI);
  });
});

describe('OpenAPI', () => {
  it('documents both routes', () => {
    const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/codec/decode']!)).toEqual(expect.arrayContaining(['post', 'options']));
    expect(Object.keys(doc.paths['/codec/encode']!)).toEqual(expect.arrayContaining(['post', 'options']));
  });
});
