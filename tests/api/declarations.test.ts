// Declarations end to end (F-2, F-3): API → Temporal workflow → mock bureau → database, through
// the typed client of the published contract.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { addSignedInEmployer } from '../support/employers';
import { answerOf, eventually } from '../support/flows';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
const PERIOD = '2026-10';

const addEmployer = (n: number) => addSignedInEmployer(stack, n, [PERIOD]);

type FeeItems = { items: { itemId: string; amountFen: number; agency: string; period: string }[]; excluded: { itemId: string; reason: string; explanation: string; item: { itemId: string; insuranceName: string; period: string; amountFen: number } }[] };

async function feeItems(employerId: string, query: { agency?: string; period?: string } = {}) {
  const res = await stack.client.GET('/api/employers/{id}/fee-items', { params: { path: { id: employerId }, query: { kind: 'regular', ...query } } });
  expect(res.response.status, JSON.stringify(res.error)).toBe(200);
  return answerOf<FeeItems>(res);
}

type DeclareBody = { kind: 'regular' | 'special'; itemIds: string[]; headcountConfirmed: boolean };

function declare(employerId: string, itemIds: string[], extra: Partial<DeclareBody> = {}, headers: Record<string, string> = {}) {
  return stack.client.POST('/api/employers/{id}/declarations', {
    params: { path: { id: employerId } },
    body: { kind: 'regular', itemIds, headcountConfirmed: true, ...extra },
    headers,
  });
}

/** The 202 answer of a declaration (its id …), failing the test with the problem otherwise. */
async function declared(res: ReturnType<typeof declare>) {
  const { data, error, response } = await res;
  expect(response.status, JSON.stringify(error)).toBe(202);
  return data!;
}

async function getDeclaration(id: string) {
  const { data, error, response } = await stack.clientAs('auditor').GET('/api/declarations/{id}', { params: { path: { id } } });
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!;
}

function fetchResult(id: string) {
  return stack.client.POST('/api/declarations/{id}/fetch-result', { params: { path: { id } } });
}

async function listDeclarations(query: { employerId?: string; limit?: number }) {
  const { data, error } = await stack.client.GET('/api/declarations', { params: { query } });
  expect(error).toBeUndefined();
  return data!;
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
  const records = await listDeclarations({ limit: 500 });
  await bureauDecided(records.declarations.map((d) => d.id));
}

