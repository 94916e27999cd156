// Security review, issue 26, findings 2 to 4 (finding 1, DATA_DIR's permissions: data-dir.test.ts):
// crafted cursors and times answer 400, not 500; an event stream ends with its session and one
// actor's streams are capped; the mock bureau and /metrics answer only their own host names (DNS
// rebinding); the bureau keeps passwords as salted scrypt hashes, upgrading old SHA-256 ones.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import authPlugin from '../../src/api/auth';
import { Drain } from '../../src/api/drain';
import problemPlugin from '../../src/api/problem';
import eventRoutes from '../../src/api/routes/events';
import { endSession, startSession } from '../../src/api/sessions';
import { buildBureau } from '../../src/bureau/server';
import { BureauState } from '../../src/bureau/state';
import { encodeCursor } from '../../src/db/paging';
import { initialPassword } from '../../src/domain/password';
import { KEYS, auth, startStack, type Stack } from '../support/stack';

let stack: Stack;
const closing: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100 });
}, 120_000);

afterAll(async () => {
  for (const close of closing.reverse()) await close();
  await stack?.close();
});

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code?: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(res.body) as { status: number; code: string };
  expect(problem.status).toBe(status);
  if (code) expect(problem.code).toBe(code);
  else expect(problem.code).toEqual(expect.any(String));
}

describe('2. crafted input answers 400, not 500', () => {
  const lists = ['/api/employers', '/api/declaration-batches', '/api/declarations', '/api/payments'];
  // Each parses in JavaScript (Date.parse is lax) and is refused by PostgreSQL.
  const crafted = [
    ['2026-02-30T00:00:00Z', 'x'],
    ['99999-01-01T00:00:00Z', 'x'],
    ['+275760-09-13T00:00:00.000Z', 'x'],
    ['2026-01-01T24:00:00Z', 'x'],
    ['2026-01-01 00:00:00', 'x'],
    ['0000-01-01T00:00:00Z', 'x'],
    ['2026-01-01T00:00:00.000000Z', 'nul\u0000byte'],
  ];

  it('refuses cursors PostgreSQL would refuse on every keyset-paged list with CURSOR_INVALID', async () => {
    for (const url of lists) {
      for (const value of crafted) {
        const res = await stack.app.inject({ method: 'GET', url: `${url}?cursor=${cursorOf(value)}`, headers: auth('auditor') });
        expectProblem(res, 400, 'CURSOR_INVALID');
      }
      // A cursor of our own making still pages.
      const ok = await stack.app.inject({ method: 'GET', url: `${url}?cursor=${encodeCursor({ at: '2026-01-01T00:00:00.123456Z', id: 'E1' })}`, headers: auth('auditor') });
      expect(ok.statusCode, `${url}: ${ok.body}`).toBe(200);
    }
  });

  it('refuses days PostgreSQL cannot hold (year 0000, which JavaScript writes as -000001) on the declarations list and its export', async () => {
    for (const url of ['/api/declarations', '/api/declarations/export']) {
      for (const q of ['declaredFrom=0000-01-01', 'declaredTo=0000-12-31', 'declaredFrom=99999-01-01']) {
        const res = await stack.app.inject({ method: 'GET', url: `${url}?${q}`, headers: auth('auditor') });
        expectProblem(res, 400, 'VALIDATION_FAILED');
      }
      const ok = await stack.app.inject({ method: 'GET', url: `${url}?declaredFrom=1000-01-01&declaredTo=9999-12-31`, headers: auth('auditor') });
      expect(ok.statusCode, ok.body).toBe(200);
    }
  });

  it('refuses from/to PostgreSQL cannot hold, and days that do not exist, on the audit log and the archive', async () => {
    for (const url of ['/api/audit/log', '/api/audit/archive']) {
      for (const q of ['from=99999-01-01', 'to=99999-01-01', 'from=%2B275760-09-13T00:00:00Z', 'to=-000001-01-01T00:00:00Z', 'from=2026-02-30']) {
        const res = await stack.app.inject({ method: 'GET', url: `${url}?${q}`, headers: auth('auditor') });
        expectProblem(res, 400, 'VALIDATION_FAILED');
      }
      for (const q of ['from=2026-01-01&to=2026-12-31', 'to=9999-12-31', 'from=0001-01-01T00:00:00Z']) {
        const ok = await stack.app.inject({ method: 'GET', url: `${url}?${q}`, headers: auth('auditor') });
        expect(ok.statusCode, `${q}: ${ok.body}`).toBe(200);
      }
    }
  });

  it('refuses positions beyond what a number holds exactly (bigint) on the audit log, the archive and the event stream', async () => {
    for (const url of ['/api/audit/log?cursor=99999999999999999999999', '/api/audit/archive?cursor=99999999999999999999999', '/api/audit/log?cursor=9007199254740993', '/api/events?after=99999999999999999999999']) {
      const res = await stack.app.inject({ method: 'GET', url, headers: auth('auditor') });
      expectProblem(res, 400);
    }
    const ok = await stack.app.inject({ method: 'GET', url: `/api/audit/log?cursor=${Number.MAX_SAFE_INTEGER}`, headers: auth('auditor') });
    expect(ok.statusCode, ok.body).toBe(200);
  });
});

