// The attention list (待办) end to end: each kind this service can produce here shows up while its
// record needs an operator and leaves by itself once that is resolved, through the real flows
// (API → Temporal → mock bureau with faults → database); counts by kind also in /metrics.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from '../../client';
import { clearActivityFailure, recordActivityFailure } from '../../src/db/activity-failures';
import { declarationLines } from '../../src/db/schema';
import { recordPrintError } from '../../src/db/vouchers';
import { chinaDay } from '../../src/domain/china-time';
import { formatYuanGrouped } from '../../src/domain/money';
import { schedulePeriod } from '../../src/domain/declaration-schedule';
import { paymentDeadline } from '../../src/domain/payment';
import { addSignedInEmployer } from '../support/employers';
import { declaredEmployer, eventually, payByVoucher, payThreeParty } from '../support/flows';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;

type Attention = paths['/api/attention']['get']['responses'][200]['content']['application/json'];
type Kind = keyof Attention['counts'];
type Query = NonNullable<paths['/api/attention']['get']['parameters']['query']>;

async function attention(query: Query = {}): Promise<Attention> {
  const { data, error, response } = await stack.clientAs('auditor').GET('/api/attention', { params: { query } });
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!;
}
const itemsOf = async (kind: Kind, employerId?: string) => (await attention({ kind, ...(employerId ? { employerId } : {}) })).items;
/** Waits until the employer's (or everyone's) items of a kind are as `done` says. */
const until = (kind: Kind, employerId: string | undefined, done: (items: Attention['items']) => boolean, timeoutMs = 30_000) =>
  eventually(() => itemsOf(kind, employerId), done, timeoutMs);

const payment = async (id: string) => (await stack.client.GET('/api/payments/{id}', { params: { path: { id } } })).data!;
const declarationStatus = async (id: string) => ((await stack.client.GET('/api/declarations/{id}', { params: { path: { id } } })).data as unknown as { status: string }).status;
const payablesOf = async (id: string) => (await stack.client.GET('/api/employers/{id}/payables', { params: { path: { id } } })).data!.payables;

/** The day `days` after today in China, YYYY-MM-DD. */
const chinaDayIn = (days: number) => chinaDay(new Date(Date.now() + days * 86400_000));

function declare(employerId: string, itemIds: string[]) {
  return stack.client.POST('/api/employers/{id}/declarations', { params: { path: { id: employerId } }, body: { kind: 'regular', itemIds, headcountConfirmed: true } });
}

/** Every declaration of the bureau decided: a fault injected now meets only new ones. */
async function bureauQuiet(): Promise<void> {
  await eventually(
    () => stack.admin('/admin/state'),
    (st) => Object.values(st.declarations as Record<string, { result: { status: string } }>).every((d) => d.result.status !== 'pending'),
    20_000,
  );
}

