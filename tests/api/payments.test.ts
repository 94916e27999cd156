// Three-party payments (F-4.1–F-4.5, F-4.7, F-4.9) through the API, Temporal and the bureau,
// faults included. After every path: the bureau's ledger holds at most one deduction per payment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRONG_PASSWORD_MESSAGE } from '../../src/domain/password';
import { declaredEmployer as declaredEmployerOf, eventually, payThreeParty } from '../support/flows';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let next = 100;

beforeAll(async () => {
  stack = await startStack({
    resultDelayMs: 100,
    config: { payment: { retryScheduleSeconds: [3], statusPollSeconds: 1, counterPollSeconds: 1 } },
  });
});
afterAll(async () => {
  await stack?.close();
});

const declaredEmployer = (atBureau: Record<string, unknown> = {}, count = 2) => declaredEmployerOf(stack, next++, atBureau, count);
const pay = (employerId: string, body: Parameters<typeof payThreeParty>[2]) => payThreeParty(stack, employerId, body);

const payment = async (id: string) => (await stack.client.GET('/api/payments/{id}', { params: { path: { id } } })).data!;
const finished = (id: string, status: string, timeoutMs = 30_000) => eventually(() => payment(id), (p) => p.status === status, timeoutMs);
const payablesOf = async (id: string) => (await stack.client.GET('/api/employers/{id}/payables', { params: { path: { id } } })).data!.payables;
const paymentsOf = async (employerId: string) => (await stack.client.GET('/api/payments', { params: { query: { employerId } } })).data!.payments;
const retry = (id: string) => stack.client.POST('/api/payments/{id}/retry', { params: { path: { id } } });
const cancel = (id: string) => stack.client.POST('/api/payments/{id}/cancel', { params: { path: { id } } });

// The declaration routes' answers are typed by their own conversion: read here as the test needs them.
const declaration = async (id: string) =>
  (await stack.client.GET('/api/declarations/{id}', { params: { path: { id } } })).data as unknown as { paymentStatus: string; payNowPrompt: boolean };
const declarationsOf = async (employerId: string) =>
  (await stack.client.GET('/api/declarations', { params: { query: { employerId } } })).data as unknown as { payNowPrompt: boolean };

async function ledgerEntries(paymentId: string): Promise<{ key: string; amountFen: number }[]> {
  const ledger = await stack.admin('/admin/ledger');
  return (ledger.entries as { key: string; amountFen: number }[]).filter((e) => e.key.startsWith(`${paymentId}-`));
}

describe('the pay step (F-4.1–F-4.4, F-4.9)', () => {
  it('refuses without the amount check, with a wrong password or without a usable agreement, creating nothing', async () => {
    const { employer, payables, agreementId } = await declaredEmployer();
    const lineIds = payables.map((p) => p.lineId);
    const unconfirmed = await pay(employer.id, { lineIds, agreementId, amountConfirmed: false });
    expect(unconfirmed.response.status).toBe(422);
    expect(unconfirmed.error?.code).toBe('AMOUNT_NOT_CONFIRMED');
    const wrong = await pay(employer.id, { lineIds, agreementId, password: 'Wrong2026' });
    expect(wrong.response.status).toBe(422);
    expect(wrong.error).toMatchObject({ code: 'PASSWORD_INVALID', bureauCode: '20101', detail: WRONG_PASSWORD_MESSAGE });
    const noAgreement = await pay(employer.id, { lineIds });
    expect(noAgreement.error?.code).toBe('AGREEMENT_REQUIRED');
    const unknownAgreement = await pay(employer.id, { lineIds, agreementId: 'nope' });
    expect(unknownAgreement.error?.code).toBe('UNKNOWN_AGREEMENT');
    const unknownLine = await pay(employer.id, { lineIds: ['not-a-line'], agreementId });
    expect(unknownLine.response.status).toBe(409);
    expect(await paymentsOf(employer.id)).toEqual([]);
    expect(await payablesOf(employer.id)).toHaveLength(2);
  });

  it('lets only employers with a signed, valid agreement pay by three-party agreement (F-4.9)', async () => {
    const none = await declaredEmployer({ agreements: [] });
    const res = await pay(none.employer.id, { lineIds: none.payables.map((p) => p.lineId), agreementId: 'any' });
    expect(res.response.status).toBe(409);
    expect(res.error?.code).toBe('NO_AGREEMENT');
    const expired = await declaredEmployer({
      agreements: [{ agreementId: 'AG-EXPIRED-1', bankName: '中国工商银行贵阳分行', accountName: '测试', accountNumber: '2402000000000000001', status: 'expired' }],
    });
    const res2 = await pay(expired.employer.id, { lineIds: expired.payables.map((p) => p.lineId), agreementId: 'AG-EXPIRED-1' });
    expect(res2.response.status).toBe(409);
    expect(res2.error?.code).toBe('AGREEMENT_INVALID');
  });
});

