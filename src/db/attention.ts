// The attention list's queries: one SQL per kind, each reading the records' current state through
// a partial index on the state that puts a record on the list (migrations/0012), so the list costs
// the same however many settled records there are. Nothing is stored: an item is on the list while
// its record is in that state, and leaves it when the record moves on.
//
// When an item leaves:
// - payment_awaiting_retry: the payment is paid, cancelled or failed (its retries end);
// - payment_failed: none of its lines is unpaid, free (in no running payment) and of an accepted
//   declaration any more (paid again, being paid, or voided), or ATTENTION_WINDOW_DAYS passed;
// - declaration_rejected: every item of it is declared again (held by another declaration), or
//   ATTENTION_WINDOW_DAYS passed;
// - declaration_result_unknown: the result is fetched (accepted or rejected);
// - unpaid_near_deadline: the lines are paid or in a running payment (or past their last valid
//   day, when they can no longer be paid: a rejected or failed record says so);
// - voucher_expiring: the voucher is paid, voided or expired;
// - voucher_print_failed: a print succeeds, or the voucher is no longer waiting at the bank;
// - activity_failing: the activity succeeds, gives up, or stops being retried (its row ages out);
// - schedule_run_failed: a later run of the schedule starts its batch, or the schedule is deleted.
import { sql, type SQL } from 'drizzle-orm';
import type { AttentionKind, AttentionRow } from '../domain/attention';
import { FAILING_ATTEMPTS, FAILING_FRESH_MS } from './activity-failures';
import { rowsOf, type Db } from './client';

export interface AttentionFilter {
  /** Only items about this employer (items about no employer are left out). */
  employerId?: string | undefined;
  /** ATTENTION_DEADLINE_DAYS */
  deadlineDays: number;
  /** ATTENTION_WINDOW_DAYS */
  windowDays: number;
}

/** Instants as epoch milliseconds (float8): both drivers answer numbers, whatever their date parsing. */
const ms = (instant: SQL) => sql`(extract(epoch from ${instant}) * 1000)::float8`;
/** The end (China time) of a day: a collection order or voucher is good all of its last day. */
const dayEnd = (day: SQL) => sql`(extract(epoch from ((${day}) + 1)::timestamp at time zone 'Asia/Shanghai') * 1000 - 1)::float8`;
const chinaToday = sql`(now() at time zone 'Asia/Shanghai')::date`;