/** Declares, lets the bureau decide, and fetches the result at once. */
async function declareAndFetch(employerId: string, itemIds: string[], extra: Partial<DeclareBody> = {}) {
  const { id } = await declared(declare(employerId, itemIds, extra));
  await bureauDecided([id]);
  const fetched = await fetchResult(id);
  expect(fetched.response.status, JSON.stringify(fetched.error)).toBe(200);
  return fetched.data!;
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
    const [revoked, notNormal, expired, declaredItem] = all.items;
    await stack.admin('/admin/assessments', { itemId: revoked!.itemId, state: 'revoked' });
    await stack.admin('/admin/assessments', { itemId: notNormal!.itemId, state: 'not_normal' });
    await stack.admin('/admin/assessments', { itemId: expired!.itemId, state: 'expired' });
    await declared(declare(employer.id, [declaredItem!.itemId]));

    const after = await feeItems(employer.id);
    const reasons = Object.fromEntries(after.excluded.map((e) => [e.itemId, e.reason]));
    expect(reasons).toMatchObject({
      [revoked!.itemId]: 'REVOKED',
      [notNormal!.itemId]: 'NOT_NORMAL_DATA',
      [expired!.itemId]: 'EXPIRED',
      [declaredItem!.itemId]: 'ALREADY_DECLARED',
    });
    for (const e of after.excluded) expect(e.explanation.length).toBeGreaterThan(20);
    // Each with the item itself, so a person reads insurance, period and amount, not an id.
    for (const e of after.excluded) expect(e.item).toMatchObject({ itemId: e.itemId, insuranceName: expect.stringContaining('保险'), period: expect.stringMatching(/^\d{4}-\d{2}$/), amountFen: expect.any(Number) });
    expect(after.items.map((i) => i.itemId)).not.toContain(revoked!.itemId);

    const agency = after.items[0]!.agency;
    const filtered = await feeItems(employer.id, { agency, period: PERIOD });
    expect(filtered.items.length).toBeGreaterThan(0);
    expect(filtered.items.every((i) => i.agency === agency && i.period === PERIOD)).toBe(true);
    const otherPeriod = await feeItems(employer.id, { period: '2020-01' });
    expect(otherPeriod.items).toEqual([]);
  });

  it('exports the pre-processing summary as CSV and XLSX (F-2.3)', async () => {
    const employer = await addEmployer(2);
    const { items } = await feeItems(employer.id);
    const exported = (format: 'csv' | 'xlsx') => ({ params: { path: { id: employer.id }, query: { kind: 'regular' as const, format } } });
    const csv = await stack.client.GET('/api/employers/{id}/fee-items/export', { ...exported('csv'), parseAs: 'text' });
    expect(csv.response.status).toBe(200);
    expect(csv.response.headers.get('content-type')).toContain('text/csv');
    const rows = csv.data!.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(rows[0]).toContain('险种');
    expect(rows).toHaveLength(items.length + 1);

    const xlsx = await stack.client.GET('/api/employers/{id}/fee-items/export', { ...exported('xlsx'), parseAs: 'arrayBuffer' });
    expect(xlsx.response.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.data!);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.rowCount).toBe(items.length + 1);
    expect(String(sheet.getRow(1).getCell(2).value)).toContain('险种');
  });

  it('answers 404 problem+json for an unknown employer and 400 for a bad period', async () => {
    const missing = await stack.client.GET('/api/employers/{id}/fee-items', { params: { path: { id: 'nope' }, query: { kind: 'regular' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.response.headers.get('content-type')).toContain('application/problem+json');
    const employer = await addEmployer(3);
    const bad = await stack.client.GET('/api/employers/{id}/fee-items', { params: { path: { id: employer.id }, query: { kind: 'regular', period: '2026-13' } } });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('declaring (F-2.4–F-2.7)', () => {
  it('refuses to declare without the headcount confirmation, changing nothing', async () => {
    const employer = await addEmployer(10);
    const { items } = await feeItems(employer.id);
    const { error, response } = await declare(employer.id, [items[0]!.itemId], { headcountConfirmed: false });
    expect(response.status).toBe(422);
    expect(error).toMatchObject({ code: 'HEADCOUNT_NOT_CONFIRMED' });
    expect(error!.detail).toContain('减员');
    expect((await listDeclarations({ employerId: employer.id })).declarations).toEqual([]);
    expect((await feeItems(employer.id)).items).toHaveLength(items.length);
  });

  it('fetch-now gets the result at once while the automatic wait is 20 s', async () => {
    const employer = await addEmployer(11);
    const { items } = await feeItems(employer.id);
    const chosen = items.slice(0, 2);
    const declaration = await declared(declare(employer.id, chosen.map((i) => i.itemId)));
    expect(declaration).toMatchObject({ status: 'submitted', workflowId: `declaration-${declaration.id}`, workflowStarted: true, lastError: null });
    expect(declaration.totalFen).toBe(chosen[0]!.amountFen + chosen[1]!.amountFen);
    expect(declaration.items.map((i) => i.itemId).sort()).toEqual(chosen.map((i) => i.itemId).sort());

    await bureauDecided([declaration.id]);
    const before = await getDeclaration(declaration.id);
    expect(before.status).toBe('submitted'); // the 20 s timer has not fired
    expect(Date.parse(before.nextFetchAt!) - Date.now()).toBeGreaterThan(10_000);

    const fetched = await fetchResult(declaration.id);
    expect(fetched.response.status, JSON.stringify(fetched.error)).toBe(200);
    expect(fetched.data).toMatchObject({ status: 'accepted', paymentStatus: 'unpaid', payNowPrompt: true, resultFetched: true });
    expect(fetched.data!.result!.serial).toMatch(/\d+/);
  });

  it('fetches the result by itself after the configured wait (F-2.6)', async () => {
    const quick = await startStack({ resultDelayMs: 100, timing: { resultWaitSeconds: 1 } });
    try {
      const previous = stack;
      stack = quick;
      const employer = await addEmployer(12);
      const { items } = await feeItems(employer.id);
      const { id } = await declared(declare(employer.id, [items[0]!.itemId]));
      const done = await eventually(() => getDeclaration(id), (d) => d.status !== 'submitted');
      expect(done.status).toBe('accepted');
      stack = previous;
    } finally {
      await quick.close();
    }
  });

  it('a worker stopped during the wait and started again still completes the declaration', async () => {
    const employer = await addEmployer(13);
    const { items } = await feeItems(employer.id);
    const { id } = await declared(declare(employer.id, [items[0]!.itemId]));
    await eventually(() => getDeclaration(id), (d) => d.nextFetchAt !== null, 10_000);
    await stack.stopWorker();
    const stopped = await fetchResult(id);
    expect(stopped.data!.status).toBe('submitted'); // nobody to fetch while the worker is down
    await stack.startWorker();
    const after = (await fetchResult(id)).data!;
    const done = after.status === 'accepted' ? after : await eventually(() => getDeclaration(id), (d) => d.status === 'accepted');
    expect(done.status).toBe('accepted');
  });

  it('refuses to declare the same items twice, also when two requests race', async () => {
    const employer = await addEmployer(14);
    const { items } = await feeItems(employer.id);
    const [a, b] = await Promise.all([declare(employer.id, [items[0]!.itemId]), declare(employer.id, [items[0]!.itemId])]);
    expect([a.response.status, b.response.status].sort()).toEqual([202, 409]);
    const refused = a.response.status === 409 ? a : b;
    expect(refused.error!.code).toBe('ALREADY_DECLARED');

    const overlapping = await declare(employer.id, [items[1]!.itemId, items[0]!.itemId]);
    expect(overlapping.response.status).toBe(409);
    expect(overlapping.error!.detail).toContain(items[0]!.itemId);
    expect((await listDeclarations({ employerId: employer.id })).declarations).toHaveLength(1);
  });

  it('answers a repeated request with the same Idempotency-Key with the first answer', async () => {
    const employer = await addEmployer(15);
    const { items } = await feeItems(employer.id);
    const key = { 'idempotency-key': `declare-${employer.id}` };
    const first = await declare(employer.id, [items[0]!.itemId], {}, key);
    const second = await declare(employer.id, [items[0]!.itemId], {}, key);
    expect(first.response.status).toBe(202);
    expect(second.response.status).toBe(202);
    expect(second.data!.id).toBe(first.data!.id);
    expect(second.response.headers.get('idempotent-replayed')).toBe('true');
    const reused = await declare(employer.id, [items[1]!.itemId], {}, key);
    expect(reused.response.status).toBe(422);
    expect(reused.error!.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('records a rejection with its reason and lets the items be declared again', async () => {
    const employer = await addEmployer(16);
    const { items } = await feeItems(employer.id);
    await bureauDecidedAll(); // so the fault meets this declaration, not an earlier one
    await stack.admin('/admin/faults', { operation: 'declaration_result', mode: 'reject', times: 1 });
    const rejected = await declareAndFetch(employer.id, [items[0]!.itemId]);
    expect(rejected.status, JSON.stringify(rejected)).toBe('rejected');
    expect(rejected.result!.reason).toBeTruthy();
    expect(rejected.payNowPrompt).toBe(false);
    await declared(declare(employer.id, [items[0]!.itemId]));
  });

  it('marks the result unknown at the deadline when the bureau gives none, and an operator can fetch it later', async () => {
    const patient = await startStack({ resultDelayMs: 100, timing: { resultWaitSeconds: 1, pollFirstSeconds: 1, pollMaxSeconds: 1, resultDeadlineSeconds: 3 } });
    const previous = stack;
    stack = patient;
    try {
      const employer = await addEmployer(17);
      const { items } = await feeItems(employer.id);
      await stack.admin('/admin/faults', { operation: 'declaration_result', mode: 'error' });
      const { id } = await declared(declare(employer.id, [items[0]!.itemId]));
      const unknown = await eventually(() => getDeclaration(id), (d) => d.status === 'result_unknown', 40_000);
      expect(unknown.status).toBe('result_unknown');
      await stack.admin('/admin/faults', undefined, 'DELETE');
      const fetched = await fetchResult(id);
      expect(fetched.data!.status).toBe('accepted');
    } finally {
      stack = previous;
      await patient.close();
    }
  });

  it('declares special items (F-3) through the same flow', async () => {
    const employer = await addEmployer(18);
    await stack.admin('/admin/assessments', { taxpayerId: employer.taxpayerId, period: '2026-04', kind: 'special' });
    const special = await stack.client.GET('/api/employers/{id}/fee-items', { params: { path: { id: employer.id }, query: { kind: 'special' } } });
    const items = answerOf<FeeItems>(special).items;
    expect(items.length).toBeGreaterThan(0);
    const fetched = await declareAndFetch(employer.id, [items[0]!.itemId], { kind: 'special' });
    expect(fetched).toMatchObject({ kind: 'special', status: 'accepted' });
  });
});

describe('a recent download stands in for the bureau; the bureau has the last word (F-2.8)', () => {
  it('declares from a download made moments ago without refusing what has changed since, and the workflow records the bureau’s refusal at submission', async () => {
    const employer = await addEmployer(19);
    const { items } = await feeItems(employer.id); // the operator's download, kept for declaring
    const [first, revoked, expired, declaredElsewhere] = items;
    await declared(declare(employer.id, [first!.itemId]));
    // After the download the agency revokes one item and lets one lapse, and one is declared
    // at the bureau by someone else (at its hall): declaring them here must not succeed.
    await stack.admin('/admin/assessments', { itemId: revoked!.itemId, state: 'revoked' });
    await stack.admin('/admin/assessments', { itemId: expired!.itemId, state: 'expired' });
    await stack.bureau.declare({ requestId: `hall-${employer.id}`, taxpayerId: employer.taxpayerId, kind: 'regular', itemIds: [declaredElsewhere!.itemId] });

    for (const [item, why] of [
      [revoked!, '征集单已撤销'],
      [expired!, '征集单已过有效期'],
      [declaredElsewhere!, '已申报'],
    ] as const) {
      // Accepted against the kept download: recorded, and the workflow submits it …
      const { id } = await declared(declare(employer.id, [item.itemId]));
      // … which the bureau refuses: the declaration ends rejected with the bureau's F-2.8 reason.
      const done = await eventually(() => getDeclaration(id), (d) => d.status !== 'submitted', 20_000);
      expect(done.status, JSON.stringify(done)).toBe('rejected');
      expect(done.result!.reason).toContain(item.itemId);
      expect(done.result!.reason).toContain(why);
      expect(done.payNowPrompt).toBe(false);
      expect(done.actions).toEqual(['view']);
    }
    // The bureau took none of them from us, and nothing here holds them.
    const state = await stack.admin('/admin/state');
    const fromUs = Object.values(state.declarations as Record<string, { request: { requestId: string; itemIds: string[] } }>).filter((d) => !d.request.requestId.startsWith('hall-'));
    expect(fromUs.flatMap((d) => d.request.itemIds).filter((i) => [revoked, expired, declaredElsewhere].some((x) => x!.itemId === i))).toEqual([]);
    const now = await feeItems(employer.id);
    expect(Object.fromEntries(now.excluded.map((e) => [e.itemId, e.reason]))).toMatchObject({ [revoked!.itemId]: 'REVOKED', [expired!.itemId]: 'EXPIRED', [declaredElsewhere!.itemId]: 'ALREADY_DECLARED' });

    // With the fresh download kept now, the same items are refused before anything is recorded.
    const before = (await listDeclarations({ employerId: employer.id })).declarations.length;
    const refused = await declare(employer.id, [revoked!.itemId]);
    expect(refused.response.status).toBe(409);
    expect(refused.error).toMatchObject({ code: 'ITEM_NOT_DECLARABLE' });
    expect((await listDeclarations({ employerId: employer.id })).declarations).toHaveLength(before);
  });

  it('refuses only what a fresh download confirms: an item assessed after the kept download is declared, one restored is declarable again', async () => {
    const employer = await addEmployer(21);
    const { items } = await feeItems(employer.id);
    await stack.admin('/admin/assessments', { itemId: items[1]!.itemId, state: 'revoked' });
    await feeItems(employer.id); // the download kept now has items[1] revoked
    await declared(declare(employer.id, [items[0]!.itemId]));
    await stack.admin('/admin/assessments', { itemId: items[1]!.itemId, state: 'normal' });
    const pushed = (await stack.admin('/admin/assessments', { taxpayerId: employer.taxpayerId, period: '2026-09', kind: 'regular' })) as { items: { itemId: string }[] };
    // Neither is declarable by the kept download; both are by the bureau now.
    await declared(declare(employer.id, [items[1]!.itemId]));
    await declared(declare(employer.id, [pushed.items[0]!.itemId]));
    const unknown = await declare(employer.id, ['5201000021-2020-01-pension-regular']);
    expect(unknown.response.status).toBe(422);
    expect(unknown.error).toMatchObject({ code: 'UNKNOWN_ITEMS' });
  });

  it('refuses for the employer before the items: a signed-out employer is refused whatever the kept download says', async () => {
    const employer = await addEmployer(22);
    const { items } = await feeItems(employer.id);
    await declared(declare(employer.id, [items[0]!.itemId]));
    const out = await stack.client.POST('/api/employers/{id}/sign-out', { params: { path: { id: employer.id } } });
    expect(out.response.status).toBe(200);
    const before = (await listDeclarations({ employerId: employer.id })).declarations.length;
    for (const itemIds of [[items[1]!.itemId], [items[0]!.itemId], ['no-such-item']]) {
      const refused = await declare(employer.id, itemIds);
      expect(refused.response.status).toBe(409);
      expect(refused.error).toMatchObject({ code: 'SIGN_IN_REQUIRED' });
    }
    expect((await listDeclarations({ employerId: employer.id })).declarations).toHaveLength(before);
  });
});

describe('declaration records (F-5.1, F-5.2)', () => {
  it('filters by status and declaration date and asks "pay now?" while accepted ones are unpaid', async () => {
    const employer = await addEmployer(20);
    const { items } = await feeItems(employer.id);
    expect((await declareAndFetch(employer.id, [items[0]!.itemId])).status).toBe('accepted');
    type Query = { status?: 'accepted' | 'rejected'; declaredFrom?: string; declaredTo?: string };
    const list = async (query: Query) => {
      const { data, error } = await stack.clientAs('auditor').GET('/api/declarations', { params: { query: { employerId: employer.id, ...query } } });
      expect(error).toBeUndefined();
      return data!;
    };
    expect((await list({ status: 'accepted' })).declarations).toHaveLength(1);
    expect((await list({ status: 'rejected' })).declarations).toHaveLength(0);
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    expect((await list({ declaredFrom: today, declaredTo: today })).declarations).toHaveLength(1);
    expect((await list({ declaredTo: '2020-01-01' })).declarations).toHaveLength(0);
    expect((await list({})).payNowPrompt).toBe(true);
    const backwards = await stack.client.GET('/api/declarations', { params: { query: { declaredFrom: '2026-02-01', declaredTo: '2026-01-01' } } });
    expect(backwards.response.status).toBe(400);
  });
});