beforeAll(async () => {
  stack = await startStack({
    resultDelayMs: 100,
    // A result the bureau does not give is unknown after 6 s (result_unknown), not 15 minutes.
    timing: { resultWaitSeconds: 1, pollFirstSeconds: 1, pollMaxSeconds: 1, resultDeadlineSeconds: 6 },
    config: { payment: { retryScheduleSeconds: [3], statusPollSeconds: 1, counterPollSeconds: 1 }, metricsCacheSeconds: 0 },
  });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe('the attention list (待办)', () => {
  it('schedule_run_failed: a run that cannot start its batch, until a later run starts one', async () => {
    // No employer yet: a schedule for every employer has nobody to declare for.
    const created = await stack.client.POST('/api/declaration-schedules', {
      body: { name: 'monthly', dayOfMonth: 5, time: '09:30', period: 'previous_month', paused: true, headcountConfirmed: true },
    });
    const id = created.data!.id;
    const failed = await stack.client.POST('/api/declaration-schedules/{id}/trigger', { params: { path: { id } } });
    expect(failed.response.status).toBe(422);
    expect(failed.error).toMatchObject({ code: 'NO_EMPLOYERS' });

    const list = await attention();
    expect(list.counts).toMatchObject({ schedule_run_failed: 1, payment_awaiting_retry: 0, activity_failing: 0 });
    expect(list.items).toEqual([
      {
        kind: 'schedule_run_failed',
        employerId: null,
        subject: { type: 'declaration_schedule', id },
        since: expect.any(String),
        detail: expect.stringContaining('NO_EMPLOYERS'),
        action: { label: expect.any(String), method: 'POST', path: `/api/declaration-schedules/${id}/trigger` },
      },
    ]);
    const run = (await stack.client.GET('/api/declaration-schedules/{id}', { params: { path: { id } } })).data!.runs[0]!;
    expect(run).toMatchObject({ status: 'failed', batchId: null, error: { code: 'NO_EMPLOYERS' } });
    expect(list.items[0]!.since).toBe(run.scheduledAt);

    // With an employer, the next run starts its batch: the failed one is history.
    const employer = await addSignedInEmployer(stack, 1, [schedulePeriod('previous_month', new Date())]);
    expect((await attention({ employerId: employer.id })).counts.schedule_run_failed).toBe(0); // about no one employer
    const started = await stack.client.POST('/api/declaration-schedules/{id}/trigger', { params: { path: { id } } });
    expect(started.response.status, JSON.stringify(started.error)).toBe(202);
    expect(await itemsOf('schedule_run_failed')).toEqual([]);
    await eventually(async () => (await stack.client.GET('/api/declaration-batches/{id}', { params: { path: { id: started.data!.batchId } } })).data!.status, (s) => s === 'completed');
    await stack.client.DELETE('/api/declaration-schedules/{id}', { params: { path: { id } } });
  });

  it('payment_awaiting_retry: insufficient balance shows with its next retry and deadline; topped up and paid, it is gone', async () => {
    const { employer, payables, agreementId } = await declaredEmployer(stack, 10, { balanceFen: 100 });
    const res = await payThreeParty(stack, employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    expect(res.response.status, JSON.stringify(res.error)).toBe(202);
    const paymentId = res.data!.id;
    const [item] = await until('payment_awaiting_retry', employer.id, (items) => items.length === 1);
    const waiting = await payment(paymentId);
    expect(item).toMatchObject({
      kind: 'payment_awaiting_retry',
      employerId: employer.id,
      subject: { type: 'payment', id: paymentId },
      deadline: waiting.deadline,
      detail: expect.stringContaining('INSUFFICIENT_BALANCE'),
      action: { method: 'POST', path: `/api/payments/${paymentId}/retry` },
    });
    expect(Date.parse(item!.nextRetryAt!)).toBeGreaterThan(Date.now() - 10_000);
    // Its lines are in the payment: not also "unpaid near the deadline".
    expect((await attention({ employerId: employer.id })).counts).toMatchObject({ payment_awaiting_retry: 1, unpaid_near_deadline: 0 });
    // Counted in /metrics too (read at the scrape).
    const metrics = await stack.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^sifee_attention_items\{kind="payment_awaiting_retry"\} 1$/m);
    expect(metrics.body).toMatch(/^sifee_attention_items\{kind="voucher_expiring"\} 0$/m);

    await stack.admin(`/admin/employers/${employer.taxpayerId}`, { balanceFen: 100_000_000_00 }, 'PATCH');
    await eventually(() => payment(paymentId), (p) => p.status === 'paid');
    expect(await itemsOf('payment_awaiting_retry', employer.id)).toEqual([]);
    const after = await stack.app.inject({ method: 'GET', url: '/metrics' });
    expect(after.body).toMatch(/^sifee_attention_items\{kind="payment_awaiting_retry"\} 0$/m);
  });

  it('payment_failed: no retry left before the deadline, until its lines are paid by another payment', async () => {
    const { employer, payables, agreementId } = await declaredEmployer(stack, 16, { balanceFen: 100 });
    const lineIds = payables.map((p) => p.lineId);
    // Retries a season apart: none fits before the collection orders' last day, so the first failure is final.
    const schedule = stack.config.payment.retryScheduleSeconds;
    stack.config.payment.retryScheduleSeconds = [200 * 86400];
    let failedId: string;
    try {
      const res = await payThreeParty(stack, employer.id, { lineIds, agreementId });
      expect(res.response.status, JSON.stringify(res.error)).toBe(202);
      failedId = res.data!.id;
    } finally {
      stack.config.payment.retryScheduleSeconds = schedule;
    }
    const failed = await eventually(() => payment(failedId), (p) => p.status === 'failed');
    expect(failed.status).toBe('failed');
    const [item] = await itemsOf('payment_failed', employer.id);
    expect(item).toMatchObject({
      employerId: employer.id,
      subject: { type: 'payment', id: failedId },
      deadline: failed.deadline,
      detail: expect.stringContaining('no retry is left'),
      action: { method: 'GET', path: `/api/employers/${employer.id}/payables` },
    });

    await stack.admin(`/admin/employers/${employer.taxpayerId}`, { balanceFen: 100_000_000_00 }, 'PATCH');
    const again = await payThreeParty(stack, employer.id, { lineIds, agreementId });
    expect(again.response.status, JSON.stringify(again.error)).toBe(202);
    expect(await itemsOf('payment_failed', employer.id)).toEqual([]); // its lines are being paid
    await eventually(() => payment(again.data!.id), (p) => p.status === 'paid');
    expect(await itemsOf('payment_failed', employer.id)).toEqual([]);
  });

  it('declaration_rejected: shows with the bureau’s reason until its items are declared again', async () => {
    const employer = await addSignedInEmployer(stack, 11, ['2026-10']);
    const { data } = await stack.client.GET('/api/employers/{id}/fee-items', { params: { path: { id: employer.id }, query: { kind: 'regular' } } });
    const item = data!.items[0]!;
    await bureauQuiet();
    await stack.admin('/admin/faults', { operation: 'declaration_result', mode: 'reject', times: 1 });
    const rejected = await declare(employer.id, [item.itemId]);
    expect(rejected.response.status, JSON.stringify(rejected.error)).toBe(202);
    const declarationId = (rejected.data as unknown as { id: string }).id;
    await eventually(() => declarationStatus(declarationId), (s) => s === 'rejected');
    const [shown] = await itemsOf('declaration_rejected', employer.id);
    expect(shown).toMatchObject({
      employerId: employer.id,
      subject: { type: 'declaration', id: declarationId },
      // Declared again before its collection order lapses.
      deadline: paymentDeadline([item.validUntil]).toISOString(),
      detail: expect.stringContaining('injected reject'),
      action: { method: 'GET', path: `/api/declarations/${declarationId}` },
    });

    const again = await declare(employer.id, [item.itemId]);
    expect(again.response.status, JSON.stringify(again.error)).toBe(202);
    expect(await itemsOf('declaration_rejected', employer.id)).toEqual([]);
    await eventually(() => declarationStatus((again.data as unknown as { id: string }).id), (s) => s === 'accepted');
  });

  it('declaration_result_unknown: shows once the bureau gave no result by the deadline, gone once fetched', async () => {
    const employer = await addSignedInEmployer(stack, 12, ['2026-10']);
    const { data } = await stack.client.GET('/api/employers/{id}/fee-items', { params: { path: { id: employer.id }, query: { kind: 'regular' } } });
    await bureauQuiet();
    await stack.admin('/admin/faults', { operation: 'declaration_result', mode: 'error' });
    let declarationId: string;
    try {
      const res = await declare(employer.id, [data!.items[0]!.itemId]);
      declarationId = (res.data as unknown as { id: string }).id;
      await eventually(() => declarationStatus(declarationId), (s) => s === 'result_unknown', 30_000);
      const [shown] = await itemsOf('declaration_result_unknown', employer.id);
      expect(shown).toMatchObject({ subject: { type: 'declaration', id: declarationId }, action: { method: 'POST', path: `/api/declarations/${declarationId}/fetch-result` } });
      expect(shown!.deadline).toBeUndefined();
    } finally {
      await stack.admin('/admin/faults', undefined, 'DELETE');
    }
    const fetched = await stack.client.POST('/api/declarations/{id}/fetch-result', { params: { path: { id: declarationId } } });
    expect((fetched.data as unknown as { status: string }).status).toBe('accepted');
    expect(await itemsOf('declaration_result_unknown', employer.id)).toEqual([]);
  });

  it('unpaid_near_deadline: declared lines unpaid within ATTENTION_DEADLINE_DAYS of their last day, gone once paid', async () => {
    expect(stack.config.attention.deadlineDays).toBe(5);
    const { employer, declarationId, payables, agreementId } = await declaredEmployer(stack, 13);
    // The mock bureau's collection orders run three months: bring their last days near instead of waiting.
    const [near, far] = payables;
    await stack.database.db.update(declarationLines).set({ validUntil: chinaDayIn(3) }).where(eq(declarationLines.id, near!.lineId));
    await stack.database.db.update(declarationLines).set({ validUntil: chinaDayIn(10) }).where(eq(declarationLines.id, far!.lineId));
    const items = await itemsOf('unpaid_near_deadline', employer.id);
    expect(items).toEqual([
      {
        kind: 'unpaid_near_deadline',
        employerId: employer.id,
        subject: { type: 'declaration', id: declarationId },
        since: expect.any(String),
        deadline: paymentDeadline([chinaDayIn(3)]).toISOString(),
        detail: expect.stringContaining('1 declared line(s)'),
        action: { label: 'pay', method: 'GET', path: `/api/employers/${employer.id}/payables` },
      },
    ]);
    expect(items[0]!.detail).toContain(`¥${formatYuanGrouped(near!.dueFen)}`);

    const res = await payThreeParty(stack, employer.id, { lineIds: [near!.lineId], agreementId });
    expect(res.response.status, JSON.stringify(res.error)).toBe(202);
    // In a running payment at once, paid soon after: either way not to act on.
    expect(await itemsOf('unpaid_near_deadline', employer.id)).toEqual([]);
    await eventually(() => payment(res.data!.id), (p) => p.status === 'paid');
    expect(await itemsOf('unpaid_near_deadline', employer.id)).toEqual([]);
    expect((await payablesOf(employer.id)).map((p) => p.lineId)).toEqual([far!.lineId]);
  });

  it('voucher_expiring and voucher_print_failed: an unpaid voucher near its 限缴日期; a failed print until printed again; gone once paid', async () => {
    await stack.admin('/admin/settings', { voucherDeadlineDays: 3 }, 'PATCH');
    try {
      const { employer, payables } = await declaredEmployer(stack, 14);
      const res = await payByVoucher(stack, employer.id, payables.map((p) => p.lineId));
      expect(res.response.status, JSON.stringify(res.error)).toBe(202);
      const issued = await eventually(() => payment(res.data!.id), (p) => Boolean(p.voucher?.pdf || p.voucher?.lastPrintError), 60_000);
      const voucher = issued.voucher!;
      expect(voucher).toMatchObject({ status: 'issued', deadline: chinaDayIn(3) });
      const [expiring] = await itemsOf('voucher_expiring', employer.id);
      expect(expiring).toMatchObject({
        employerId: employer.id,
        subject: { type: 'voucher', id: voucher.id },
        deadline: paymentDeadline([voucher.deadline]).toISOString(),
        action: { method: 'GET', path: `/api/vouchers/${voucher.id}/pdf` },
      });

      // The list, most urgent first: every deadline in order, the items without one after them.
      const all = await attention();
      const deadlines = all.items.map((i) => (i.deadline ? Date.parse(i.deadline) : Infinity));
      expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
      expect(all.items.length).toBe(Object.values(all.counts).reduce((a, b) => a + b, 0));
      const onlyVouchers = await attention({ kind: 'voucher_expiring' });
      expect(onlyVouchers.items.every((i) => i.kind === 'voucher_expiring')).toBe(true);
      expect(onlyVouchers.counts).toEqual(all.counts);

      // A print failed (as the renderer records it); printing again clears it.
      await recordPrintError(stack.database.db, voucher.id, 'test: the printer jammed', 'olivia');
      const [failedPrint] = await itemsOf('voucher_print_failed', employer.id);
      expect(failedPrint).toMatchObject({ subject: { type: 'voucher', id: voucher.id }, detail: expect.stringContaining('printer jammed'), action: { method: 'POST', path: `/api/vouchers/${voucher.id}/reprint` } });
      const reprinted = await stack.client.POST('/api/vouchers/{id}/reprint', { params: { path: { id: voucher.id } } });
      expect(reprinted.response.status, JSON.stringify(reprinted.error)).toBe(200);
      expect(await itemsOf('voucher_print_failed', employer.id)).toEqual([]);

      await stack.admin(`/admin/vouchers/${voucher.voucherNumber}/pay`, {});
      await eventually(() => payment(res.data!.id), (p) => p.status === 'paid');
      expect(await itemsOf('voucher_expiring', employer.id)).toEqual([]);
    } finally {
      await stack.admin('/admin/settings', { voucherDeadlineDays: 15 }, 'PATCH');
    }
  }, 120_000);

  it('activity_failing: a workflow whose step failed 5 times in a row, with its employer; gone once the step succeeds', async () => {
    const { employer, payables, agreementId } = await declaredEmployer(stack, 15);
    const res = await payThreeParty(stack, employer.id, { lineIds: payables.map((p) => p.lineId), agreementId });
    const workflowId = `payment-${res.data!.id}`;
    // As the worker's ActivityGuard records a retried failure (src/worker/activity-interceptors.ts).
    const failure = { workflowId, activityId: 'attention-test', activityType: 'deductFees', lastError: 'test: the bank does not answer', final: false };
    await recordActivityFailure(stack.database.db, { ...failure, attempt: 4 });
    expect(await itemsOf('activity_failing', employer.id)).toEqual([]); // not yet five in a row
    await recordActivityFailure(stack.database.db, { ...failure, attempt: 5 });
    const [item] = await itemsOf('activity_failing', employer.id);
    expect(item).toMatchObject({
      employerId: employer.id,
      subject: { type: 'workflow', id: workflowId },
      detail: expect.stringContaining('deductFees has failed 5 times'),
      action: { method: 'GET', path: `/api/workflows/${workflowId}/history` },
    });
    await clearActivityFailure(stack.database.db, failure);
    expect(await itemsOf('activity_failing', employer.id)).toEqual([]);
    // A step that ended for good (a permanent data error) is the record's state to show, not a retry to watch.
    await recordActivityFailure(stack.database.db, { ...failure, attempt: 9, final: true });
    expect(await itemsOf('activity_failing', employer.id)).toEqual([]);
  });

  it('refuses bad filters', async () => {
    const bad = await stack.app.inject({ method: 'GET', url: '/api/attention?kind=everything', headers: { authorization: 'Bearer auditor-key-0123456789' } }); // malformed on purpose: raw request
    expect(bad.statusCode).toBe(400);
    expect((await stack.clientAs('anonymous').GET('/api/attention')).response.status).toBe(401);
  });
});
