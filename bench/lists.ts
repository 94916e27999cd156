// (i) Lists on a seeded year: 10,000 employers with a year of declarations (12 each, 5 lines each),
// their payments and vouchers, monthly batches (completed, with their counts stored as completion
// stores them), schedules and certificates, written straight into PostgreSQL with generate_series;
// then each list route and filter through the API over HTTP, its first page and a page 10,000 rows
// deep (reached by following `nextCursor`), against the 200 ms p95 target, and the attention list
// against its own 500 ms.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import postgres from 'postgres';
import { countEntries, getBatch } from '../src/db/batches';
import { OPERATOR_KEY, startApi } from './api';
import { log, percentile, round, type BenchEnv, type BenchResult } from './env';

const EMPLOYERS = Number(process.env.BENCH_LIST_EMPLOYERS ?? 10_000);
const SAMPLES = Number(process.env.BENCH_LIST_SAMPLES ?? 30);
const WARM = 3;
const DEEP_ROWS = 10_000;
const TARGET_MS = 200;
const ATTENTION_TARGET_MS = 500;
/** The month view (issue 30): every employer × one period, with the totals; two periods read twice the lines. */
const MONTH_TARGET_MS = 300;
const MONTH_TWO_PERIODS_TARGET_MS = 2 * MONTH_TARGET_MS;

/**
 * The seeded year's first month: 11 months and 28 days before today, 01:00 UTC. Its last month's
 * records are then as recent as the attention list's windows look (ATTENTION_WINDOW_DAYS 30, lines
 * due within ATTENTION_DEADLINE_DAYS 5), whatever day the benchmark runs.
 */
function seedStart(today: Date): Date {
  const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 28, 1));
  start.setUTCMonth(start.getUTCMonth() - 11);
  return start;
}

