// Declarations end to end (F-2, F-3): API → Temporal workflow → mock bureau → database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { addSignedInEmployer } from '../support/employers';
import { eventually } from '../support/flows';
import { auth, startStack, type Stack } from '../support/stack';

let stack: Stack;
const PERIOD = '2026-10';

const addEmployer = (n: number) => addSignedInEmployer(stack, n, [PERIOD]);

async function feeItems(employerId: string, query = '') {
  const res = await stack.app.inject({ method: 'GET', url: `/api/employers/${employerId}/fee-items?kind=regular${query}`, headers: auth() });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { items: { itemId: string; amountFen: number; agency: string; period: string }[]; excluded: { itemId: string; reason: string; explanation: string }[] };
}

function declare(employerId: string, itemIds: string[], extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return stack.app.inject({
    method: 'POST',
    url: `/api/employers/${employerId}/declarations`,
    headers: { ...auth(), ...headers },
    payload: { kind: 'regular', itemIds, headcountConfirmed: true, ...extra },
  });
}

async function getDeclaration(id: string) {
  const res = await stack.app.inject({ method: 'GET', url: `/api/declarations/${id}`, headers: auth('auditor') });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/**
 * Waits until the bureau has received and decided these declarations (it decides 200 ms after
 * receiving one; the workflow submits it shortly after the API answered).
 */
async function bureauDecided(declarationIds: string[]): Promise<void> {
  await eventually(
    () => stack.admin('/admin/state'),
    (st) => {
      const known = Object.values(st.declarations as Record<string, { request: { requestId: string }; result: { status: string } }>);
      return declarationIds.every((id) => known.some((d) => d.request.requestId === id && d.result.status !== 'pending'));
    },
    10_000,
  );
}

/** Every declaration of ours, decided at the bureau: a fault injected now meets only new ones. */
async function bureauDecidedAll(): Promise<void> {
  const records = await stack.app.inject({ method: 'GET', url: '/api/declarations?limit=500', headers: auth() });
  await bureauDecided((records.json().declarations as { id: string }[]).map((d) => d.id));
}

/** Declares, lets the bureau decide, and fetches the result at once. */
async function declareAndFetch(employerId: string, itemIds: string[], extra: Record<string, unknown> = {}) {
  const res = await declare(employerId, itemIds, extra);
  expect(res.statusCode, res.body).toBe(202);
  await bureauDecided([res.json().id]);
  const fetched = await stack.app.inject({ method: 'POST', url: `/api/declarations/${res.json().id}/fetch-result`, headers: auth() });
  expect(fetched.statusCode, fetched.body).toBe(200);
  return fetched.json();
}

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 200, timing: { resultWaitSeconds: 20, pollFirstSeconds: 1, pollMaxSeconds: 2, resultDeadlineSeconds: 60 } });
});
afterAll(async () => {
  await stack?.close();
});

