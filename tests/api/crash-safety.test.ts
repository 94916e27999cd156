// Crash safety on the real stack: what a process that dies mid-request leaves behind is finished
// (never doubled) by the repeat of its keyed request or by the reconciler; an activity that can
// never succeed ends in a visible state; one that keeps failing is shown while it retries.
// (Killing real processes: tests/crash and the chaos suite.)
import { createHash } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencySecret } from '../../src/api/app';
import { requestFingerprint, requestRef } from '../../src/api/idempotency';
import { chinaDay } from '../../src/domain/china-time';
import { loadFeeItems } from '../../src/use-cases/fee-items';
import { loadConfig } from '../../src/config';
import { insertDeclaration } from '../../src/db/declarations';
import { findEmployer } from '../../src/db/employers';
import { createPayment, listPayables } from '../../src/db/payments';
import { auditLog, idempotencyKeys, vouchers as vouchersTable, workflowStarts } from '../../src/db/schema';
import { ensureReconcilerSchedule, reconcilerScheduleId } from '../../src/temporal/reconciler-schedule';
import { reconcileStarts, recordStart, startValues } from '../../src/temporal/workflow-starts';
import type { FeeItem } from '../../src/domain/fee-items';
import type { DeclarationInput } from '../../src/contracts/declaration';
import { NEW_PASSWORD, addSignedInEmployer, taxpayerId, unitNumber } from '../support/employers';
import { initialPassword } from '../../src/domain/password';
import { api, declaredEmployer, eventually, payThreeParty } from '../support/flows';
import { KEYS, auth, startStack, type Stack } from '../support/stack';

const LEASE_SECONDS = 2;
let stack: Stack;

