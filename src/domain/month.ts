// The month at a glance (本月进度): where each employer stands for a fee period, from the records
// of that period (its declarations' lines, the payments of those lines, the certificates printed).
// One state a cell, the furthest the period got, except that a problem wins over progress: a
// failed deduction is shown as failed even when another line of the period is paid.

/** A cell's state, in the order of the month's work. */
export const MONTH_STATES = [
  'not_declared', // 未申报: nothing of the period is declared (or every declaration was voided)
  'declaring', // 已申报: waiting for the bureau's result
  'result_unknown', // 结果未知: no result by the deadline: an operator must look
  'rejected', // 申报失败: declared and refused, nothing standing
  'accepted', // 申报成功待缴费: accepted, something still unpaid and not being paid
  'paying', // 扣款中: a three-party deduction is under way
  'deduction_failed', // 扣款失败: a deduction failed (retrying, or out of retries) and the lines are unpaid
  'voucher_waiting', // 待柜台缴款: a bank-side voucher waits at the counter
  'paid', // 已缴清: every accepted line is paid
  'certified', // 已打印证明: paid, and a certificate printed for the period
] as const;
export type MonthState = (typeof MONTH_STATES)[number];

/** Each state as the office says it, Chinese first (the console's and the export's words). */
export const MONTH_STATE_WORDS: Record<MonthState, string> = {
  not_declared: '未申报 not declared',
  declaring: '已申报 awaiting result',
  result_unknown: '结果未知 result unknown',
  rejected: '申报失败 rejected',
  accepted: '待缴费 accepted, to pay',
  paying: '扣款中 deducting',
  deduction_failed: '扣款失败 deduction failed',
  voucher_waiting: '待柜台缴款 voucher at the bank',
  paid: '已缴清 paid',
  certified: '已打印证明 certificate printed',
};

/** What the records of one employer and period say (counts, and amounts in fen). */
export interface MonthFacts {
  /** Declarations waiting for their result (submitted). */
  submitted: number;
  resultUnknown: number;
  rejected: number;
  /** Accepted declarations that stand (accepted, voiding, void refused). */
  standing: number;
  /** The period's lines of standing declarations, and what of them is paid. */
  declaredFen: number;
  paidFen: number;
  /** The period's lines of declarations waiting for their result (submitted, result unknown). */
  pendingFen: number;
  /** Payments of the period's lines, by state. */
  deducting: number;
  awaitingRetry: number;
  failedPayments: number;
  vouchersWaiting: number;
  /** Certificates printed for the period (缴费证明, 完税证明). */
  certificates: number;
}

export const NO_FACTS: MonthFacts = {
  submitted: 0,
  resultUnknown: 0,
  rejected: 0,
  standing: 0,
  declaredFen: 0,
  paidFen: 0,
  pendingFen: 0,
  deducting: 0,
  awaitingRetry: 0,
  failedPayments: 0,
  vouchersWaiting: 0,
  certificates: 0,
};

/** The cell's state. */
export function monthState(f: MonthFacts): MonthState {
  const unpaid = f.declaredFen - f.paidFen > 0;
  if (f.awaitingRetry > 0 || (f.failedPayments > 0 && unpaid && f.deducting === 0 && f.vouchersWaiting === 0)) return 'deduction_failed';
  if (f.deducting > 0) return 'paying';
  if (f.vouchersWaiting > 0) return 'voucher_waiting';
  if (f.standing > 0 && unpaid) return 'accepted';
  if (f.resultUnknown > 0) return 'result_unknown';
  if (f.submitted > 0) return 'declaring';
  if (f.standing > 0) return f.certificates > 0 ? 'certified' : 'paid';
  if (f.rejected > 0) return 'rejected';
  return 'not_declared';
}

/**
 * The states that wait for the operator (只看待办): declare, look at a result or a refusal, pay,
 * see to a failed deduction, print the certificate. The others wait for the bureau or the bank.
 */
const NEEDS_OPERATOR: ReadonlySet<MonthState> = new Set(['not_declared', 'result_unknown', 'rejected', 'accepted', 'deduction_failed', 'paid']);

export function needsOperator(state: MonthState): boolean {
  return NEEDS_OPERATOR.has(state);
}

