// Voiding declarations (申报作废, F-5.3) and the records' actions (F-5.2), through the typed client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerOf, declaredEmployer, eventually, payThreeParty } from '../support/flows';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let next = 300;

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100, config: { payment: { retryScheduleSeconds: [3600], statusPollSeconds: 1, counterPollSeconds: 1 } } });
});
afterAll(async () => {
  await stack?.close();
});

const byId = (id: string) => ({ params: { path: { id } } });
const declaration = (id: string, on = stack) => on.client.GET('/api/declarations/{id}', byId(id)).then((r) => r.data!);
const voidOf = (id: string, on = stack) => on.client.POST('/api/declarations/{id}/void', byId(id));
const paymentStatus = (id: string) => stack.client.GET('/api/payments/{id}', byId(id)).then((r) => answerOf<{ status: string }>(r).status);

/** Voids and fetches the result at once, once the bureau has decided (it takes 100 ms). */
async function voidAndFetch(id: string) {
  const { data, error, response } = await voidOf(id);
  expect(response.status, JSON.stringify(error)).toBe(202);
  expect(data!.status).toBe('voiding');
  expect(data!.voidWorkflowId).toMatch(new RegExp(`^void-${id}-\\d+$`));
  return eventually(
    () => stack.client.POST('/api/declarations/{id}/void/fetch-result', byId(id)).then((r) => r.data!),
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
    const items = answerOf<{ items: { itemId: string }[] }>(await stack.client.GET('/api/employers/{id}/fee-items', { params: { path: { id: employer.id }, query: { kind: 'regular' } } }));
    expect(items.items.map((i) => i.itemId)).toEqual(expect.arrayContaining(itemIds));
    const again = await stack.client.POST('/api/employers/{id}/declarations', { ...byId(employer.id), body: { kind: 'regular', itemIds, headcountConfirmed: true } });
    expect(again.response.status, JSON.stringify(again.error)).toBe(202);
    expect((await voidOf(declarationId)).error!.code).toBe('NOT_VOIDABLE');
  });

  it('shows a void the bureau rejects with its reason; the declaration stands and can be voided again', async () => {
    const { employer, declarationId, itemIds } = await declaredEmployer(stack, next++);
    await stack.admin('/admin/faults', { operation: 'void_result', mode: 'reject', times: 1 });
    const rejected = await voidAndFetch(declarationId);
    expect(rejected.status).toBe('void_rejected');
    expect(rejected.result!.reason).toBeTruthy();
    const feeItems = await stack.client.GET('/api/employers/{id}/fee-items', { params: { path: { id: employer.id }, query: { kind: 'regular' } } });
    const excluded = answerOf<{ excluded: { itemId: string; reason: string }[] }>(feeItems).excluded;
    expect(excluded.filter((e) => itemIds.includes(e.itemId)).map((e) => e.reason)).toEqual(itemIds.map(() => 'ALREADY_DECLARED'));
    expect((await voidAndFetch(declarationId)).status).toBe('voided');
  });

  it('fetches the void result by itself after the configured wait', async () => {
    const quick = await startStack({ resultDelayMs: 100, timing: { resultWaitSeconds: 1 } });
    try {
      const { declarationId } = await declaredEmployer(quick, next++);
      expect((await voidOf(declarationId, quick)).response.status).toBe(202);
      const done = await eventually(() => declaration(declarationId, quick), (d) => d.status === 'voided', 15_000);
      expect(done.status).toBe('voided');
    } finally {
      await quick.close();
    }
  });

  it('refuses to void a paid or partly paid declaration', async () => {
    const { employer, declarationId, payables, agreementId } = await declaredEmployer(stack, next++);
    const paid = await payThreeParty(stack, employer.id, { lineIds: [payables[0]!.lineId], agreementId });
    await eventually(() => paymentStatus(paid.data!.id), (s) => s === 'paid');
    const partly = await voidOf(declarationId);
    expect(partly.response.status).toBe(409);
    expect(partly.response.headers.get('content-type')).toContain('application/problem+json');
    expect(partly.error).toMatchObject({ code: 'DECLARATION_PAID' });
    expect((await declaration(declarationId)).actions).toEqual(['view', 'pay']);
    const rest = await payThreeParty(stack, employer.id, { lineIds: [payables[1]!.lineId], agreementId });
    await eventually(() => paymentStatus(rest.data!.id), (s) => s === 'paid');
    expect((await voidOf(declarationId)).error!.code).toBe('DECLARATION_PAID');
    expect((await declaration(declarationId)).status).toBe('accepted');
  });

  it('waits for a payment in flight to end before voiding', async () => {
    const { employer, declarationId, payables, agreementId } = await declaredEmployer(stack, next++, { balanceFen: 0 });
    const res = await payThreeParty(stack, employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    await eventually(() => paymentStatus(res.data!.id), (s) => s === 'awaiting_retry');
    const refused = await voidOf(declarationId);
    expect(refused.response.status).toBe(409);
    expect(refused.error!.code).toBe('PAYMENT_IN_FLIGHT');
    await stack.client.POST('/api/payments/{id}/cancel', byId(res.data!.id));
    expect((await voidAndFetch(declarationId)).status).toBe('voided');
  });

  it('refuses to void a declaration that is not accepted', async () => {
    const { declarationId } = await declaredEmployer(stack, next++);
    await voidAndFetch(declarationId);
    const res = await voidOf(declarationId);
    expect(res.response.status).toBe(409);
    expect(res.error!.code).toBe('NOT_VOIDABLE');
    expect((await voidOf('nope')).response.status).toBe(404);
  });
});
