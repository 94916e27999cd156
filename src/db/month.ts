// The month view's reads (本月进度): for every employer and each fee period asked, what its
// declarations' lines, their payments and its certificates say (domain/month.ts makes a state of
// it). Three grouped reads, each through the period's index (declaration_lines_period_idx,
// payments_periods_idx, certificates_period_idx), joined on (employer, period); employers with
// nothing for a period have no row here and stand at NO_FACTS.
import { asc, sql, type SQL } from 'drizzle-orm';
import { NO_FACTS, type MonthFacts } from '../domain/month';
import { rowsOf, type Db } from './client';
import { employerMatch } from './employers';
import { employers } from './schema';

export interface MonthEmployer {
  id: string;
  name: string;
  taxpayerId: string;
  unitNumber: string;
}

/** `employerId|period` → its facts. */
export type FactsByCell = Map<string, MonthFacts>;
export const cellKey = (employerId: string, period: string) => `${employerId}|${period}`;

const list = (values: readonly string[]): SQL => sql.join(values.map((v) => sql`${v}`), sql`, `);

/** Standing: accepted, and not voided (a void under way or refused leaves it standing). */
const STANDING = sql`('accepted', 'voiding', 'void_rejected')`;

interface RawFacts {
  employer_id: string;
  period: string;
  submitted: string | number | null;
  result_unknown: string | number | null;
  rejected: string | number | null;
  standing: string | number | null;
  declared_fen: string | number | null;
  paid_fen: string | number | null;
  pending_fen: string | number | null;
  deducting: string | number | null;
  awaiting_retry: string | number | null;
  failed_payments: string | number | null;
  vouchers_waiting: string | number | null;
  certificates: string | number | null;
}

const num = (v: string | number | null) => Number(v ?? 0);

/** The facts of every (employer, period) cell that has a record, for these periods. */
export async function readMonthFacts(db: Db, periods: readonly string[]): Promise<FactsByCell> {
  const raw = rowsOf<RawFacts>(
    await db.execute(sql`
      with lines as (
        select d.employer_id, l.period, d.id, d.status, sum(l.amount_fen) as amount_fen, sum(l.paid_fen) as paid_fen
        from declaration_lines l join declarations d on d.id = l.declaration_id
        where l.period in (${list(periods)})
        group by d.employer_id, l.period, d.id, d.status
      ), declared as (
        select employer_id, period,
          count(*) filter (where status = 'submitted') as submitted,
          count(*) filter (where status = 'result_unknown') as result_unknown,
          count(*) filter (where status = 'rejected') as rejected,
          count(*) filter (where status in ${STANDING}) as standing,
          coalesce(sum(amount_fen) filter (where status in ${STANDING}), 0) as declared_fen,
          coalesce(sum(paid_fen) filter (where status in ${STANDING}), 0) as paid_fen,
          coalesce(sum(amount_fen) filter (where status in ('submitted', 'result_unknown')), 0) as pending_fen
        from lines group by employer_id, period
      ), paying as (
        select p.employer_id, per.period,
          count(*) filter (where p.status = 'deducting') as deducting,
          count(*) filter (where p.status = 'awaiting_retry') as awaiting_retry,
          count(*) filter (where p.status = 'failed') as failed_payments,
          count(*) filter (where p.status = 'voucher_issued') as vouchers_waiting
        from payments p cross join lateral unnest(p.periods) as per(period)
        where p.periods && array[${list(periods)}]::text[] and per.period in (${list(periods)})
        group by p.employer_id, per.period
      ), printed as (
        select employer_id, period, count(*) as certificates from certificates where period in (${list(periods)}) group by employer_id, period
      )
      select coalesce(d.employer_id, p.employer_id, c.employer_id) as employer_id, coalesce(d.period, p.period, c.period) as period,
        d.submitted, d.result_unknown, d.rejected, d.standing, d.declared_fen, d.paid_fen, d.pending_fen,
        p.deducting, p.awaiting_retry, p.failed_payments, p.vouchers_waiting, c.certificates
      from declared d
      full join paying p on p.employer_id = d.employer_id and p.period = d.period
      full join printed c on c.employer_id = coalesce(d.employer_id, p.employer_id) and c.period = coalesce(d.period, p.period)`),
  );
  const facts: FactsByCell = new Map();
  for (const r of raw) {
    facts.set(cellKey(r.employer_id, r.period), {
      ...NO_FACTS,
      submitted: num(r.submitted),
      resultUnknown: num(r.result_unknown),
      rejected: num(r.rejected),
      standing: num(r.standing),
      declaredFen: num(r.declared_fen),
      paidFen: num(r.paid_fen),
      pendingFen: num(r.pending_fen),
      deducting: num(r.deducting),
      awaitingRetry: num(r.awaiting_retry),
      failedPayments: num(r.failed_payments),
      vouchersWaiting: num(r.vouchers_waiting),
      certificates: num(r.certificates),
    });
  }
  return facts;
}

/** The employers of the view, by name; `q` as on the employers list. */
export async function monthEmployers(db: Db, q: string | undefined): Promise<MonthEmployer[]> {
  return db
    .select({ id: employers.id, name: employers.name, taxpayerId: employers.taxpayerId, unitNumber: employers.unitNumber })
    .from(employers)
    .where(employerMatch(q))
    .orderBy(asc(employers.name), asc(employers.id));
}