describe('three-party deduction (F-4.5)', () => {
  it('pays in real time: paid, one attempt with 90000, the declaration paid, one ledger entry', async () => {
    const { employer, declarationId, payables, agreementId } = await declaredEmployer();
    const res = await pay(employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    expect(res.response.status, JSON.stringify(res.error)).toBe(202);
    expect(res.data).toMatchObject({ method: 'three_party', totalFen: payables[0]!.dueFen + payables[1]!.dueFen });
    const paid = await finished(res.data!.id, 'paid');
    expect(paid.status).toBe('paid');
    expect(paid.attempts).toMatchObject([{ n: 1, outcome: 'succeeded', code: '90000' }]);
    expect(await declaration(declarationId)).toMatchObject({ paymentStatus: 'paid', payNowPrompt: false });
    expect(await payablesOf(employer.id)).toEqual([]);
    const ledger = await ledgerEntries(res.data!.id);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]!.amountFen).toBe(paid.totalFen);
    // Found by the period of its lines, and only by that one.
    const byPeriod = async (period: string) => (await stack.client.GET('/api/payments', { params: { query: { employerId: employer.id, period } } })).data!.payments.map((p) => p.id);
    expect(paid.periods).toEqual([...new Set(paid.lines.map((l) => l.period))]);
    expect(paid.periods).toHaveLength(1);
    expect(await byPeriod(paid.periods[0]!)).toEqual([paid.id]);
    expect(await byPeriod('2001-01')).toEqual([]);
  });

  it('paying some lines leaves the declaration partially paid and "pay now?" asked', async () => {
    const { employer, declarationId, payables, agreementId } = await declaredEmployer();
    const res = await pay(employer.id, { lineIds: [payables[0]!.lineId], agreementId });
    await finished(res.data!.id, 'paid');
    expect(await declaration(declarationId)).toMatchObject({ paymentStatus: 'partially_paid', payNowPrompt: true });
    expect((await declarationsOf(employer.id)).payNowPrompt).toBe(true);
    const rest = await payablesOf(employer.id);
    expect(rest.map((p) => p.lineId)).toEqual([payables[1]!.lineId]);
  });

  it('refuses lines that another running payment holds', async () => {
    const { employer, payables, agreementId } = await declaredEmployer({ balanceFen: 0 });
    const first = await pay(employer.id, { lineIds: [payables[0]!.lineId], agreementId });
    expect(first.response.status).toBe(202);
    await finished(first.data!.id, 'awaiting_retry');
    const second = await pay(employer.id, { lineIds: [payables[0]!.lineId], agreementId });
    expect(second.response.status).toBe(409);
    expect(second.error?.code).toBe('LINES_NOT_PAYABLE');
    await cancel(first.data!.id);
  });
});