describe('fee items (F-2.1, F-2.2, F-2.8)', () => {
  it('downloads items with filters and explains every excluded reason', async () => {
    const employer = await addEmployer(1);
    const all = await feeItems(employer.id);
    expect(all.items.length).toBeGreaterThanOrEqual(5);
    const [revoked, notNormal, expired, declared] = all.items;
    await stack.admin('/admin/assessments', { itemId: revoked!.itemId, state: 'revoked' });
    await stack.admin('/admin/assessments', { itemId: notNormal!.itemId, state: 'not_normal' });
    await stack.admin('/admin/assessments', { itemId: expired!.itemId, state: 'expired' });
    const d = await declare(employer.id, [declared!.itemId]);
    expect(d.statusCode, d.body).toBe(202);

    const after = await feeItems(employer.id);
    const reasons = Object.fromEntries(after.excluded.map((e) => [e.itemId, e.reason]));
    expect(reasons).toMatchObject({
      [revoked!.itemId]: 'REVOKED',
      [notNormal!.itemId]: 'NOT_NORMAL_DATA',
      [expired!.itemId]: 'EXPIRED',
      [declared!.itemId]: 'ALREADY_DECLARED',
    });
    for (const e of after.excluded) expect(e.explanation.length).toBeGreaterThan(20);
    expect(after.items.map((i) => i.itemId)).not.toContain(revoked!.itemId);

    const agency = after.items[0]!.agency;
    const filtered = await feeItems(employer.id, `&agency=${encodeURIComponent(agency)}&period=${PERIOD}`);
    expect(filtered.items.length).toBeGreaterThan(0);
    expect(filtered.items.every((i) => i.agency === agency && i.period === PERIOD)).toBe(true);
    const otherPeriod = await feeItems(employer.id, '&period=2020-01');
    expect(otherPeriod.items).toEqual([]);
  });

  it('exports the pre-processing summary as CSV and XLSX (F-2.3)', async () => {
    const employer = await addEmployer(2);
    const { items } = await feeItems(employer.id);
    const csv = await stack.app.inject({ method: 'GET', url: `/api/employers/${employer.id}/fee-items/export?kind=regular&format=csv`, headers: auth() });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const rows = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(rows[0]).toContain('险种');
    expect(rows).toHaveLength(items.length + 1);

    const xlsx = await stack.app.inject({ method: 'GET', url: `/api/employers/${employer.id}/fee-items/export?kind=regular&format=xlsx`, headers: auth() });
    expect(xlsx.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.rowCount).toBe(items.length + 1);
    expect(String(sheet.getRow(1).getCell(2).value)).toContain('险种');
  });

  it('answers 404 problem+json for an unknown employer and 400 for a bad period', async () => {
    const missing = await stack.app.inject({ method: 'GET', url: '/api/employers/nope/fee-items', headers: auth() });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    const employer = await addEmployer(3);
    const bad = await stack.app.inject({ method: 'GET', url: `/api/employers/${employer.id}/fee-items?period=2026-13`, headers: auth() });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('declaring (F-2.4–F-2.7)', () => {
  it('refuses to declare without the headcount confirmation, changing nothing', async () => {
    const employer = await addEmployer(10);
    const { items } = await feeItems(employer.id);
    const res = await declare(employer.id, [items[0]!.itemId], { headcountConfirmed: false });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'HEADCOUNT_NOT_CONFIRMED' });
    expect(res.json().detail).toContain('减员');
    const records = await stack.app.inject({ method: 'GET', url: `/api/declarations?employerId=${employer.id}`, headers: auth() });
    expect(records.json().declarations).toEqual([]);
    expect((await feeItems(employer.id)).items).toHaveLength(items.length);
  });

  it('fetch-now gets the result at once while the automatic wait is 20 s', async () => {
    const employer = await addEmployer(11);
    const { items } = await feeItems(employer.id);
    const chosen = items.slice(0, 2);
    const res = await declare(employer.id, chosen.map((i) => i.itemId));
    expect(res.statusCode, res.body).toBe(202);
    const declaration = res.json();
    expect(declaration).toMatchObject({ status: 'submitted', workflowId: `declaration-${declaration.id}` });
    expect(declaration.totalFen).toBe(chosen[0]!.amountFen + chosen[1]!.amountFen);

    await bureauDecided([declaration.id]);
    const before = await getDeclaration(declaration.id);
    expect(before.status).toBe('submitted'); // the 20 s timer has not fired
    expect(Date.parse(before.nextFetchAt) - Date.now()).toBeGreaterThan(10_000);

    const fetched = await stack.app.inject({ method: 'POST', url: `/api/declarations/${declaration.id}/fetch-result`, headers: auth() });
    expect(fetched.statusCode, fetched.body).toBe(200);
    expect(fetched.json()).toMatchObject({ status: 'accepted', paymentStatus: 'unpaid', payNowPrompt: true });
    expect(fetched.json().result.serial).toMatch(/\d+/);
  });

  it('fetches the result by itself after the configured wait (F-2.6)', async () => {
    const quick = await startStack({ resultDelayMs: 100, timing: { resultWaitSeconds: 1 } });
    try {
      const previous = stack;
      stack = quick;
      const employer = await addEmployer(12);
      const { items } = await feeItems(employer.id);
      const res = await declare(employer.id, [items[0]!.itemId]);
      expect(res.statusCode).toBe(202);
      const done = await eventually(() => getDeclaration(res.json().id), (d) => d.status !== 'submitted');
      expect(done.status).toBe('accepted');
      stack = previous;
    } finally {
      await quick.close();
    }
  });

  it('a worker stopped during the wait and started again still completes the declaration', async () => {
    const employer = await addEmployer(13);
    const { items } = await feeItems(employer.id);
    const res = await declare(employer.id, [items[0]!.itemId]);
    expect(res.statusCode).toBe(202);
    const id = res.json().id;
    await eventually(() => getDeclaration(id), (d) => d.nextFetchAt !== null, 10_000);
    await stack.stopWorker();
    const stopped = await stack.app.inject({ method: 'POST', url: `/api/declarations/${id}/fetch-result`, headers: auth() });
    expect(stopped.json().status).toBe('submitted'); // nobody to fetch while the worker is down
    await stack.startWorker();
    const after = await stack.app.inject({ method: 'POST', url: `/api/declarations/${id}/fetch-result`, headers: auth() });
    const done = after.json().status === 'accepted' ? after.json() : await eventually(() => getDeclaration(id), (d) => d.status === 'accepted');
    expect(done.status).toBe('accepted');
  });

  it('refuses to declare the same items twice, also when two requests race', async () => {
    const employer = await addEmployer(14);
    const { items } = await feeItems(employer.id);
    const [a, b] = await Promise.all([declare(employer.id, [items[0]!.itemId]), declare(employer.id, [items[0]!.itemId])]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([202, 409]);
    const refused = a.statusCode === 409 ? a : b;
    expect(refused.json().code).toBe('ALREADY_DECLARED');

    const overlapping = await declare(employer.id, [items[1]!.itemId, items[0]!.itemId]);
    expect(overlapping.statusCode).toBe(409);
    expect(overlapping.json().detail).toContain(items[0]!.itemId);
    const records = await stack.app.inject({ method: 'GET', url: `/api/declarations?employerId=${employer.id}`, headers: auth() });
    expect(records.json().declarations).toHaveLength(1);
  });

  it('answers a repeated request with the same Idempotency-Key with the first answer', async () => {
    const employer = await addEmployer(15);
    const { items } = await feeItems(employer.id);
    const key = { 'idempotency-key': `declare-${employer.id}` };
    const first = await declare(employer.id, [items[0]!.itemId], {}, key);
    const second = await declare(employer.id, [items[0]!.itemId], {}, key);
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.json().id).toBe(first.json().id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const reused = await declare(employer.id, [items[1]!.itemId], {}, key);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('records a rejection with its reason and lets the items be declared again', async () => {
    const employer = await addEmployer(16);
    const { items } = await feeItems(employer.id);
    await bureauDecidedAll(); // so the fault meets this declaration, not an earlier one
    await stack.admin('/admin/faults', { operation: 'declaration_result', mode: 'reject', times: 1 });
    const rejected = await declareAndFetch(employer.id, [items[0]!.itemId]);
    expect(rejected.status, JSON.stringify(rejected)).toBe('rejected');
    expect(rejected.result.reason).toBeTruthy();
    expect(rejected.payNowPrompt).toBe(false);
    const again = await declare(employer.id, [items[0]!.itemId]);
    expect(again.statusCode, again.body).toBe(202);
  });

  it('marks the result unknown at the deadline when the bureau gives none, and an operator can fetch it later', async () => {
    const patient = await startStack({ resultDelayMs: 100, timing: { resultWaitSeconds: 1, pollFirstSeconds: 1, pollMaxSeconds: 1, resultDeadlineSeconds: 3 } });
    const previous = stack;
    stack = patient;
    try {
      const employer = await addEmployer(17);
      const { items } = await feeItems(employer.id);
      await stack.admin('/admin/faults', { operation: 'declaration_result', mode: 'error' });
      const res = await declare(employer.id, [items[0]!.itemId]);
      const id = res.json().id;
      const unknown = await eventually(() => getDeclaration(id), (d) => d.status === 'result_unknown', 40_000);
      expect(unknown.status).toBe('result_unknown');
      await stack.admin('/admin/faults', undefined, 'DELETE');
      const fetched = await stack.app.inject({ method: 'POST', url: `/api/declarations/${id}/fetch-result`, headers: auth() });
      expect(fetched.json().status).toBe('accepted');
    } finally {
      stack = previous;
      await patient.close();
    }
  });

  it('declares special items (F-3) through the same flow', async () => {
    const employer = await addEmployer(18);
    await stack.admin('/admin/assessments', { taxpayerId: employer.taxpayerId, period: '2026-04', kind: 'special' });
    const special = await stack.app.inject({ method: 'GET', url: `/api/employers/${employer.id}/fee-items?kind=special`, headers: auth() });
    const items = special.json().items as { itemId: string }[];
    expect(items.length).toBeGreaterThan(0);
    const fetched = await declareAndFetch(employer.id, [items[0]!.itemId], { kind: 'special' });
    expect(fetched).toMatchObject({ kind: 'special', status: 'accepted' });
  });
});

describe('declaration records (F-5.1, F-5.2)', () => {
  it('filters by status and declaration date and asks "pay now?" while accepted ones are unpaid', async () => {
    const employer = await addEmployer(20);
    const { items } = await feeItems(employer.id);
    expect((await declareAndFetch(employer.id, [items[0]!.itemId])).status).toBe('accepted');
    const list = (q: string) => stack.app.inject({ method: 'GET', url: `/api/declarations?employerId=${employer.id}${q}`, headers: auth('auditor') }).then((r) => r.json());
    expect((await list('&status=accepted')).declarations).toHaveLength(1);
    expect((await list('&status=rejected')).declarations).toHaveLength(0);
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    expect((await list(`&declaredFrom=${today}&declaredTo=${today}`)).declarations).toHaveLength(1);
    expect((await list('&declaredTo=2020-01-01')).declarations).toHaveLength(0);
    expect((await list('')).payNowPrompt).toBe(true);
    const backwards = await stack.app.inject({ method: 'GET', url: '/api/declarations?declaredFrom=2026-02-01&declaredTo=2026-01-01', headers: auth() });
    expect(backwards.statusCode).toBe(400);
  });
});