/** The day (YYYY-MM-DD) `months` months and `days` days after `from`. */
function dayAfter(from: Date, months: number, days = 0): string {
  const d = new Date(from);
  d.setUTCMonth(d.getUTCMonth() + months);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * The completed batches' counts as completing them stores them: the statement with which their
 * migration filled them in for batches completed before, counting as countBatch does (the bench
 * checks one batch against a count; tests/api/batch.test.ts the statement).
 */
const STORE_COUNTS = readFileSync(new URL('../migrations/0014_batch_final_counts.sql', import.meta.url), 'utf8')
  .split('--> statement-breakpoint')
  .find((statement) => statement.includes('UPDATE "declaration_batches"'))!;

/**
 * A year, month by month from `start`: declarations on the first ten days of each month, paid the
 * next day; the last month unpaid but for failed and retried deductions and vouchers at the bank,
 * 2% of its declarations without a result (result_unknown). Each of the attention list's kinds
 * has its records: retried and failed payments, rejected and unknown declarations, lines and
 * vouchers near their last day, a voucher whose print failed, stale activity failures, a schedule
 * whose last run failed.
 */
const SEED = (n: number, start: Date) => {
  const t0 = `timestamptz '${start.toISOString()}'`;
  return `
insert into employers (id, taxpayer_id, unit_number, name, tax_office_code, tax_office_name, password_change_required, created_at)
select 'BE' || lpad(e::text, 5, '0'), '91BENCH' || lpad(e::text, 11, '0'), '88' || lpad(e::text, 8, '0'),
       (array['北京', '上海', '杭州', '广州', '成都'])[1 + e % 5] || '第' || e || '号科技有限公司', '13301000000', '测试税务局', false,
       ${t0} - interval '1 month' + e * interval '1 second'
from generate_series(1, ${n}) e;

insert into declarations (id, employer_id, kind, status, payment_status, total_fen, workflow_id, serial, declared_by, declared_at, decided_at)
select 'BD' || lpad(e::text, 5, '0') || '-' || lpad(m::text, 2, '0'), 'BE' || lpad(e::text, 5, '0'), 'regular', s.status,
       case when m < 11 and s.status = 'accepted' then 'paid' else 'unpaid' end,
       500000, 'declaration-BD' || e || '-' || m, case when s.status <> 'result_unknown' then 'S' || e || '-' || m end, 'bench',
       ${t0} + m * interval '1 month' + ((e * 7919) % 864000) * interval '1 second',
       case when s.status <> 'result_unknown' then ${t0} + m * interval '1 month' + ((e * 7919) % 864000 + 60) * interval '1 second' end
from generate_series(1, ${n}) e, generate_series(0, 11) m,
     lateral (select case when (e + m) % 20 = 0 then 'rejected' when m = 11 and e % 50 = 25 then 'result_unknown' else 'accepted' end as status) s;

insert into declaration_lines (id, declaration_id, item_id, unit_number, insurance_type, agency, period, headcount, base_fen, employer_fen, employee_fen, amount_fen, collection_order, valid_until, paid_fen, holds_item)
select d.id || ':' || t, d.id, d.id || ':' || t, '88', (array['pension', 'medical', 'unemployment', 'work_injury', 'maternity'])[t], '社保中心',
       to_char(d.declared_at, 'YYYY-MM'), 10, 1000000, 80000, 20000, 100000, 'C' || d.id || t, (d.declared_at + interval '20 days')::date,
       case when d.payment_status = 'paid' then 100000 else 0 end, d.status <> 'rejected'
from declarations d, generate_series(1, 5) t;

insert into payments (id, employer_id, method, status, total_fen, line_ids, workflow_id, next_retry_at, deadline, reason, created_by, created_at, updated_at)
select 'BP' || substr(d.id, 3), d.employer_id, 'three_party',
       case when d.payment_status = 'paid' then 'paid' when right(d.employer_id, 1) = '0' then 'awaiting_retry' else 'failed' end,
       d.total_fen, '[]'::jsonb, 'payment-' || d.id,
       case when d.payment_status <> 'paid' and right(d.employer_id, 1) = '0' then now() + (right(d.employer_id, 2)::int % 24) * interval '1 hour' end,
       d.declared_at + interval '20 days', case when d.payment_status <> 'paid' then '余额不足 (insufficient balance)' end,
       'bench', d.declared_at + interval '1 day', d.declared_at + interval '1 day'
from declarations d
where d.status = 'accepted' and (d.payment_status = 'paid' or right(d.employer_id, 1) in ('0', '1'));

-- The last month's vouchers at the bank (employers ending in 2), one in ten with a failed print.
insert into payments (id, employer_id, method, status, total_fen, line_ids, workflow_id, deadline, created_by, created_at, updated_at)
select 'BV' || substr(d.id, 3), d.employer_id, 'bank_voucher', 'voucher_issued', d.total_fen, '[]'::jsonb, 'payment-V' || d.id,
       d.declared_at + interval '20 days', 'bench', d.declared_at + interval '1 day', d.declared_at + interval '1 day'
from declarations d
where d.status = 'accepted' and d.payment_status = 'unpaid' and right(d.employer_id, 1) = '2';

insert into vouchers (id, payment_id, employer_id, voucher_number, status, amount_fen, issued_at, deadline, print_count, last_print_error, updated_at)
select 'V' || p.id, p.id, p.employer_id, 'N' || p.id, 'issued', p.total_fen, p.created_at, (p.deadline)::date,
       1, case when right(p.employer_id, 2) = '12' then 'printer offline' end, p.created_at
from payments p
where p.method = 'bank_voucher';

insert into payment_lines (payment_id, line_id, item_id, amount_fen, open)
select p.id, 'BD' || substr(p.id, 3) || ':' || t, 'BD' || substr(p.id, 3) || ':' || t, 100000, p.status in ('awaiting_retry', 'voucher_issued')
from payments p, generate_series(1, 5) t;

update payments p set periods = array(select distinct dl.period from payment_lines pl join declaration_lines dl on dl.id = pl.line_id where pl.payment_id = p.id order by 1);

insert into payment_attempts (payment_id, n, deduction_key, at, outcome, code)
select p.id, 1, p.id || '-1', p.created_at, case when p.status = 'paid' then 'succeeded' else 'failed' end, case when p.status = 'paid' then '90000' else 'INSUFFICIENT_BALANCE' end
from payments p
where p.method = 'three_party';

insert into declaration_batches (id, period, status, total, all_employers, concurrency, workflow_id, created_by, created_at, finished_at)
select 'BB' || m, to_char(${t0} + m * interval '1 month', 'YYYY-MM'), 'completed', ${n}, true, 20, 'batch-BB' || m, 'bench',
       ${t0} + m * interval '1 month', ${t0} + interval '10 days' + m * interval '1 month'
from generate_series(0, 11) m;

insert into declaration_batch_entries (batch_id, n, employer_id, status, declaration_id)
select 'BB' || m, e - 1, 'BE' || lpad(e::text, 5, '0'), 'done', 'BD' || lpad(e::text, 5, '0') || '-' || lpad(m::text, 2, '0')
from generate_series(1, ${n}) e, generate_series(0, 11) m;

-- A monthly schedule for all employers, whose runs started the batches; one for a list, whose last run failed.
insert into declaration_schedules (id, name, employer_ids, day_of_month, "time", period, temporal_schedule_id, paused, sync_version, synced_version, created_by, created_at, updated_at)
values ('BS1', '每月全部单位', null, 1, '09:00', 'current_month', 'bench-BS1', true, 1, 1, 'bench', ${t0} - interval '1 month', ${t0} - interval '1 month'),
       ('BS2', '重点单位', '["BE00001", "BE00002", "BE99999"]', 2, '09:00', 'current_month', 'bench-BS2', true, 1, 1, 'bench', ${t0} - interval '1 month', ${t0} - interval '1 month');

insert into declaration_schedule_runs (schedule_id, scheduled_at, trigger, period, status, batch_id, error_code, error, triggered_by)
select 'BS1', ${t0} + m * interval '1 month', 'calendar', to_char(${t0} + m * interval '1 month', 'YYYY-MM'), 'started', 'BB' || m, null, null, 'schedule:BS1'
from generate_series(0, 11) m
union all
select 'BS2', ${t0} + m * interval '1 month' + interval '1 day', 'calendar', to_char(${t0} + m * interval '1 month', 'YYYY-MM'), 'failed', null,
       'UNKNOWN_EMPLOYERS', 'unknown employers: BE99999', 'schedule:BS2'
from generate_series(9, 11) m;

-- Steps that failed five times and more during the year, long since stale (1 declaration in 100).
insert into activity_failures (workflow_id, activity_id, activity_type, attempt, last_error, final, failed_at)
select 'declaration-' || d.id, '2', 'fetchDeclarationResult', 5 + right(d.employer_id, 1)::int, 'bureau timeout', false, d.declared_at + interval '1 hour'
from declarations d
where right(d.employer_id, 2) = '03';

insert into certificates (id, employer_id, kind, period, certificate_number, issue_date, pdf_path, pdf_sha256, created_by, created_at)
select 'BC' || lpad(e::text, 5, '0') || '-' || k, 'BE' || lpad(e::text, 5, '0'), case when k = 1 then 'payment' else 'tax' end, '2026-0' || k,
       'N' || e || k, date '2026-03-01' + k, 'certificates/x.pdf', repeat('0', 64), 'bench', timestamptz '2026-03-01 02:00:00+00' + k * interval '1 day' + e * interval '1 second'
from generate_series(1, ${n}) e, generate_series(1, 2) k;
`;
};

interface Scenario {
  route: string;
  path: string;
  query: Record<string, string>;
  /** The key of the page's items, to follow `nextCursor` to a deep page. */
  items: string;
  /** p95 target in ms (the lists': 200). */
  target?: number;
}

/** Every list and filter; the date filters on months 3–5 of the seeded year. */
function scenarios(start: Date): Scenario[] {
  const employer = `BE${String(Math.min(4242, EMPLOYERS)).padStart(5, '0')}`; // one that is seeded however many are
  const threeMonths = { declaredFrom: dayAfter(start, 3), declaredTo: dayAfter(start, 6, -1) };
  const oneMonth = { declaredFrom: dayAfter(start, 3), declaredTo: dayAfter(start, 4, -1) };
  const lastPeriod = dayAfter(start, 11).slice(0, 7);
  return [
    { route: 'GET /api/employers', path: '/api/employers', query: {}, items: 'employers' },
    { route: 'GET /api/employers', path: '/api/employers', query: { q: '杭州第12' }, items: 'employers' },
    { route: 'GET /api/employers', path: '/api/employers', query: { q: '91bench0000000042' }, items: 'employers' },
    { route: 'GET /api/employers', path: '/api/employers', query: { q: '8800004242' }, items: 'employers' },
    { route: 'GET /api/declarations', path: '/api/declarations', query: {}, items: 'declarations' },
    { route: 'GET /api/declarations', path: '/api/declarations', query: { employerId: employer }, items: 'declarations' },
    { route: 'GET /api/declarations', path: '/api/declarations', query: { status: 'rejected' }, items: 'declarations' },
    { route: 'GET /api/declarations', path: '/api/declarations', query: { status: 'accepted' }, items: 'declarations' },
    { route: 'GET /api/declarations', path: '/api/declarations', query: threeMonths, items: 'declarations' },
    { route: 'GET /api/declarations', path: '/api/declarations', query: { status: 'rejected', ...oneMonth }, items: 'declarations' },
    // A fee period (issue 30): a month's declarations and payments, by their lines.
    { route: 'GET /api/declarations', path: '/api/declarations', query: { period: dayAfter(start, 4).slice(0, 7) }, items: 'declarations' },
    { route: 'GET /api/payments', path: '/api/payments', query: {}, items: 'payments' },
    { route: 'GET /api/payments', path: '/api/payments', query: { employerId: employer }, items: 'payments' },
    { route: 'GET /api/payments', path: '/api/payments', query: { status: 'awaiting_retry' }, items: 'payments' },
    { route: 'GET /api/payments', path: '/api/payments', query: { status: 'paid' }, items: 'payments' },
    { route: 'GET /api/payments', path: '/api/payments', query: { period: dayAfter(start, 4).slice(0, 7) }, items: 'payments' },
    { route: 'GET /api/declaration-batches', path: '/api/declaration-batches', query: {}, items: 'batches' },
    { route: 'GET /api/employers/:id/certificates', path: `/api/employers/${employer}/certificates`, query: {}, items: 'certificates' },
    // The month at a glance: 10,000 employers × the seeded year's last period (and two), filtered, sorted.
    { route: 'GET /api/month', path: '/api/month', query: { period: lastPeriod, periods: '1' }, items: 'rows', target: MONTH_TARGET_MS },
    { route: 'GET /api/month', path: '/api/month', query: { period: lastPeriod, periods: '1', needsMe: 'true', sort: 'unpaid' }, items: 'rows', target: MONTH_TARGET_MS },
    { route: 'GET /api/month', path: '/api/month', query: { period: lastPeriod, periods: '2' }, items: 'rows', target: MONTH_TWO_PERIODS_TARGET_MS },
    // Every kind's query, most urgent first, and the counts of all (no cursor: one answer).
    { route: 'GET /api/attention', path: '/api/attention', query: {}, items: 'items', target: ATTENTION_TARGET_MS },
    { route: 'GET /api/attention', path: '/api/attention', query: { kind: 'payment_failed' }, items: 'items', target: ATTENTION_TARGET_MS },
  ];
}

export async function benchLists(env: BenchEnv): Promise<BenchResult> {
  const start = seedStart(new Date());
  const sql = postgres(env.databaseUrl, { max: 1, onnotice: () => {} });
  const seedStarted = performance.now();
  try {
    await sql.unsafe(SEED(EMPLOYERS, start));
    await sql.unsafe(STORE_COUNTS);
    await sql.unsafe('analyze');
  } finally {
    await sql.end();
  }
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const counts = await countRows(env.databaseUrl);
  log(`lists: seeded from ${start.toISOString().slice(0, 10)} in ${seedSeconds.toFixed(0)} s: ${JSON.stringify(counts)}`);
  // The stored counts are what completing the batch would have stored.
  const lastBatch = 'BB11';
  const stored = (await getBatch(env.database.db, lastBatch))?.finalCounts;
  const counted = (await countEntries(env.database.db, [lastBatch])).get(lastBatch);
  if (!isDeepStrictEqual(stored, counted)) {
    throw new Error(`the seeded counts of ${lastBatch} ${JSON.stringify(stored)} are not its count ${JSON.stringify(counted)}`);
  }

  const { app, url } = await startApi(env);
  const headers = { authorization: `Bearer ${OPERATOR_KEY}` };
  const get = async (path: string, query: Record<string, string>) => {
    const started = performance.now();
    const res = await fetch(`${url}${path}?${new URLSearchParams(query)}`, { headers });
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - started, body };
  };
  const p95Of = async (path: string, query: Record<string, string>, items: string) => {
    for (let i = 0; i < WARM; i++) await get(path, query);
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const r = await get(path, query);
      times.push(r.ms);
      rows = (r.body[items] as unknown[]).length;
    }
    return { p95: percentile(times, 95), p50: percentile(times, 50), rows };
  };
  try {
    const lines: { label: string; target: number; p95: number; p50: number; rows: number }[] = [];
    for (const s of scenarios(start)) {
      const target = s.target ?? TARGET_MS;
      const label = `${s.route}${Object.keys(s.query).length ? `?${new URLSearchParams(s.query)}` : ''}`;
      const first = await p95Of(s.path, s.query, s.items);
      lines.push({ label: `${label} (first page)`, target, ...first });
      // Deep: follow the cursor 10,000 rows in, 500 a page, when the list pages and the filter has that many.
      let cursor: string | null = null;
      let depth = 0;
      if (s.target === undefined) {
        do {
          const page = await get(s.path, { ...s.query, limit: '500', ...(cursor ? { cursor } : {}) });
          depth += (page.body[s.items] as unknown[]).length;
          cursor = page.body.nextCursor as string | null;
        } while (cursor && depth < DEEP_ROWS);
      }
      if (cursor) lines.push({ label: `${label} (page after ${depth.toLocaleString('en')} rows)`, target, ...(await p95Of(s.path, { ...s.query, cursor }, s.items)) });
      log(`lists: ${label}: first page p95 ${first.p95.toFixed(0)} ms${cursor ? `, deep p95 ${lines.at(-1)!.p95.toFixed(0)} ms` : ''}`);
    }
    const attention = (await get('/api/attention', {})).body.counts as Record<string, number>;
    log(`lists: attention items by kind: ${JSON.stringify(attention)}`);
    // The worst line of each target, and the worst against its target.
    const targets = [...new Set(lines.map((l) => l.target))];
    const worstOf = targets.map((target) => lines.filter((l) => l.target === target).reduce((a, b) => (b.p95 > a.p95 ? b : a)));
    const worst = worstOf.reduce((a, b) => (b.p95 / b.target > a.p95 / a.target ? b : a));
    return {
      name: '(i) lists on a seeded year',
      measure: `p95 latency of each list route and filter over HTTP (first page and a page ${DEEP_ROWS.toLocaleString('en')} rows deep by cursor), and of the attention list`,
      ours: worstOf.map((l) => `worst p95 ${l.p95.toFixed(0)} ms of ${l.target} ms (${l.label})`).join('; '),
      baseline: `${targets.map((t) => `${t} ms`).join(', ')} (the targets)`,
      ratio: round(worst.p95 / worst.target),
      target: `p95 ≤ ${TARGET_MS} ms on every list, ≤ ${ATTENTION_TARGET_MS} ms for GET /api/attention, ≤ ${MONTH_TARGET_MS} ms for GET /api/month of one period (${MONTH_TWO_PERIODS_TARGET_MS} ms of two)`,
      met: lines.every((l) => l.p95 <= l.target),
      details: [
        `Seeded straight into PostgreSQL with generate_series in ${seedSeconds.toFixed(0)} s, the year from ${start.toISOString().slice(0, 10)}: ${Object.entries(counts).map(([t, c]) => `${c.toLocaleString('en')} ${t}`).join(', ')}.`,
        `${SAMPLES} sequential requests per line after ${WARM} warm-ups, default page size (100; batches 50; attention 200), API and PostgreSQL on this machine.`,
        ...lines.map((l) => `${l.label}: p95 ${l.p95.toFixed(0)} ms, p50 ${l.p50.toFixed(0)} ms, ${l.rows} rows (target ${l.target} ms)`),
        `The attention list's items by kind: ${Object.entries(attention).map(([k, n]) => `${k} ${n.toLocaleString('en')}`).join(', ')}.`,
      ],
    };
  } finally {
    await app.close();
  }
}

async function countRows(url: string): Promise<Record<string, number>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const out: Record<string, number> = {};
    for (const t of ['employers', 'declarations', 'declaration_lines', 'payments', 'payment_lines', 'vouchers', 'declaration_batch_entries', 'activity_failures', 'certificates']) {
      const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${t}`);
      out[t] = row!.n;
    }
    return out;
  } finally {
    await sql.end();
  }
}
