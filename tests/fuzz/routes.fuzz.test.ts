// Fuzzing every route of app.routeCatalog with fast-check: thousands of malformed and hostile
// requests (garbage JSON, wrong types, huge strings, prototype-pollution keys, unicode, path
// traversal and SQL-ish strings in params and query, bad content types, bad, missing or other
// roles' keys). For every answer: never a 5xx; every 4xx is application/problem+json with a
// code; no password, account number or key comes back; and nothing stored changes (every table,
// the audit log included, fingerprinted after each request). Reads may get anything; every
// other request carries a defect that must stop it (requests.ts), so none may be accepted.
//
// Bounded in time: FUZZ_SECONDS (default 60) spread over the routes, FUZZ_RUNS (default 200)
// requests per route at most; FUZZ_SEED replays a run (the seed is printed with any failure).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEW_PASSWORD, addEmployer } from '../support/employers';
import { api, declaredEmployer, eventually, payByVoucher, payThreeParty } from '../support/flows';
import { KEYS, TEST_CODEC_KEYS, startStack, type Stack } from '../support/stack';
import { fuzzRoutes, requestArb, type FuzzRequest, type FuzzRoute, type FuzzWorld } from './requests';
import { changedTables, stateReader, type StateReader } from './state';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 60);
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const TYPED_ACCOUNT = '6222020200112233445';
const WRONG_PASSWORD = 'Wrong2026pw';
/**
 * What a refused request may still leave: stored first answers of Idempotency-Keys; sign-ins and
 * sign-outs (POST, DELETE /api/session). And what moves by itself meanwhile: the workers' shared
 * bureau pace (bureau_pace), moved by their own bureau calls, never by a request.
 */
// workflow_archive: written by the worker as workflows close, not by any request (see state.ts).
const UNCHECKED_TABLES = new Set(['idempotency_keys', 'sessions', 'bureau_pace', 'workflow_archive']);

let stack: Stack;
let state: StateReader;
let world: FuzzWorld;
let secrets: string[];
/** The API's log lines (the stack logs at debug level); emptied after each request. */
const logLines: string[] = [];

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100, logLines, config: { rateLimitPerMinute: 10_000_000 } });
  const { post, get } = api(stack);

  // A signed-in employer with an accepted declaration of three lines: one paid by three-party
  // agreement, one waiting on a printed bank-side voucher, one unpaid.
  const d = await declaredEmployer(stack, 1, {}, 3);
  const paid = await payThreeParty(stack, d.employer.id, { lineIds: [d.payables[0]!.lineId], agreementId: d.agreementId });
  expect(paid.response.status, JSON.stringify(paid.error)).toBe(202);
  await eventually(() => get(`/api/payments/${paid.data!.id}`).then((r) => r.json().status), (s) => s === 'paid');
  const voucherPayment = await payByVoucher(stack, d.employer.id, [d.payables[1]!.lineId], { account: { bankName: '中国工商银行贵阳分行', accountName: '贵阳测试1科技有限公司', accountNumber: TYPED_ACCOUNT } });
  expect(voucherPayment.response.status, JSON.stringify(voucherPayment.error)).toBe(202);
  const vouchers = await eventually(
    () => get(`/api/employers/${d.employer.id}/vouchers`).then((r) => r.json().vouchers as { id: string; pdf: string | null }[]),
    (v) => v.length === 1 && v[0]!.pdf !== null,
    60_000,
  );
  expect(vouchers[0]?.pdf).toBeTruthy();
  const certificate = await post(`/api/employers/${d.employer.id}/certificates/payment`, { period: '2026-10' });
  expect(certificate.statusCode, certificate.body).toBe(200);
  // A second employer, its initial password unchanged, and a batch that skipped it.
  const other = await addEmployer(stack, 2);
  const batch = await post('/api/declaration-batches', { period: '2026-10', employerIds: [other.id], headcountConfirmed: true });
  expect(batch.statusCode, batch.body).toBe(202);
  await eventually(() => get(`/api/declaration-batches/${batch.json().id}`).then((r) => r.json().status), (s) => s === 'completed');

  const bureauEmployers = (await stack.admin('/admin/employers')).employers as { agreements: { accountNumber: string; agreementId: string }[]; accounts: { accountNumber: string; accountId: string }[] }[];
  const accountNumbers = [TYPED_ACCOUNT, ...bureauEmployers.flatMap((e) => [...e.agreements, ...e.accounts].map((a) => a.accountNumber))];
  const payments = (await get(`/api/payments?employerId=${d.employer.id}`)).json().payments as { id: string; workflowId: string }[];
  const session = async (key: string) => {
    const res = await stack.app.inject({ method: 'POST', url: '/api/session', payload: { key } });
    expect(res.statusCode, res.body).toBe(200);
    return String(res.headers['set-cookie']).split(';')[0]!;
  };
  world = {
    keys: { operator: KEYS[0]!.key, auditor: KEYS[1]!.key, staff: KEYS[2]!.key },
    sessions: { operator: await session(KEYS[0]!.key), auditor: await session(KEYS[1]!.key), staff: await session(KEYS[2]!.key) },
    ids: [
      d.employer.id,
      other.id,
      d.declarationId,
      `declaration-${d.declarationId}`,
      ...payments.flatMap((p) => [p.id, p.workflowId]),
      vouchers[0]!.id,
      certificate.headers['x-certificate-id'] as string,
      batch.json().id,
      batch.json().workflowId,
      d.agreementId!,
      ...bureauEmployers.flatMap((e) => e.accounts.map((a) => a.accountId)),
      ...d.itemIds,
      ...d.payables.map((p) => p.lineId),
    ],
    itemIds: d.itemIds,
    lineIds: d.payables.map((p) => p.lineId),
    employerIds: [d.employer.id, other.id],
    passwords: [NEW_PASSWORD, WRONG_PASSWORD],
    accountNumbers,
  };
  secrets = [NEW_PASSWORD, WRONG_PASSWORD, ...accountNumbers, ...KEYS.map((k) => k.key), TEST_CODEC_KEYS.split(':')[1]!];
  state = await stateReader(stack.config.databaseUrl!);
}, 180_000);