/** A text/event-stream over real HTTP: what it received, and whether the server ended it. */
async function openStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const stream = { status: res.status, text: '', ended: false, close: () => controller.abort() };
  if (!res.ok || !res.body) {
    stream.text = await res.text();
    stream.ended = true;
    return stream;
  }
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) stream.text += decoder.decode(chunk, { stream: true });
    } catch {
      // aborted by the test
    }
    stream.ended = true;
  })();
  closing.push(async () => stream.close());
  return stream;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return check();
}

/** The event routes with the sessions of the stack's database, polling every 50 ms. */
async function eventsApp(maxStreamsPerActor: number): Promise<string> {
  const app: FastifyInstance = Fastify();
  app.decorate('db', stack.database.db);
  app.decorate('drain', new Drain());
  await app.register(problemPlugin);
  await app.register(authPlugin, { keys: KEYS, db: stack.database.db });
  await app.register(eventRoutes, { prefix: '/api', pollIntervalMs: 50, heartbeatMs: 60_000, maxStreamsPerActor });
  await app.listen({ port: 0, host: '127.0.0.1' });
  closing.push(() => app.close());
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/events`;
}

describe('3. an event stream ends with its session; streams are capped per actor', () => {
  it('ends an open stream within a poll of sign-out, and at its session’s expiry; a Bearer stream goes on', async () => {
    const url = await eventsApp(5);
    const id = await startSession(stack.database.db, KEYS[1]!, 3600);
    const signedIn = await openStream(url, { cookie: `sifee_session=${id}` });
    const bearer = await openStream(url, auth('auditor'));
    expect(signedIn.status).toBe(200);
    await waitFor(() => signedIn.text.includes('connected'), 2000);
    await new Promise((r) => setTimeout(r, 200));
    expect(signedIn.ended).toBe(false);

    await endSession(stack.database.db, id);
    expect(await waitFor(() => signedIn.ended, 1000)).toBe(true);
    expect(signedIn.text).toContain(': session ended');
    expect(bearer.ended).toBe(false);
    // The cookie itself is refused now, as every other route refuses it.
    expect((await openStream(url, { cookie: `sifee_session=${id}` })).status).toBe(401);

    const shortLived = await startSession(stack.database.db, KEYS[1]!, 1);
    const expiring = await openStream(url, { cookie: `sifee_session=${shortLived}` });
    expect(expiring.status).toBe(200);
    expect(await waitFor(() => expiring.ended, 3000)).toBe(true);
    expect(bearer.ended).toBe(false);
    bearer.close();
  });

  it('answers 429 problem+json to an actor over the cap, whatever form its key takes; others and closed slots are free', async () => {
    const url = await eventsApp(3);
    const id = await startSession(stack.database.db, KEYS[1]!, 3600);
    const three = [await openStream(url, auth('auditor')), await openStream(url, { cookie: `sifee_session=${id}` }), await openStream(url, auth('auditor'))];
    expect(three.map((s) => s.status)).toEqual([200, 200, 200]);

    const fourth = await openStream(url, auth('auditor'));
    expect(fourth.status).toBe(429);
    expect(JSON.parse(fourth.text)).toMatchObject({ status: 429, code: 'TOO_MANY_STREAMS' });
    expect((await openStream(url, { cookie: `sifee_session=${id}` })).status).toBe(429);
    // Simultaneous opens count each other.
    const burst = await Promise.all(Array.from({ length: 10 }, () => openStream(url, auth('operator'))));
    expect(burst.filter((s) => s.status === 200)).toHaveLength(3);
    expect(burst.filter((s) => s.status === 429)).toHaveLength(7);

    three[0]!.close();
    let again = 429;
    await waitFor(() => false, 300);
    for (let i = 0; i < 20 && again !== 200; i++) {
      const s = await openStream(url, auth('auditor'));
      again = s.status;
      if (again !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(again).toBe(200);
  });

  it('allows 5 streams per actor unless EVENT_STREAMS_PER_ACTOR says otherwise', () => {
    expect(stack.config.eventStreamsPerActor).toBe(5);
  });
});

describe('4. host names (DNS rebinding) and the bureau’s password hashes', () => {
  it('the mock bureau answers /admin and /v1 only under loopback names and the ones configured', async () => {
    const bureau = await buildBureau({ logger: false, allowedHosts: ['bureau'] });
    closing.push(() => bureau.close());
    for (const host of ['attacker.example', 'attacker.example:4100', '127.0.0.1.attacker.example', 'localhost.']) {
      for (const url of ['/admin/employers', '/v1/employers/91520100MA6DXXXX0X', '/health']) {
        const res = await bureau.inject({ method: 'GET', url, headers: { host } });
        if (host === 'localhost.') expect(res.statusCode, `${host} ${url}`).not.toBe(421);
        else {
          expect(res.statusCode, `${host} ${url}`).toBe(421);
          expect(res.json()).toMatchObject({ code: 'HOST_NOT_ALLOWED' });
        }
      }
    }
    for (const host of ['127.0.0.1:4100', 'localhost:4100', '[::1]:4100', 'bureau:4100', 'BUREAU']) {
      expect((await bureau.inject({ method: 'GET', url: '/admin/employers', headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it('the API’s /metrics answers only loopback names, HOST, PUBLIC_ORIGIN’s host and ALLOWED_HOSTS', async () => {
    const refused = await stack.app.inject({ method: 'GET', url: '/metrics', headers: { host: 'attacker.example:3000' } });
    expectProblem(refused, 421, 'HOST_NOT_ALLOWED');
    expect(refused.body).not.toContain('sifee_');
    expect((await stack.app.inject({ method: 'GET', url: '/metrics', headers: { host: '127.0.0.1:3000' } })).statusCode).toBe(200);
    expect((await stack.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200); // inject's localhost:80
  });

  it('keeps declaration passwords as salted scrypt hashes, and upgrades an old state file’s SHA-256 at the next right check', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sifee-bureau-hash-'));
    try {
      const file = path.join(dir, 'bureau-state.json');
      const state = new BureauState(file, 0);
      const [a, b] = state.seed({ employers: 2, periods: [] });
      state.changePassword(a!.taxpayerId, initialPassword(a!.unitNumber), 'Same2026pw');
      state.changePassword(b!.taxpayerId, initialPassword(b!.unitNumber), 'Same2026pw');
      await state.flush();
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { employers: Record<string, { passwordHash?: string }> };
      const [ha, hb] = [stored.employers[a!.taxpayerId]!.passwordHash!, stored.employers[b!.taxpayerId]!.passwordHash!];
      expect(ha).toMatch(/^scrypt\$16384\$8\$1\$/);
      expect(ha).not.toBe(hb); // salted: the same password, two hashes
      const sha = createHash('sha256').update(`${a!.taxpayerId}\0Same2026pw`).digest('hex');
      expect(readFileSync(file, 'utf8')).not.toContain(sha);
      expect(state.employer(a!.taxpayerId).passwordIsInitial).toBe(false);

      // A state file of the previous version: unsalted SHA-256 of taxpayerId \0 password.
      stored.employers[a!.taxpayerId]!.passwordHash = sha;
      stored.employers[b!.taxpayerId]!.passwordHash = createHash('sha256').update(`${b!.taxpayerId}\0${initialPassword(b!.unitNumber)}`).digest('hex');
      writeFileSync(file, JSON.stringify(stored));
      const old = new BureauState(file, 0);
      expect(old.employer(b!.taxpayerId).passwordIsInitial).toBe(true);
      expect(() => old.verifyPassword(a!.taxpayerId, 'Wrong2026pw')).toThrow();
      await old.flush();
      expect(JSON.parse(readFileSync(file, 'utf8')).employers[a!.taxpayerId].passwordHash).toBe(sha); // a wrong one upgrades nothing
      old.verifyPassword(a!.taxpayerId, 'Same2026pw');
      old.verifyPassword(b!.taxpayerId, initialPassword(b!.unitNumber));
      await old.flush();
      const upgraded = JSON.parse(readFileSync(file, 'utf8')) as { employers: Record<string, { passwordHash?: string }> };
      expect(upgraded.employers[a!.taxpayerId]!.passwordHash).toMatch(/^scrypt\$/);
      expect(upgraded.employers[b!.taxpayerId]!.passwordHash).toBeUndefined(); // the initial password: nothing to keep
      const reopened = new BureauState(file, 0);
      reopened.verifyPassword(a!.taxpayerId, 'Same2026pw');
      expect(() => reopened.verifyPassword(a!.taxpayerId, 'Wrong2026pw')).toThrow();
      expect(reopened.employer(b!.taxpayerId).passwordIsInitial).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
