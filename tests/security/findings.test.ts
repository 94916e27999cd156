// The security review's findings (issue 15), each reproduced against a whole stack: sessions,
// the lockout under concurrent wrong passwords, rate-limit keys, secrets through the codec
// endpoint, security headers, /metrics. The cross-site request test drives a real browser
// (csrf.test.ts). Variants of the API (other keys, limits, TLS) are built on this stack's parts.
import { readFileSync } from 'node:fs';
import type { FastifyInstance, InjectOptions } from 'fastify';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { buildApp } from '../../src/api/app';
import type { ApiKey } from '../../src/api/api-keys';
import { dataConverterFor } from '../../src/codec/aes-gcm-codec';
import type { Config } from '../../src/config';
import { NEW_PASSWORD, addEmployer } from '../support/employers';
import { initialPassword } from '../../src/domain/password';
import { api, declaredEmployer, eventually, payByVoucher } from '../support/flows';
import { KEYS, TEST_CODEC_KEYS, auth, startStack, type Stack } from '../support/stack';

const TYPED_ACCOUNT = '6222020200112233445';

let stack: Stack;
let sql: postgres.Sql;
const variants: FastifyInstance[] = [];

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100 });
  sql = postgres(stack.config.databaseUrl!, { max: 1, onnotice: () => {} });
}, 120_000);

afterAll(async () => {
  for (const app of variants) await app.close();
  await sql?.end();
  await stack?.close();
});

/** The same service (database, Temporal, bureau) with other keys or configuration. */
async function variant(opts: { keys?: ApiKey[]; config?: Partial<Config> }): Promise<FastifyInstance> {
  const app = await buildApp({
    codec: dataConverterFor(TEST_CODEC_KEYS).payloadCodecs[0]!,
    db: stack.database.db,
    temporal: stack.temporal,
    bureau: stack.bureau,
    config: { ...stack.config, ...opts.config },
    keys: opts.keys ?? KEYS,
    workflowBundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') },
  });
  await app.ready();
  variants.push(app);
  return app;
}

async function signIn(app: FastifyInstance, key: string, extra: Partial<InjectOptions> = {}): Promise<{ cookie: string; setCookie: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/session', payload: { key }, ...extra } as InjectOptions);
  expect(res.statusCode, res.body).toBe(200);
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0]!, setCookie };
}