beforeAll(async () => {
  const base = loadConfig({});
  stack = await startStack({
    resultDelayMs: 100,
    timing: { resultWaitSeconds: 1 },
    config: {
      crashSafety: { ...base.crashSafety, idempotencyLeaseSeconds: LEASE_SECONDS, idempotencySecret: 'crash-safety-tests' },
      metricsCacheSeconds: 0, // each scrape reads the database: the tests look right after a change
      // Retries come quickly, so five failures in a row take seconds.
      payment: { ...base.payment, retryScheduleSeconds: [1], statusPollSeconds: 1, counterPollSeconds: 1 },
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

const operator = KEYS.find((k) => k.role === 'operator')!.name;
const keyed = (key: string) => ({ ...auth(), 'idempotency-key': key });
const declarationOf = (id: string) => api(stack).get(`/api/declarations/${id}`).then((r) => r.json());
const startRow = async (workflowId: string) => (await stack.database.db.select().from(workflowStarts).where(eq(workflowStarts.workflowId, workflowId)))[0];
const workflowExists = (workflowId: string) =>
  stack.temporal.workflow
    .getHandle(workflowId)
    .describe()
    .then(() => true, () => false);

const today = () => chinaDay(new Date()).replaceAll('-', '');

/** The employer's declarable items, as the API downloads them. */
async function declarable(employerId: string) {
  return (await loadFeeItems(stack.app, (await findEmployer(stack.database.db, employerId))!, { kind: 'regular' })).items;
}

/** The rows a request leaves when its process dies after its transaction: the key unanswered, the work recorded, no workflow. */
async function keyOfDeadRequest(opts: { key: string; url: string; body: Record<string, unknown>; leaseRunning?: boolean }) {
  await stack.database.db.insert(idempotencyKeys).values({
    actor: operator,
    key: opts.key,
    requestHash: requestFingerprint(idempotencySecret(stack.config), 'POST', opts.url, opts.body),
    lockedUntil: new Date(Date.now() + (opts.leaseRunning ? 60_000 : -1_000)),
  });
  return requestRef(operator, opts.key);
}

/** What a request's transaction leaves when its process dies right after it: the declaration and its unstarted start. */
async function recordedDeclaration(d: { id: string; employer: { id: string; taxpayerId: string }; item: FeeItem; requestRef: string | null }): Promise<string> {
  const workflowId = `declaration-${d.id}`;
  await insertDeclaration(
    stack.database.db,
    { id: d.id, employerId: d.employer.id, kind: 'regular', workflowId, actor: operator, items: [d.item] },
    await startValues(stack.app.codec, {
      workflowId,
      workflowType: 'declarationWorkflow',
      taskQueue: stack.config.taskQueue,
      subjectType: 'declaration',
      subjectId: d.id,
      requestRef: d.requestRef,
      attributes: { employerId: d.employer.id, status: 'submitted' },
      args: [{ declarationId: d.id, taxpayerId: d.employer.taxpayerId, kind: 'regular', itemIds: [d.item.itemId], timing: stack.config.declaration } satisfies DeclarationInput],
    }),
  );
  return workflowId;
}

describe('a declaration whose process died after recording it', () => {
  it('is finished by the repeat of its keyed request: the same declaration, 202, decided, declared once', async () => {
    const employer = await addSignedInEmployer(stack, 1101);
    const item = (await declarable(employer.id))[0]!;
    const url = `/api/employers/${employer.id}/declarations`;
    const body = { kind: 'regular', itemIds: [item.itemId], headcountConfirmed: true };
    const ref = await keyOfDeadRequest({ key: 'dead-declaration-1', url, body });

    // The dead request's transaction: the declaration and its start, under the key's ref.
    const id = `D${today()}-${ref.slice(0, 10)}`;
    const workflowId = await recordedDeclaration({ id, employer, item, requestRef: ref });
    expect(await workflowExists(workflowId)).toBe(false);
    // Without a key the items are held: declaring them again is refused, not doubled.
    const unkeyed = await api(stack).post(url, body);
    expect(unkeyed.statusCode).toBe(409);

    const repeat = await stack.app.inject({ method: 'POST', url, headers: keyed('dead-declaration-1'), payload: body });
    expect(repeat.statusCode, repeat.body).toBe(202);
    expect(repeat.json()).toMatchObject({ id, status: 'submitted', workflowStarted: true });
    expect((await startRow(workflowId))!.startedAt).not.toBeNull();
    const decided = await eventually(() => declarationOf(id), (d) => d.status !== 'submitted', 20_000);
    expect(decided.status).toBe('accepted');

    // The repeat's answer is now the key's answer; a third try gets it again, unchanged.
    const third = await stack.app.inject({ method: 'POST', url, headers: keyed('dead-declaration-1'), payload: body });
    expect(third.statusCode).toBe(202);
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(third.json().id).toBe(id);
    const declarations = (await api(stack).get(`/api/declarations?employerId=${employer.id}`)).json().declarations as unknown[];
    expect(declarations).toHaveLength(1);
  });

  it('is started by the reconciler on its schedule, which audits and counts the repair', async () => {
    const employer = await addSignedInEmployer(stack, 1102);
    const id = `D${today()}-0rphan0001`;
    const workflowId = await recordedDeclaration({ id, employer, item: (await declarable(employer.id))[0]!, requestRef: null });
    const before = await api(stack).get('/metrics');
    expect(before.body).toMatch(/^sifee_workflow_starts_pending [1-9]/m);

    const scheduleId = await ensureReconcilerSchedule(stack.temporal, { taskQueue: stack.config.taskQueue, everySeconds: 1, graceSeconds: 0 });
    try {
      expect(scheduleId).toBe(reconcilerScheduleId(stack.config.taskQueue));
      // Made again at the next worker start: brought up to date, not a second schedule.
      await ensureReconcilerSchedule(stack.temporal, { taskQueue: stack.config.taskQueue, everySeconds: 1, graceSeconds: 0 });
      const decided = await eventually(() => declarationOf(id), (d) => d.status === 'accepted', 30_000);
      expect(decided.status).toBe('accepted');
    } finally {
      await stack.temporal.schedule.getHandle(scheduleId).delete();
    }
    const [repair] = await stack.database.db.select().from(auditLog).where(and(eq(auditLog.action, 'workflow.start_repaired'), eq(auditLog.subject, id)));
    expect(repair).toMatchObject({ actor: 'reconciler', detail: expect.objectContaining({ workflowId, subjectType: 'declaration' }) });
    const after = (await api(stack).get('/metrics')).body;
    expect(after).toMatch(/^sifee_reconciler_repairs_total [1-9]/m);
    const pending = await stack.database.db.select().from(workflowStarts).where(isNull(workflowStarts.startedAt));
    expect(pending.filter((p) => p.workflowId === workflowId)).toEqual([]);
  });

  it('is only marked by the reconciler when its request started the workflow and died before marking it: no repair', async () => {
    const employer = await addSignedInEmployer(stack, 1111);
    const item = (await declarable(employer.id))[0]!;
    const id = `D${today()}-unmark0001`;
    const workflowId = await recordedDeclaration({ id, employer, item, requestRef: null });
    // The request's start, made; its mark (written just after the answer) lost with the process.
    await stack.temporal.workflow.start('declarationWorkflow', {
      taskQueue: stack.config.taskQueue,
      workflowId,
      args: [{ declarationId: id, taxpayerId: employer.taxpayerId, kind: 'regular', itemIds: [item.itemId], timing: stack.config.declaration } satisfies DeclarationInput],
    });
    const report = await reconcileStarts(stack.temporal, stack.database.db, stack.app.codec, { olderThanMs: 0 });
    expect(report).toMatchObject({ running: 1, failed: 0 });
    expect((await startRow(workflowId))!.startedAt).not.toBeNull();
    const repairs = await stack.database.db.select().from(auditLog).where(and(eq(auditLog.action, 'workflow.start_repaired'), eq(auditLog.subject, id)));
    expect(repairs).toEqual([]);
  });
});

describe('idempotency keys whose request died', () => {
  it('answers 409 with Retry-After while the first request still holds its lease, and never after it', async () => {
    const employer = await addSignedInEmployer(stack, 1103);
    const items = (await api(stack).get(`/api/employers/${employer.id}/fee-items?kind=regular`)).json().items as { itemId: string }[];
    const url = `/api/employers/${employer.id}/declarations`;
    const body = { kind: 'regular', itemIds: [items[0]!.itemId], headcountConfirmed: true };
    // A holder that is alive for LEASE_SECONDS more, then dies before recording anything.
    await keyOfDeadRequest({ key: 'held-key-0001', url, body, leaseRunning: true });
    await stack.database.db.update(idempotencyKeys).set({ lockedUntil: new Date(Date.now() + LEASE_SECONDS * 1000) }).where(eq(idempotencyKeys.key, 'held-key-0001'));
    const busy = await stack.app.inject({ method: 'POST', url, headers: keyed('held-key-0001'), payload: body });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().code).toBe('IDEMPOTENCY_IN_PROGRESS');
    expect(Number(busy.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(busy.headers['retry-after'])).toBeLessThanOrEqual(LEASE_SECONDS);

    const answered = await eventually(
      () => stack.app.inject({ method: 'POST', url, headers: keyed('held-key-0001'), payload: body }),
      (r) => r.statusCode !== 409,
      LEASE_SECONDS * 1000 + 5_000,
    );
    // Nothing was recorded by the dead holder: the repeat does the work itself, once.
    expect(answered.statusCode, answered.body).toBe(202);
    const [row] = await stack.database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, 'held-key-0001'));
    expect(row!.statusCode).toBe(202);
  });

  it('keeps a key unanswered after a fault, so the repeat carries on with the recorded work', async () => {
    const employer = await addSignedInEmployer(stack, 1104);
    const items = (await api(stack).get(`/api/employers/${employer.id}/fee-items?kind=regular`)).json().items as { itemId: string }[];
    const url = `/api/employers/${employer.id}/declarations`;
    const body = { kind: 'regular', itemIds: [items[0]!.itemId], headcountConfirmed: true };
    const first = await stack.app.inject({ method: 'POST', url, headers: keyed('fault-key-0001'), payload: body });
    expect(first.statusCode).toBe(202);
    // As if the first answer had been a 5xx: the key is released, not deleted.
    await stack.database.db.update(idempotencyKeys).set({ statusCode: null, body: null }).where(eq(idempotencyKeys.key, 'fault-key-0001'));
    const repeat = await stack.app.inject({ method: 'POST', url, headers: keyed('fault-key-0001'), payload: body });
    expect(repeat.statusCode, repeat.body).toBe(409); // the lease of the first try still runs
    await stack.database.db.update(idempotencyKeys).set({ lockedUntil: new Date(Date.now() - 1) }).where(eq(idempotencyKeys.key, 'fault-key-0001'));
    const taken = await stack.app.inject({ method: 'POST', url, headers: keyed('fault-key-0001'), payload: body });
    expect(taken.statusCode, taken.body).toBe(202);
    expect(taken.json().id).toBe(first.json().id);
  });

  it('stores a keyed HMAC fingerprint without the password, and refuses the key for another request', async () => {
    const { payables, employer } = await declaredEmployer(stack, 1105, { balanceFen: 0 }, 1);
    const body = { lineIds: [payables[0]!.lineId], amountConfirmed: true, password: NEW_PASSWORD, method: 'bank_voucher' };
    const res = await stack.app.inject({ method: 'POST', url: `/api/employers/${employer.id}/payments`, headers: keyed('fingerprint-0001'), payload: body });
    expect(res.statusCode, res.body).toBe(202);
    const [row] = await stack.database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, 'fingerprint-0001'));
    const plain = createHash('sha256').update(`POST /api/employers/${employer.id}/payments\n${JSON.stringify(body)}`).digest('hex');
    expect(row!.requestHash).not.toBe(plain);
    expect(JSON.stringify(row)).not.toContain(NEW_PASSWORD);
    const other = await stack.app.inject({ method: 'POST', url: `/api/employers/${employer.id}/payments`, headers: keyed('fingerprint-0001'), payload: { ...body, method: 'three_party' } });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});

describe('repeats of keyed requests whose first try did the work and died before answering', () => {
  /** As a process that died after the work and before storing the answer leaves the key. */
  const loseAnswer = (key: string) => stack.database.db.update(idempotencyKeys).set({ statusCode: null, body: null, lockedUntil: new Date(Date.now() - 1) }).where(eq(idempotencyKeys.key, key));

  it('adding an employer and changing its password answer 2xx again, with the work done once', async () => {
    const id = taxpayerId(1110);
    const unit = unitNumber(1110);
    await stack.admin('/admin/employers', { taxpayerId: id, unitNumber: unit, name: '贵阳测试1110科技有限公司', periods: ['2026-10'] });
    const addBody = { taxpayerId: id, taxpayerIdConfirm: id, unitNumber: unit, password: initialPassword(unit) };
    const added = await stack.app.inject({ method: 'POST', url: '/api/employers', headers: keyed('add-employer-1110'), payload: addBody });
    expect(added.statusCode, added.body).toBe(201);
    await loseAnswer('add-employer-1110');
    const again = await stack.app.inject({ method: 'POST', url: '/api/employers', headers: keyed('add-employer-1110'), payload: addBody });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().id).toBe(added.json().id);
    // Without the key it is a new request: refused, not doubled.
    expect((await api(stack).post('/api/employers', addBody)).statusCode).toBe(409);

    const url = `/api/employers/${added.json().id}/password`;
    const change = { password: initialPassword(unit), newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD };
    const changed = await stack.app.inject({ method: 'POST', url, headers: keyed('password-1110'), payload: change });
    expect(changed.statusCode, changed.body).toBe(200);
    await loseAnswer('password-1110');
    const repeated = await stack.app.inject({ method: 'POST', url, headers: keyed('password-1110'), payload: change });
    expect(repeated.statusCode, repeated.body).toBe(200);
    // The old password was not tried again: nothing counts towards the lockout.
    const signIn = await api(stack).post(`/api/employers/${added.json().id}/sign-in`, { password: NEW_PASSWORD });
    expect(signIn.statusCode, signIn.body).toBe(200);
  });
});

describe('a payment whose process died after recording it', () => {
  it('is started by its repeat: the same payment, paid once', async () => {
    const { employer, payables, agreementId } = await declaredEmployer(stack, 1106, { balanceFen: 1e12 }, 1);
    const url = `/api/employers/${employer.id}/payments`;
    const body = { lineIds: [payables[0]!.lineId], amountConfirmed: true, password: NEW_PASSWORD, method: 'three_party', agreementId };
    const ref = await keyOfDeadRequest({ key: 'dead-payment-0001', url, body });
    const id = `P${today()}-${ref.slice(0, 10)}`;
    const workflowId = `payment-${id}`;
    const lines = (await listPayables(stack.database.db, employer.id)).filter((l) => l.lineId === payables[0]!.lineId);
    const deadline = new Date(Date.now() + 30 * 86_400_000);
    await createPayment(
      stack.database.db,
      { id, employerId: employer.id, method: 'three_party', lines, agreementId: agreementId!, accountMasked: null, workflowId, deadline, actor: operator },
      (tx) =>
        recordStart(tx, stack.app.codec, {
          workflowId,
          workflowType: 'threePartyPaymentWorkflow',
          taskQueue: stack.config.taskQueue,
          subjectType: 'payment',
          subjectId: id,
          requestRef: ref,
          attributes: { employerId: employer.id, status: 'deducting' },
          args: [{ paymentId: id, taxpayerId: employer.taxpayerId, agreementId: agreementId!, lines: [{ itemId: lines[0]!.itemId, amountFen: lines[0]!.dueFen }], amountFen: lines[0]!.dueFen, retryScheduleSeconds: [1], deadline: deadline.toISOString(), statusPollSeconds: 1 }],
        }),
    );
    // The lines are held by the recorded payment: a new payment of them is refused.
    expect((await payThreeParty(stack, employer.id, { lineIds: body.lineIds, agreementId })).response.status).toBe(409);
    const repeat = await stack.app.inject({ method: 'POST', url, headers: keyed('dead-payment-0001'), payload: body });
    expect(repeat.statusCode, repeat.body).toBe(202);
    expect(repeat.json()).toMatchObject({ id, workflowStarted: true });
    const paid = await eventually(() => api(stack).get(`/api/payments/${id}`).then((r) => r.json()), (p) => p.status === 'paid', 20_000);
    expect(paid.status).toBe('paid');
    const ledger = (await stack.admin('/admin/ledger')) as { entries: { key: string }[] };
    expect(ledger.entries.filter((e) => e.key.startsWith(id))).toHaveLength(1);
  });
});

describe('failures that retrying cannot fix, and failures that go on', () => {
  it('a voucher number the bureau repeats ends the payment as failed with the reason, within seconds', async () => {
    const first = await declaredEmployer(stack, 1107, {}, 1);
    const paidFirst = await api(stack).post(`/api/employers/${first.employer.id}/payments`, { lineIds: [first.payables[0]!.lineId], amountConfirmed: true, password: NEW_PASSWORD, method: 'bank_voucher' });
    expect(paidFirst.statusCode, paidFirst.body).toBe(202);
    await eventually(() => api(stack).get(`/api/payments/${paidFirst.json().id}`).then((r) => r.json()), (p) => Boolean(p.voucher?.voucherNumber));

    // The bureau starts again from an empty state: its numbering restarts at a number we hold.
    await stack.admin('/admin/reset', {});
    const second = await declaredEmployer(stack, 1108, {}, 1);
    const res = await api(stack).post(`/api/employers/${second.employer.id}/payments`, { lineIds: [second.payables[0]!.lineId], amountConfirmed: true, password: NEW_PASSWORD, method: 'bank_voucher' });
    expect(res.statusCode, res.body).toBe(202);
    const failed = await eventually(() => api(stack).get(`/api/payments/${res.json().id}`).then((r) => r.json()), (p) => p.status === 'failed', 20_000);
    expect(failed.status).toBe('failed');
    expect(failed.reason).toMatch(/^VOUCHER_NUMBER_TAKEN: the bureau issued voucher number \d+, which is recorded for another payment already/);
    expect(failed.voucher).toBeNull();
    const repeated = /voucher number (\d+)/.exec(failed.reason as string)![1]!;
    const [holder] = await stack.database.db.select().from(vouchersTable).where(eq(vouchersTable.voucherNumber, repeated));
    expect(holder!.paymentId).not.toBe(res.json().id); // recorded for a payment made before the reset
    // The stray voucher was voided at the bureau, and the lines can be paid again.
    expect(((await stack.bureau.getVoucher(repeated)) as { state: string }).state).toBe('voided');
    const payables = (await api(stack).get(`/api/employers/${second.employer.id}/payables`)).json().payables as { lineId: string }[];
    expect(payables.map((p) => p.lineId)).toContain(second.payables[0]!.lineId);
  });

  it('shows an activity failing again and again on the payment and in /metrics, and clears it once it succeeds', async () => {
    const { employer, payables, agreementId } = await declaredEmployer(stack, 1109, { balanceFen: 1e12 }, 1);
    await stack.admin('/admin/faults', { operation: 'deduct', mode: 'error' });
    try {
      const res = await payThreeParty(stack, employer.id, { lineIds: [payables[0]!.lineId], agreementId });
      expect(res.response.status, JSON.stringify(res.error)).toBe(202);
      const failing = await eventually(() => api(stack).get(`/api/payments/${res.data!.id}`).then((r) => r.json()), (p) => (p.lastError?.attempts ?? 0) >= 5, 45_000);
      expect(failing.lastError).toMatchObject({ activity: expect.any(String), attempts: expect.any(Number), message: expect.stringContaining('/v1/deductions') });
      expect(failing.lastError.attempts).toBeGreaterThanOrEqual(5);
      expect((await api(stack).get('/metrics')).body).toMatch(/^sifee_workflows_activity_failing [1-9]/m);
    } finally {
      await stack.admin('/admin/faults', undefined, 'DELETE');
    }
    const paid = await eventually(
      async () => {
        const payments = (await api(stack).get(`/api/payments?employerId=${employer.id}`)).json().payments as { status: string; lastError: unknown }[];
        return payments[0]!;
      },
      (p) => p.status === 'paid',
      90_000, // the next retry comes after the backoff reached by then (16–32 s)
    );
    expect(paid).toMatchObject({ status: 'paid', lastError: null });
  }, 150_000);
});