afterAll(async () => {
  await state?.close();
  await stack?.close();
});

function describeRequest(r: FuzzRequest): string {
  const cut = (s: string) => (s.length > 160 ? `${s.slice(0, 160)}…(${s.length} chars)` : s);
  return `${r.method} ${cut(r.url)} headers=${cut(JSON.stringify(r.headers))} body=${r.payload === undefined ? '-' : cut(JSON.stringify(r.payload))}${r.defect ? ` [defect: ${r.defect}]` : ''}`;
}

describe('every route, fuzzed', () => {
  it('notices a change of state (the fingerprint works)', async () => {
    const before = await state.read();
    const signedOut = await api(stack).post(`/api/employers/${world.employerIds[1]}/sign-out`);
    expect(signedOut.statusCode, signedOut.body).toBe(200);
    expect(changedTables(before, await state.read())).toEqual(expect.arrayContaining(['employers', 'audit_log']));
  });

  it('answers hostile requests with 4xx problems, leaks no secret and changes nothing', async () => {
    const routes: FuzzRoute[] = fuzzRoutes(stack.app.routeCatalog, (stack.app as unknown as { swagger(): unknown }).swagger());
    expect(routes.length).toBeGreaterThan(30);
    const failures: string[] = [];
    const stateChanges: string[] = [];
    const stats = { requests: 0, byStatus: new Map<number, number>() };
    logLines.length = 0;
    let baseline = await state.read();
    const initial = new Map(baseline);
    const deadline = Date.now() + SECONDS * 1000;

    for (const [i, route] of routes.entries()) {
      const timeLeft = Math.max(1000, (deadline - Date.now()) / (routes.length - i));
      const property = fc.asyncProperty(requestArb(route, world), async (req) => {
        const res = await stack.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.payload !== undefined ? { payload: req.payload } : {}) });
        stats.requests++;
        stats.byStatus.set(res.statusCode, (stats.byStatus.get(res.statusCode) ?? 0) + 1);
        // For a 5xx, the error the API logged says why.
        const logged = res.statusCode >= 500 ? logLines.filter((l) => l.includes('"level":50')).map((l) => l.slice(0, 600)).join(' | ') : '';
        logLines.length = 0;
        const what = `${describeRequest(req)} → ${res.statusCode} ${res.body.slice(0, 200)}${logged ? ` logged: ${logged}` : ''}`;

        const now = await state.read();
        const changed = changedTables(baseline, now).filter((t) => !UNCHECKED_TABLES.has(t));
        if (changed.length > 0) {
          stateChanges.push(`${changed.join(', ')} changed by ${what}`);
          baseline = now;
        }

        expect(res.statusCode, `5xx: ${what}`).toBeLessThan(500);
        if (req.defect) expect(res.statusCode, `accepted despite its defect: ${what}`).toBeGreaterThanOrEqual(400);
        if (res.statusCode >= 400) {
          expect(res.headers['content-type'], `not problem+json: ${what}`).toMatch(/^application\/problem\+json/);
          const problem = JSON.parse(res.body) as { code?: unknown; status?: unknown };
          expect(typeof problem.code === 'string' && problem.code.length > 0, `no code: ${what}`).toBe(true);
          expect(problem.status, `status differs: ${what}`).toBe(res.statusCode);
        }
        const headers = Object.entries(res.headers)
          .filter(([name]) => !(name === 'set-cookie' && req.url.startsWith('/api/session')))
          .map(([name, v]) => `${name}: ${String(v)}`)
          .join('\n');
        for (const secret of secrets) {
          expect(res.body.includes(secret), `a secret in the body: ${what}`).toBe(false);
          expect(headers.includes(secret), `a secret in the headers: ${what}`).toBe(false);
        }
      });
      const result = await fc.check(property, { numRuns: RUNS, seed: SEED + i, interruptAfterTimeLimit: timeLeft, markInterruptAsFailure: false });
      if (result.failed) {
        const [req] = result.counterexample ?? [];
        const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        failures.push(`${route.method} ${route.url} (seed ${result.seed}, path ${result.counterexamplePath}):\n  ${req ? describeRequest(req) : '?'}\n  ${error.split('\n')[0]!.slice(0, 700)}`);
      }
    }

    // Stored first answers of Idempotency-Keys are the only thing a refused request may leave.
    for (const row of await state.idempotencyRows()) {
      expect(row.status, `idempotency key ${row.key} was left unanswered`).not.toBeNull();
      expect(row.status!, `idempotency key ${row.key} stored ${row.status}`).toBeLessThan(500);
      for (const secret of secrets) expect(row.body.includes(secret), `a secret stored with idempotency key ${row.key}`).toBe(false);
    }
    const final = await state.read();
    const summary = `${stats.requests} requests over ${routes.length} routes (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries([...stats.byStatus].sort(([a], [b]) => a - b)))}`;
    console.log(`fuzz: ${summary}`);
    expect(failures, summary).toEqual([]);
    expect(stateChanges, summary).toEqual([]);
    expect(changedTables(initial, final).filter((t) => !UNCHECKED_TABLES.has(t))).toEqual([]);
    expect(stats.requests).toBeGreaterThan(2000);
  }, (SECONDS + 120) * 1000);
});