describe('failed deductions are retried (F-4.7)', () => {
  it('insufficient balance waits for its retry, then succeeds once the balance is topped up', async () => {
    const { employer, payables, agreementId } = await declaredEmployer({ balanceFen: 100 });
    const res = await pay(employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    const waiting = await finished(res.data!.id, 'awaiting_retry');
    expect(waiting.attempts).toMatchObject([{ n: 1, outcome: 'failed', code: 'INSUFFICIENT_BALANCE' }]);
    expect(waiting.reason).toContain('INSUFFICIENT_BALANCE');
    expect(Date.parse(waiting.nextRetryAt!)).toBeGreaterThan(Date.now() - 1000);
    // The scheduled retry (3 s) fails again while the balance is short …
    const again = await eventually(() => payment(res.data!.id), (p) => p.attempts.length >= 2 && p.status === 'awaiting_retry');
    expect(again.attempts[1]).toMatchObject({ n: 2, outcome: 'failed' });
    // … and the next one succeeds after the top-up.
    await stack.admin(`/admin/employers/${employer.taxpayerId}`, { balanceFen: 100_000_000_00 }, 'PATCH');
    const paid = await finished(res.data!.id, 'paid');
    expect(paid.attempts.at(-1)).toMatchObject({ outcome: 'succeeded', code: '90000' });
    expect(await ledgerEntries(res.data!.id)).toHaveLength(1);
  });

  it('retries now on an operator\'s request, and refuses retry or cancel when nothing awaits', async () => {
    const { employer, payables, agreementId } = await declaredEmployer({ balanceFen: 0 });
    const res = await pay(employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    await finished(res.data!.id, 'awaiting_retry');
    await stack.admin(`/admin/employers/${employer.taxpayerId}`, { balanceFen: 100_000_000_00 }, 'PATCH');
    const retried = await retry(res.data!.id);
    expect(retried.response.status, JSON.stringify(retried.error)).toBe(200);
    const paid = await finished(res.data!.id, 'paid');
    expect(paid.attempts).toHaveLength(2);
    const tooLate = await retry(res.data!.id);
    expect(tooLate.response.status).toBe(409);
    expect((await cancel(res.data!.id)).response.status).toBe(409);
  });

  it('cancels a payment awaiting retry; its lines can be paid again', async () => {
    const { employer, payables, agreementId } = await declaredEmployer({ balanceFen: 0 });
    const res = await pay(employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    await finished(res.data!.id, 'awaiting_retry');
    const cancelled = await cancel(res.data!.id);
    expect(cancelled.response.status, JSON.stringify(cancelled.error)).toBe(200);
    expect(cancelled.data).toMatchObject({ status: 'cancelled' });
    expect(cancelled.data!.reason).toContain('INSUFFICIENT_BALANCE');
    expect(await payablesOf(employer.id)).toHaveLength(2);
    expect(await ledgerEntries(res.data!.id)).toHaveLength(0);
  });

  it('fails with its reason when no retry fits before the payment deadline', async () => {
    const far = await startStack({ resultDelayMs: 100, config: { payment: { retryScheduleSeconds: [400 * 86400], statusPollSeconds: 1, counterPollSeconds: 1 } } });
    const previous = stack;
    stack = far;
    try {
      const { employer, payables, agreementId } = await declaredEmployer({ balanceFen: 0 });
      const res = await pay(employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
      const failed = await finished(res.data!.id, 'failed');
      expect(failed.status).toBe('failed');
      expect(failed.reason).toContain('no retry is left before the payment deadline');
      expect(await payablesOf(employer.id)).toHaveLength(2);
    } finally {
      stack = previous;
      await far.close();
    }
  });

  it('a frozen account is a business failure too, with its reason recorded', async () => {
    const { employer, payables, agreementId } = await declaredEmployer();
    await stack.admin('/admin/faults', { operation: 'deduct', mode: 'account_frozen', times: 1 });
    const res = await pay(employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    const waiting = await finished(res.data!.id, 'awaiting_retry');
    expect(waiting.attempts[0]).toMatchObject({ outcome: 'failed', code: 'ACCOUNT_FROZEN' });
    const paid = await finished(res.data!.id, 'paid');
    expect(paid.attempts).toHaveLength(2);
    expect(await ledgerEntries(res.data!.id)).toHaveLength(1);
  });
});

describe('faults never charge twice', () => {
  it('a bureau that is down before taking the request is retried by Temporal', async () => {
    const { employer, payables, agreementId } = await declaredEmployer();
    await stack.admin('/admin/faults', { operation: 'deduct', mode: 'error', times: 2 });
    const res = await pay(employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    const paid = await finished(res.data!.id, 'paid');
    expect(paid.attempts).toMatchObject([{ n: 1, outcome: 'succeeded' }]);
    expect(await ledgerEntries(res.data!.id)).toHaveLength(1);
  });

  it('an unknown outcome is resolved by asking the bureau, not by sending again', async () => {
    const { employer, payables, agreementId } = await declaredEmployer();
    await stack.admin('/admin/faults', { operation: 'deduct', mode: 'unknown_outcome', times: 1 });
    const res = await pay(employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    const paid = await finished(res.data!.id, 'paid');
    expect(paid.attempts).toMatchObject([{ n: 1, outcome: 'succeeded', code: '90000' }]);
    expect(await ledgerEntries(res.data!.id)).toHaveLength(1);
  });

  it('a timeout before the bureau applied anything allows a new attempt, charged once', async () => {
    const { employer, payables, agreementId } = await declaredEmployer();
    await stack.admin('/admin/faults', { operation: 'deduct', mode: 'timeout', times: 1 });
    const res = await pay(employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    const paid = await finished(res.data!.id, 'paid');
    expect(paid.attempts).toMatchObject([
      { n: 1, outcome: 'failed', code: 'NOT_APPLIED' },
      { n: 2, outcome: 'succeeded' },
    ]);
    expect(await ledgerEntries(res.data!.id)).toHaveLength(1);
  });

  it('a worker killed while the outcome is unknown, then restarted: exactly one deduction', async () => {
    const { employer, payables, agreementId } = await declaredEmployer();
    await stack.admin('/admin/faults', { operation: 'deduct', mode: 'unknown_outcome', times: 1 });
    await stack.admin('/admin/faults', { operation: 'deduction_status', mode: 'error' });
    const res = await pay(employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    const unknown = await eventually(() => payment(res.data!.id), (p) => p.attempts[0]?.outcome === 'unknown');
    expect(unknown.attempts[0]).toMatchObject({ outcome: 'unknown' });
    expect(unknown.status).toBe('deducting');
    await stack.stopWorker();
    await stack.admin('/admin/faults', undefined, 'DELETE');
    await stack.startWorker();
    const paid = await finished(res.data!.id, 'paid');
    expect(paid.attempts).toMatchObject([{ n: 1, outcome: 'succeeded' }]);
    expect(await ledgerEntries(res.data!.id)).toHaveLength(1);
  });

  it('a worker stopped while a deduction is in flight: the retried activity asks first, one deduction', async () => {
    const { employer, payables, agreementId } = await declaredEmployer();
    await stack.admin('/admin/faults', { operation: 'deduct', mode: 'delay', delayMs: 1500, times: 1 });
    const res = await pay(employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    await new Promise((r) => setTimeout(r, 500)); // the deduction is now at the bureau
    await stack.stopWorker();
    await stack.startWorker();
    const paid = await finished(res.data!.id, 'paid', 60_000);
    expect(paid.status).toBe('paid');
    expect(await ledgerEntries(res.data!.id)).toHaveLength(1);
  });
});
