// The month at a glance (src/domain/month.ts) and the bulk payment's plan (src/domain/bulk-action.ts).
import { describe, expect, it } from 'vitest';
import { bulkEntryId, countBulk, planBulkPayment } from '../../src/domain/bulk-action';
import { MONTH_STATES, NO_FACTS, monthState, monthView, needsOperator, periodsUpTo, type MonthFacts } from '../../src/domain/month';

const facts = (f: Partial<MonthFacts>): MonthFacts => ({ ...NO_FACTS, ...f });
const accepted = { standing: 1, declaredFen: 10_000 };

describe('a cell’s state', () => {
  it('follows the month: declared, accepted, paying, paid, printed', () => {
    expect(monthState(NO_FACTS)).toBe('not_declared');
    expect(monthState(facts({ submitted: 1, pendingFen: 10_000 }))).toBe('declaring');
    expect(monthState(facts({ resultUnknown: 1 }))).toBe('result_unknown');
    expect(monthState(facts(accepted))).toBe('accepted');
    expect(monthState(facts({ ...accepted, deducting: 1 }))).toBe('paying');
    expect(monthState(facts({ ...accepted, vouchersWaiting: 1 }))).toBe('voucher_waiting');
    expect(monthState(facts({ ...accepted, paidFen: 10_000 }))).toBe('paid');
    expect(monthState(facts({ ...accepted, paidFen: 10_000, certificates: 1 }))).toBe('certified');
  });

  it('shows a problem before progress', () => {
    // A deduction waiting for its retry, although another line of the period is paid.
    expect(monthState(facts({ standing: 2, declaredFen: 20_000, paidFen: 10_000, awaitingRetry: 1 }))).toBe('deduction_failed');
    // Out of retries and still unpaid.
    expect(monthState(facts({ ...accepted, failedPayments: 1 }))).toBe('deduction_failed');
    // A failed payment whose lines were paid later by another: paid.
    expect(monthState(facts({ ...accepted, paidFen: 10_000, failedPayments: 1 }))).toBe('paid');
    // …or are being paid again now.
    expect(monthState(facts({ ...accepted, failedPayments: 1, deducting: 1 }))).toBe('paying');
    // Something accepted to pay wins over another declaration still waiting.
    expect(monthState(facts({ ...accepted, submitted: 1 }))).toBe('accepted');
    // Rejected only: to declare again; voided only is like nothing declared.
    expect(monthState(facts({ rejected: 1 }))).toBe('rejected');
  });

  it('says which states wait for the operator', () => {
    expect(MONTH_STATES.filter(needsOperator)).toEqual(['not_declared', 'result_unknown', 'rejected', 'accepted', 'deduction_failed', 'paid']);
  });
});

describe('the view', () => {
  const employers = [
    { id: 'E2', name: '乙公司' },
    { id: 'E1', name: '甲公司' },
    { id: 'E3', name: '丙公司' },
  ];
  const byCell: Record<string, MonthFacts> = {
    'E1|2026-11': facts({ ...accepted, declaredFen: 30_000 }),
    'E2|2026-11': facts({ ...accepted, paidFen: 10_000 }),
    'E2|2026-10': facts({ ...accepted, paidFen: 10_000, certificates: 2 }),
  };
  const factsOf = (id: string, period: string) => byCell[`${id}|${period}`] ?? NO_FACTS;
  const periods = ['2026-11', '2026-10'];

  it('has a cell per period and totals over every employer, whatever the filter keeps', () => {
    const view = monthView(employers, factsOf, periods, { sort: 'name', needsOperator: true, state: 'accepted' });
    expect(view.rows.map((r) => r.employer.id)).toEqual(['E1']);
    expect(view.rows[0]!.cells.map((c) => [c.period, c.state])).toEqual([['2026-11', 'accepted'], ['2026-10', 'not_declared']]);
    const nov = view.totals['2026-11']!;
    expect(nov).toMatchObject({ employers: 3, declaredFen: 40_000, paidFen: 10_000, unpaidFen: 30_000 });
    expect(nov.byState).toMatchObject({ accepted: 1, paid: 1, not_declared: 1 });
    expect(view.totals['2026-10']!.byState).toMatchObject({ certified: 1, not_declared: 2 });
  });

  it('sorts by the chosen period: by state in the month’s order, by amount largest first, ties by name', () => {
    const ids = (sort: 'name' | 'state' | 'amount' | 'unpaid') => monthView(employers, factsOf, periods, { sort }).rows.map((r) => r.employer.id);
    expect(ids('state')).toEqual(['E3', 'E1', 'E2']); // not declared, accepted, paid
    expect(ids('amount')).toEqual(['E1', 'E2', 'E3']);
    expect(ids('unpaid')).toEqual(['E1', 'E3', 'E2']); // 200, 0, 0 yuan unpaid: ties by name (丙 before 乙 by code point)
    const needs = monthView(employers, factsOf, periods, { sort: 'name', needsOperator: true }).rows.map((r) => r.employer.id);
    expect(needs).toHaveLength(3); // to pay, to print, to declare
  });

  it('counts the periods back across a year', () => {
    expect(periodsUpTo('2026-02', 3)).toEqual(['2026-02', '2026-01', '2025-12']);
  });
});

describe('a bulk payment for one employer (F-4.1, F-4.9)', () => {
  const now = new Date('2026-11-20T02:00:00Z');
  const line = (lineId: string, period: string, validUntil = '2026-12-15') => ({ lineId, period, validUntil });
  const valid = { agreementId: 'A2', status: 'valid' as const };

  it('pays every payable line of the period by the first valid agreement', () => {
    const plan = planBulkPayment([line('L1', '2026-11'), line('L2', '2026-10'), line('L3', '2026-11', '2026-12-10')], '2026-11', [{ agreementId: 'A3', status: 'valid' }, valid, { agreementId: 'A1', status: 'expired' }], now);
    expect(plan).toMatchObject({ action: 'pay', agreementId: 'A2', lines: [{ lineId: 'L1' }, { lineId: 'L3' }] });
    if (plan.action === 'pay') expect(plan.deadline.toISOString()).toBe('2026-12-10T15:59:59.999Z');
  });

  it('skips with the reason: nothing to pay, no agreement, none valid, deadline passed', () => {
    const code = (p: ReturnType<typeof planBulkPayment>) => (p.action === 'skip' ? p.reason.code : p.action);
    expect(code(planBulkPayment([line('L2', '2026-10')], '2026-11', [valid], now))).toBe('NOTHING_TO_PAY');
    expect(code(planBulkPayment([line('L1', '2026-11')], '2026-11', [], now))).toBe('NO_AGREEMENT');
    expect(code(planBulkPayment([line('L1', '2026-11')], '2026-11', [{ agreementId: 'A1', status: 'unverified' }], now))).toBe('AGREEMENT_INVALID');
    expect(code(planBulkPayment([line('L1', '2026-11', '2026-11-19')], '2026-11', [valid], now))).toBe('PAYMENT_DEADLINE_PASSED');
  });

  it('fixes each entry’s id and counts entries', () => {
    expect(bulkEntryId('M20261120-abc', 7)).toBe('M20261120-abc-00007');
    expect(countBulk([{ status: 'done', n: 2 }, { status: 'pending', n: 1 }])).toEqual({ total: 3, pending: 1, done: 2, skipped: 0, failed: 0 });
  });
});