describe('1. sessions: a random id in the cookie, ended for good', () => {
  it('never puts the key in the cookie or the database', async () => {
    const key = KEYS[1]!.key;
    const { cookie, setCookie } = await signIn(stack.app, key);
    expect(setCookie).toMatch(/^sifee_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
    expect(setCookie).not.toContain(key);
    const id = cookie.split('=')[1]!;
    const rows = await sql<{ row: string }[]>`select s::text as row from sessions s`;
    expect(rows.length).toBeGreaterThan(0);
    for (const { row } of rows) {
      expect(row).not.toContain(id);
      expect(row).not.toContain(key);
    }
  });

  it('stops working at once when signed out, though the browser might keep the cookie', async () => {
    const { cookie } = await signIn(stack.app, KEYS[0]!.key);
    expect((await stack.app.inject({ method: 'GET', url: '/api/employers', headers: { cookie } })).statusCode).toBe(200);
    const out = await stack.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    const after = await stack.app.inject({ method: 'GET', url: '/api/employers', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect((await stack.app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).statusCode).toBe(401);
  });

  it('ends when its key is rotated out of API_KEYS', async () => {
    const { cookie } = await signIn(stack.app, KEYS[1]!.key);
    const rotated = await variant({ keys: KEYS.map((k) => (k.role === 'auditor' ? { ...k, key: 'auditor-key-rotated-0001' } : k)) });
    expect((await rotated.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).statusCode).toBe(401);
    // Gone for good: the old keys do not bring it back.
    expect((await stack.app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).statusCode).toBe(401);
    const unchanged = await signIn(stack.app, KEYS[0]!.key);
    expect((await rotated.inject({ method: 'GET', url: '/api/session', headers: { cookie: unchanged.cookie } })).json()).toEqual({ name: 'olivia', role: 'operator' });
  });

  it('is a __Host- cookie with Secure behind a TLS proxy', async () => {
    const tls = await variant({ config: { trustProxy: '127.0.0.1' } });
    const https = { 'x-forwarded-proto': 'https' };
    const { cookie, setCookie } = await signIn(tls, KEYS[0]!.key, { headers: https });
    expect(setCookie).toMatch(/^__Host-sifee_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200; Secure$/);
    expect((await tls.inject({ method: 'GET', url: '/api/session', headers: { ...https, cookie } })).json()).toEqual({ name: 'olivia', role: 'operator' });
  });
});

describe('2. cross-site requests (without a browser; see csrf.test.ts for one)', () => {
  it('refuses a cookie-authenticated write from another origin, and accepts our own and Bearer keys', async () => {
    const employer = await addEmployer(stack, 21);
    const { cookie } = await signIn(stack.app, KEYS[0]!.key);
    const url = `/api/employers/${employer.id}/sign-out`;
    const evil = [{ origin: 'http://127.0.0.1:9999' }, { 'sec-fetch-site': 'same-site' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site', origin: 'http://localhost' }];
    for (const headers of evil) {
      const res = await stack.app.inject({ method: 'POST', url, headers: { cookie, ...headers } });
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json().code).toBe('CROSS_ORIGIN_REQUEST');
    }
    const audit = await sql`select 1 from audit_log where action = 'employer.signed_out' and subject = ${employer.id}`;
    expect(audit).toHaveLength(0);
    const own = await stack.app.inject({ method: 'POST', url, headers: { cookie, host: 'fees.example:3000', origin: 'http://fees.example:3000' } });
    expect(own.statusCode, own.body).toBe(200);
    const bearer = await stack.app.inject({ method: 'POST', url, headers: { ...auth(), origin: 'http://127.0.0.1:9999' } });
    expect(bearer.statusCode).toBe(200);
  });
});

describe('3. the password lockout under concurrent wrong passwords', () => {
  it('lets at most 5 of 30 simultaneous wrong sign-ins reach the bureau, and locks', async () => {
    const employer = await addEmployer(stack, 31);
    const changed = await api(stack).post(`/api/employers/${employer.id}/password`, { password: initialPassword(employer.unitNumber), newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    expect(changed.statusCode, changed.body).toBe(200);
    // Counts the bureau's password checks: each one takes a call off this rule (and is slowed, so they overlap).
    const { id: ruleId } = await stack.admin('/admin/faults', { operation: 'verify_password', mode: 'delay', delayMs: 50, times: 1000 });
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, () => api(stack).post(`/api/employers/${employer.id}/sign-in`, { password: 'Wrong2026' })),
      );
      const rule = ((await stack.admin('/admin/faults')).faults as { id: number; remaining: number }[]).find((f) => f.id === ruleId)!;
      expect(1000 - rule.remaining).toBe(5);
      const codes = answers.map((r) => r.json().code as string).sort();
      expect(codes.filter((c) => c === 'PASSWORD_INVALID')).toHaveLength(4);
      expect(codes.filter((c) => c === 'PASSWORD_LOCKED')).toHaveLength(26);
      const right = await api(stack).post(`/api/employers/${employer.id}/sign-in`, { password: NEW_PASSWORD });
      expect(right.json().code).toBe('PASSWORD_LOCKED');
    } finally {
      await stack.admin('/admin/faults', undefined, 'DELETE');
    }
  });

  it('does not count a check the bureau never answered', async () => {
    const employer = await addEmployer(stack, 32);
    const changed = await api(stack).post(`/api/employers/${employer.id}/password`, { password: initialPassword(employer.unitNumber), newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
    expect(changed.statusCode, changed.body).toBe(200);
    await stack.admin('/admin/faults', { operation: 'verify_password', mode: 'error', times: 6 });
    for (let i = 0; i < 6; i++) expect((await api(stack).post(`/api/employers/${employer.id}/sign-in`, { password: 'Wrong2026' })).statusCode).toBe(503);
    const wrong = await api(stack).post(`/api/employers/${employer.id}/sign-in`, { password: 'Wrong2026' });
    expect(wrong.json()).toMatchObject({ code: 'PASSWORD_INVALID', attemptsLeft: 4 });
  });
});

describe('4. rate limits per actor and per address', () => {
  let limited: FastifyInstance;
  beforeAll(async () => {
    limited = await variant({ config: { rateLimitPerMinute: 5 } });
  });
  const from = (remoteAddress: string, headers: Record<string, string> = {}) => limited.inject({ method: 'GET', url: '/api/employers', headers, remoteAddress });

  it('counts wrong keys per client address, whatever they are', async () => {
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await from('10.0.0.1', { authorization: `Bearer junk-${i}-0123456789` }));
    expect(answers.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(answers[5]!.json().code).toBe('RATE_LIMITED');
    expect((await from('10.0.0.2', { authorization: 'Bearer junk-0123456789' })).statusCode).toBe(401); // another address
  });

  it('counts one actor once, however the key is written or sent, with the standard headers', async () => {
    const key = KEYS[0]!.key;
    const { cookie } = await signIn(limited, key, { remoteAddress: '10.0.1.9' });
    const forms: Record<string, string>[] = [{ authorization: `Bearer ${key}` }, { authorization: `bearer ${key}` }, { authorization: `  Bearer    ${key}  ` }, { cookie }, { authorization: `BEARER ${key}` }];
    const answers = [];
    for (const [i, headers] of forms.entries()) answers.push(await from(`10.0.1.${i}`, headers));
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0]!.headers['ratelimit-limit']).toBe('5');
    expect(answers.map((r) => r.headers['ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0']);
    expect(Number(answers[0]!.headers['ratelimit-reset'])).toBeGreaterThan(0);
    const sixth = await from('10.0.1.20', { cookie });
    expect(sixth.statusCode).toBe(429);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    expect((await from('10.0.1.21', auth('auditor'))).statusCode).toBe(200); // another actor
  });

  it('does not fall back to the cookie when Authorization is something else', async () => {
    const { cookie } = await signIn(limited, KEYS[1]!.key, { remoteAddress: '10.0.2.9' });
    const res = await from('10.0.2.1', { cookie, authorization: 'Basic b2xpdmlhOm9wZXJhdG9y' });
    expect(res.statusCode).toBe(401);
  });
});

describe('5. no role reads a full account number or a password through the codec endpoint', () => {
  it('masks the typed-in account of a voucher payment for every role', async () => {
    const d = await declaredEmployer(stack, 51, {}, 1);
    const started = await payByVoucher(stack, d.employer.id, [d.payables[0]!.lineId], { account: { bankName: '中国工商银行贵阳分行', accountName: '贵阳测试51科技有限公司', accountNumber: TYPED_ACCOUNT } });
    expect(started.response.status, JSON.stringify(started.error)).toBe(202);
    const workflowId = (await api(stack).get(`/api/payments/${started.data!.id}`)).json().workflowId as string;
    const history = await eventually(() => stack.temporal.workflow.getHandle(workflowId).fetchHistory(), (h) => (h.events?.length ?? 0) > 0);
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    const body = {
      payloads: input.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
        data: Buffer.from(p.data!).toString('base64'),
      })),
    };
    for (const role of ['operator', 'auditor', 'staff'] as const) {
      const res = await stack.app.inject({ method: 'POST', url: '/codec/decode', headers: auth(role), payload: body });
      expect(res.statusCode).toBe(200);
      const decoded = res.json().payloads.map((p: { data: string }) => Buffer.from(p.data, 'base64').toString('utf8')).join('\n');
      expect(decoded).toContain(d.employer.taxpayerId); // decoded …
      expect(decoded).toContain('**** 3445'); // … with the account masked
      expect(decoded).not.toContain(TYPED_ACCOUNT);
      expect(decoded).not.toContain(NEW_PASSWORD);
    }
  });
});

describe('6. the lesser findings (key comparison: tests/unit/api-keys.test.ts; CSV: tests/unit/csv.test.ts)', () => {
  it('sends security headers with every answer; the console and Swagger UI keep their own policies', async () => {
    const employer = await addEmployer(stack, 61);
    const answers = {
      json: await stack.app.inject({ method: 'GET', url: '/health' }),
      problem: await stack.app.inject({ method: 'GET', url: '/api/employers' }),
      notFound: await stack.app.inject({ method: 'GET', url: '/no/such/thing' }),
      export: await stack.app.inject({ method: 'GET', url: `/api/employers/${employer.id}/fee-items/export?format=csv`, headers: auth() }),
      docs: await stack.app.inject({ method: 'GET', url: '/docs/' }),
      console: await stack.app.inject({ method: 'GET', url: '/' }),
    };
    for (const [name, res] of Object.entries(answers)) {
      expect(res.headers['x-content-type-options'], name).toBe('nosniff');
      expect(String(res.headers['content-security-policy']), name).toMatch(/frame-ancestors '(none|self)'/);
    }
    for (const name of ['json', 'problem', 'notFound', 'export'] as const) {
      expect(answers[name].headers['x-frame-options'], name).toBe('DENY');
      expect(answers[name].headers['content-security-policy'], name).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'");
    }
    expect(answers.docs.statusCode).toBe(200);
    expect(answers.docs.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(answers.docs.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(answers.console.headers['content-security-policy']).toContain("connect-src 'self'");
  });

  it('asks for METRICS_TOKEN when set, and reads the database at most once per cache time', async () => {
    const guarded = await variant({ config: { metricsToken: 'metrics-token-0123456789', metricsCacheSeconds: 3600 } });
    expect((await guarded.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-012345678' } })).statusCode).toBe(401);
    const scrape = async (app: FastifyInstance) => {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } });
      expect(res.statusCode).toBe(200);
      return Number(/^sifee_workflows_started_total\{type="declaration"\} (\d+)$/m.exec(res.body)![1]);
    };
    const before = await scrape(guarded);
    await declaredEmployer(stack, 62, {}, 1);
    expect(await scrape(guarded)).toBe(before); // the cached read
    expect(await scrape(await variant({ config: { metricsToken: 'metrics-token-0123456789', metricsCacheSeconds: 0 } }))).toBe(before + 1);
  });
});