/** The amount a cell shows: what stands declared, or else what waits for its result. */
export function cellAmountFen(f: MonthFacts): number {
  return f.standing > 0 ? f.declaredFen : f.pendingFen;
}

/** A period's cells added up: employers by state, and the money declared, paid and still unpaid. */
export interface MonthTotals {
  employers: number;
  byState: Record<MonthState, number>;
  declaredFen: number;
  paidFen: number;
  unpaidFen: number;
}

export function emptyTotals(): MonthTotals {
  return { employers: 0, byState: Object.fromEntries(MONTH_STATES.map((s) => [s, 0])) as Record<MonthState, number>, declaredFen: 0, paidFen: 0, unpaidFen: 0 };
}

/** Adds one cell to its period's totals. */
export function addToTotals(t: MonthTotals, state: MonthState, f: MonthFacts): void {
  t.employers += 1;
  t.byState[state] += 1;
  t.declaredFen += f.declaredFen;
  t.paidFen += f.paidFen;
  t.unpaidFen += Math.max(0, f.declaredFen - f.paidFen);
}

/**
 * The periods a month view shows: the chosen one and the `count - 1` before it, newest first
 * (YYYY-MM, the fee period 费款所属期).
 */
export function periodsUpTo(period: string, count: number): string[] {
  const [year, month] = period.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, i) => {
    const m = year * 12 + (month - 1) - i;
    return `${String(Math.floor(m / 12)).padStart(4, '0')}-${String((m % 12) + 1).padStart(2, '0')}`;
  });
}

/** One employer's cell for one period. */
export interface MonthCell {
  period: string;
  state: MonthState;
  facts: MonthFacts;
  amountFen: number;
  unpaidFen: number;
}

export interface MonthRow<E> {
  employer: E;
  cells: MonthCell[]; // the view's periods, newest first
}

export const MONTH_SORTS = ['name', 'state', 'amount', 'unpaid'] as const;
export type MonthSort = (typeof MONTH_SORTS)[number];

export interface MonthFilter {
  /** Only rows whose chosen period's cell is in this state. */
  state?: MonthState | undefined;
  /** Only rows whose chosen period's cell waits for the operator (只看待办). */
  needsOperator?: boolean | undefined;
  sort: MonthSort;
}

/** A row's place in its sort: compared element by element; the employer id ends every key. */
export type MonthSortKey = [number, string, string];

export function cellOf(period: string, facts: MonthFacts): MonthCell {
  return { period, state: monthState(facts), facts, amountFen: cellAmountFen(facts), unpaidFen: Math.max(0, facts.declaredFen - facts.paidFen) };
}

/** The sort key of a row by its chosen (first) period's cell: amounts largest first, states in the month's order. */
export function sortKey(row: MonthRow<{ id: string; name: string }>, sort: MonthSort): MonthSortKey {
  const cell = row.cells[0]!;
  const primary = sort === 'state' ? MONTH_STATES.indexOf(cell.state) : sort === 'amount' ? -cell.amountFen : sort === 'unpaid' ? -cell.unpaidFen : 0;
  return [primary, row.employer.name, row.employer.id];
}

export function compareKeys(a: MonthSortKey, b: MonthSortKey): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
}

/**
 * The view: a row per employer with a cell per period, those the filter keeps in its sort order,
 * and each period's totals over every employer (what the filter leaves out included).
 */
export function monthView<E extends { id: string; name: string }>(
  employers: readonly E[],
  factsOf: (employerId: string, period: string) => MonthFacts,
  periods: readonly string[],
  filter: MonthFilter,
): { rows: MonthRow<E>[]; totals: Record<string, MonthTotals> } {
  const totals = Object.fromEntries(periods.map((p) => [p, emptyTotals()])) as Record<string, MonthTotals>;
  const rows: MonthRow<E>[] = [];
  for (const employer of employers) {
    const cells = periods.map((period) => cellOf(period, factsOf(employer.id, period)));
    for (const cell of cells) addToTotals(totals[cell.period]!, cell.state, cell.facts);
    const chosen = cells[0]!;
    if (filter.state !== undefined && chosen.state !== filter.state) continue;
    if (filter.needsOperator && !needsOperator(chosen.state)) continue;
    rows.push({ employer, cells });
  }
  const keyed = rows.map((row) => ({ row, key: sortKey(row, filter.sort) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  return { rows: keyed.map((k) => k.row), totals };
}
