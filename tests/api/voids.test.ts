// Voiding declarations (申报作废, F-5.3) and the records' actions (F-5.2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, declaredEmployer, eventually, payThreeParty } from '../support/flows';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let next = 300;

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100, config: { payment: { retryScheduleSeconds: [3600], statusPollSeconds: 1, counterPollSeconds: 1 } } });
});
afterAll(async () => {
  await stack?.close();
});

const post = (url: string, payload?: Record<string, unknown>) => api(stack).post(url, payload);
const get = (url: string) => api(stack).get(url);
const declaration = (id: string) => get(`/api/declarations/${id}`).then((r) => r.json());

/** Voids and fetches the result at once, once the bureau has decided (it takes 100 ms). */
async function voidAndFetch(id: string) {
  const res = await post(`/api/declarations/${id}/void`);
  expect(res.statusCode, res.body).toBe(202);
  expect(res.json().status).toBe('voiding');
  return eventually(
    () => post(`/api/declarations/${id}/void/fetch-result`).then((r) => r.json()),
    (d) => d.status !== 'voiding',
    15_000,
  );
}

describe('void (F-5.3)', () => {
  it('voids an unpaid declaration on request; its items can be declared again', async () => {
    const { employer, declarationId, itemIds } = await declaredEmployer(stack, next++);
    expect((await declaration(declarationId)).actions).toEqual(['view', 'pay', 'void']);
    const voided = await voidAndFetch(declarationId);
    expect(voided).toMatchObject({ status: 'voided', actions: ['view'] });
    const items = (await get(`/api/employers/${employer.id}/fee-items?kind=regular`)).json();
    expect(items.items.map((i: { itemId: string }) => i.itemId)).toEqual(expect.arrayContaining(itemIds));
    const again = await post(`/api/employers/${employer.id}/declarations`, { kind: 'regular', itemIds, headcountConfirmed: true });
    expect(again.statusCode, again.body).toBe(202);
    expect((await post(`/api/declarations/${declarationId}/void`)).json().code).toBe('NOT_VOIDABLE');
  });

  it('shows a void the bureau rejects with its reason; the declaration stands and can be voided again', async () => {
    const { employer, declarationId, itemIds } = await declaredEmployer(stack, next++);
    await stack.admin('/admin/faults', { operation: 'void_result', mode: 'reject', times: 1 });
    const rejected = await voidAndFetch(declarationId);
    expect(rejected.status).toBe('void_rejected');
    expect(rejected.result.reason).toBeTruthy();
    const excluded = (await get(`/api/employers/${employer.id}/fee-items?kind=regular`)).json().excluded as { itemId: string; reason: string }[];
    expect(excluded.filter((e) => itemIds.includes(e.itemId)).map((e) => e.reason)).toEqual(itemIds.map(() => 'ALREADY_DECLARED'));
    expect((await voidAndFetch(declarationId)).status).toBe('voided');
  });

  it('fetches the void result by itself after the configured wait', async () => {
    const quick = await startStack({ resultDelayMs: 100, timing: { resultWaitSeconds: 1 } });
    try {
      const { declarationId } = await declaredEmployer(quick, next++);
      expect((await api(quick).post(`/api/declarations/${declarationId}/void`)).statusCode).toBe(202);
      const done = await eventually(() => api(quick).get(`/api/declarations/${declarationId}`).then((r) => r.json()), (d) => d.status === 'voided', 15_000);
      expect(done.status).toBe('voided');
    } finally {
      await quick.close();
    }
  });

  it('refuses to void a paid or partly paid declaration', async () => {
    const { employer, declarationId, payables, agreementId } = await declaredEmployer(stack, next++);
    const paid = await payThreeParty(stack, employer.id, { lineIds: [payables[0]!.lineId], agreementId });
    await eventually(() => get(`/api/payments/${paid.data!.id}`).then((r) => r.json()), (p) => p.status === 'paid');
    const partly = await post(`/api/declarations/${declarationId}/void`);
    expect(partly.statusCode).toBe(409);
    expect(partly.headers['content-type']).toContain('application/problem+json');
    expect(partly.json()).toMatchObject({ code: 'DECLARATION_PAID' });
    expect((await declaration(declarationId)).actions).toEqual(['view', 'pay']);
    const rest = await payThreeParty(stack, employer.id, { lineIds: [payables[1]!.lineId], agreementId });
    await eventually(() => get(`/api/payments/${rest.data!.id}`).then((r) => r.json()), (p) => p.status === 'paid');
    expect((await post(`/api/declarations/${declarationId}/void`)).json().code).toBe('DECLARATION_PAID');
    expect((await declaration(declarationId)).status).toBe('accepted');
  });

  it('waits for a payment in flight to end before voiding', async () => {
    const { employer, declarationId, payables, agreementId } = await declaredEmployer(stack, next++, { balanceFen: 0 });
    const res = await payThreeParty(stack, employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    await eventually(() => get(`/api/payments/${res.data!.id}`).then((r) => r.json()), (p) => p.status === 'awaiting_retry');
    const refused = await post(`/api/declarations/${declarationId}/void`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('PAYMENT_IN_FLIGHT');
    await post(`/api/payments/${res.data!.id}/cancel`);
    expect((await voidAndFetch(declarationId)).status).toBe('voided');
  });

  it('refuses to void a declaration that is not accepted', async () => {
    const { declarationId } = await declaredEmployer(stack, next++);
    await voidAndFetch(declarationId);
    const res = await post(`/api/declarations/${declarationId}/void`);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('NOT_VOIDABLE');
    expect((await post('/api/declarations/nope/void')).statusCode).toBe(404);
  });
});