/** Every kind's query selects the same columns (see RawRow). */
function kindQuery(kind: AttentionKind, f: AttentionFilter): SQL {
  const employer = (column: SQL) => (f.employerId === undefined ? sql`true` : sql`${column} = ${f.employerId}`);
  const window = sql`now() - make_interval(days => ${f.windowDays})`;
  const lastDay = sql`${chinaToday} + ${f.deadlineDays}::int`;
  switch (kind) {
    case 'payment_awaiting_retry':
      return sql`
        select p.employer_id, p.id as subject_id, ${ms(sql`p.created_at`)} as since, ${ms(sql`p.deadline`)} as deadline,
               ${ms(sql`p.next_retry_at`)} as next_retry_at, p.total_fen::float8 as amount_fen, null::int as n, p.reason as text, null::text as code
        from payments p
        where p.status = 'awaiting_retry' and ${employer(sql`p.employer_id`)}`;
    case 'payment_failed':
      return sql`
        select p.employer_id, p.id as subject_id, ${ms(sql`p.updated_at`)} as since, ${ms(sql`p.deadline`)} as deadline,
               null::float8 as next_retry_at, p.total_fen::float8 as amount_fen, null::int as n, p.reason as text, null::text as code
        from payments p
        where p.status = 'failed' and p.updated_at > ${window} and ${employer(sql`p.employer_id`)}
          and exists (
            select 1 from payment_lines pl
            join declaration_lines l on l.id = pl.line_id
            join declarations d on d.id = l.declaration_id
            where pl.payment_id = p.id and l.paid_fen < l.amount_fen and d.status = 'accepted'
              and not exists (select 1 from payment_lines o where o.line_id = l.id and o.open))`;
    case 'declaration_rejected':
      return sql`
        select d.employer_id, d.id as subject_id, ${ms(sql`coalesce(d.decided_at, d.updated_at)`)} as since, ${dayEnd(sql`(select min(l.valid_until) from declaration_lines l where l.declaration_id = d.id)`)} as deadline,
               null::float8 as next_retry_at, d.total_fen::float8 as amount_fen, null::int as n, d.result_reason as text, null::text as code
        from declarations d
        where d.status = 'rejected' and d.decided_at > ${window} and ${employer(sql`d.employer_id`)}
          and exists (
            select 1 from declaration_lines l
            where l.declaration_id = d.id
              and not exists (select 1 from declaration_lines h where h.item_id = l.item_id and h.holds_item))`;
    case 'declaration_result_unknown':
      return sql`
        select d.employer_id, d.id as subject_id, ${ms(sql`d.updated_at`)} as since, null::float8 as deadline,
               null::float8 as next_retry_at, d.total_fen::float8 as amount_fen, null::int as n, null::text as text, null::text as code
        from declarations d
        where d.status = 'result_unknown' and ${employer(sql`d.employer_id`)}`;
    case 'unpaid_near_deadline':
      return sql`
        select d.employer_id, d.id as subject_id, ${ms(sql`coalesce(d.decided_at, d.declared_at)`)} as since, ${dayEnd(sql`min(l.valid_until)`)} as deadline, null::float8 as next_retry_at, sum(l.amount_fen - l.paid_fen)::float8 as amount_fen,
               count(*)::int as n, null::text as text, null::text as code
        from declaration_lines l
        join declarations d on d.id = l.declaration_id
        where l.paid_fen < l.amount_fen and l.holds_item and l.valid_until between ${chinaToday} and ${lastDay}
          and d.status = 'accepted' and ${employer(sql`d.employer_id`)}
          and not exists (select 1 from payment_lines o where o.line_id = l.id and o.open)
        group by d.id`;
    case 'voucher_expiring':
      return sql`
        select v.employer_id, v.id as subject_id, ${ms(sql`v.issued_at`)} as since, ${dayEnd(sql`v.deadline`)} as deadline,
               null::float8 as next_retry_at, v.amount_fen::float8 as amount_fen, null::int as n, v.voucher_number as text, null::text as code
        from vouchers v
        where v.status = 'issued' and v.deadline between ${chinaToday} and ${lastDay} and ${employer(sql`v.employer_id`)}`;
    case 'voucher_print_failed':
      return sql`
        select v.employer_id, v.id as subject_id, ${ms(sql`v.updated_at`)} as since, ${dayEnd(sql`v.deadline`)} as deadline,
               null::float8 as next_retry_at, v.amount_fen::float8 as amount_fen, null::int as n, v.last_print_error as text, null::text as code
        from vouchers v
        where v.status = 'issued' and v.last_print_error is not null and ${employer(sql`v.employer_id`)}`;
    case 'activity_failing':
      // The employer from the workflow id: declaration-<id>, void-<declaration id>-<n>, payment-<id>
      // (primary-key look-ups); batches and the service's own workflows have none.
      return sql`
        select * from (
          select distinct on (af.workflow_id)
                 coalesce(d.employer_id, p.employer_id) as employer_id, af.workflow_id as subject_id, ${ms(sql`af.failed_at`)} as since,
                 null::float8 as deadline, null::float8 as next_retry_at, null::float8 as amount_fen,
                 af.attempt as n, af.last_error as text, af.activity_type as code
          from activity_failures af
          left join declarations d on d.id = case
            when af.workflow_id like 'declaration-%' then substr(af.workflow_id, 13)
            when af.workflow_id like 'void-%' then regexp_replace(substr(af.workflow_id, 6), '-[0-9]+$', '') end
          left join payments p on p.id = case when af.workflow_id like 'payment-%' then substr(af.workflow_id, 9) end
          where af.attempt >= ${FAILING_ATTEMPTS} and not af.final and af.failed_at >= now() - make_interval(secs => ${FAILING_FRESH_MS / 1000})
          order by af.workflow_id, af.attempt desc
        ) f
        where ${employer(sql`f.employer_id`)}`;
    case 'schedule_run_failed':
      return sql`
        select null::text as employer_id, s.id as subject_id, ${ms(sql`r.scheduled_at`)} as since, null::float8 as deadline,
               null::float8 as next_retry_at, null::float8 as amount_fen, null::int as n, r.error as text, r.error_code as code
        from declaration_schedules s
        cross join lateral (select * from declaration_schedule_runs r where r.schedule_id = s.id order by r.scheduled_at desc limit 1) r
        where s.deleted_at is null and r.status = 'failed' and ${f.employerId === undefined ? sql`true` : sql`false`}`;
  }
}

interface RawRow {
  employer_id: string | null;
  subject_id: string;
  since: number;
  deadline: number | null;
  next_retry_at: number | null;
  amount_fen: number | null;
  n: number | null;
  text: string | null;
  code: string | null;
  total?: number | string;
}

const instant = (v: number | null) => (v === null ? null : new Date(Number(v)));

function toRow(r: RawRow): AttentionRow {
  return {
    employerId: r.employer_id,
    subjectId: r.subject_id,
    since: new Date(Number(r.since)),
    deadline: instant(r.deadline),
    nextRetryAt: instant(r.next_retry_at),
    amountFen: r.amount_fen === null ? null : Number(r.amount_fen),
    n: r.n === null ? null : Number(r.n),
    text: r.text,
    code: r.code,
  };
}

/**
 * Each listed kind's most urgent `limit` rows (by deadline, then since: so the first `limit` of
 * all kinds together are among them) and how many there are in all.
 */
export async function readAttention(db: Db, kinds: readonly AttentionKind[], f: AttentionFilter, limit: number): Promise<Map<AttentionKind, { rows: AttentionRow[]; total: number }>> {
  const read = kinds.map(async (kind) => {
    const raw = rowsOf<RawRow>(
      await db.execute(sql`
        select k.*, count(*) over () as total from (${kindQuery(kind, f)}) k
        order by k.deadline nulls last, k.since, k.subject_id
        limit ${limit}`),
    );
    return [kind, { rows: raw.map(toRow), total: Number(raw[0]?.total ?? 0) }] as const;
  });
  return new Map(await Promise.all(read));
}

/** How many items of every kind there are (for /metrics and the list's counts). */
export async function countAttention(db: Db, kinds: readonly AttentionKind[], f: AttentionFilter): Promise<Map<AttentionKind, number>> {
  const counted = kinds.map(async (kind) => {
    const [row] = rowsOf<{ n: number | string }>(await db.execute(sql`select count(*) as n from (${kindQuery(kind, f)}) k`));
    return [kind, Number(row?.n ?? 0)] as const;
  });
  return new Map(await Promise.all(counted));
}
