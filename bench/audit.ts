// (h) Audit appends: 16 writers at once, each a small state change (lock a row, update it, insert
// one: the shape of the service's own) with one audit entry, against the same transactions
// without it. Entries go in unchained, without a lock; the chainer runs in the background as in
// every process, and must keep up. For reference: the same with the append of before (one global
// lock), and a one-statement transaction with and without the entry.
import { sql } from 'drizzle-orm';
import { GENESIS_HASH, appendAudit, chainAudit, entryHash, startAuditChainer, verifyAuditLog, type AuditEntry } from '../src/db/audit';
import type { Db } from '../src/db/client';
import * as schema from '../src/db/schema';
import { log, round, type BenchEnv, type BenchResult } from './env';

const WRITERS = 16;
const ROUND_SECONDS = Number(process.env.BENCH_AUDIT_ROUND_SECONDS ?? 5);
const ROUNDS = 3;

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The append before the chainer (kept here only to measure against): every writer waits for one lock. */
async function lockedAppend(tx: Tx, e: AuditEntry): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(7023312)`);
  const [last] = (await tx.execute(sql`select hash from bench_audit_locked order by seq desc limit 1`)) as unknown as { hash: string }[];
  const prevHash = last?.hash ?? GENESIS_HASH;
  const row = { at: new Date(), actor: e.actor, action: e.action, subject: e.subject, detail: e.detail ?? {} };
  await tx.execute(sql`
    insert into bench_audit_locked (at, actor, action, subject, detail, prev_hash, hash)
    values (${row.at.toISOString()}, ${row.actor}, ${row.action}, ${row.subject}, ${JSON.stringify(row.detail)}::jsonb, ${prevHash}, ${entryHash(prevHash, row)})`);
}

/** Transactions per second that `writers` loops running `body` in a transaction manage for `seconds`. */
async function rate(db: Db, seconds: number, body: (tx: Tx, writer: number, n: number) => Promise<unknown>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      for (let n = 0; performance.now() < end; n++) {
        await db.transaction((tx) => body(tx, writer, n));
        done++;
      }
    }),
  );
  return (done / (performance.now() - started)) * 1000;
}

export async function benchAudit(env: BenchEnv): Promise<BenchResult> {
  // A connection per writer (the service's pool has 10), so the pool is not what limits them.
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const client = postgres(env.databaseUrl, { max: WRITERS + 2, onnotice: () => {} });
  const db = drizzle(client, { schema }) as unknown as Db;
  await db.execute(sql`create table if not exists bench_writes (id bigserial primary key, writer int not null, n int not null, at timestamptz not null default now())`);
  await db.execute(sql`create table if not exists bench_accounts (writer int primary key, balance bigint not null)`);
  await db.execute(sql`insert into bench_accounts select g, 0 from generate_series(0, ${WRITERS - 1}) g on conflict do nothing`);
  await db.execute(sql`create table if not exists bench_audit_locked (like audit_log including defaults including indexes)`);
  const insertOne = (tx: Tx, writer: number, n: number) => tx.execute(sql`insert into bench_writes (writer, n) values (${writer}, ${n})`);
  const write = async (tx: Tx, writer: number, n: number) => {
    await tx.execute(sql`select balance from bench_accounts where writer = ${writer} for update`);
    await tx.execute(sql`update bench_accounts set balance = balance + 1 where writer = ${writer}`);
    await insertOne(tx, writer, n);
  };
  const entry = (writer: number, n: number): AuditEntry => ({ actor: 'bench', action: 'bench.write', subject: `W-${writer}`, detail: { n } });
  const stopChainer = startAuditChainer(db, env.config.auditChainEveryMs, (err) => log(`audit: chainer failed: ${String(err)}`));
  try {
    log(`audit: ${WRITERS} writers, ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s each side`);
    await rate(db, 1, write); // warm-up
    const without: number[] = [];
    const withAudit: number[] = [];
    const withLock: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      without.push(await rate(db, ROUND_SECONDS, write));
      withAudit.push(await rate(db, ROUND_SECONDS, (tx, writer, n) => write(tx, writer, n).then(() => appendAudit(tx, entry(writer, n)))));
      withLock.push(await rate(db, ROUND_SECONDS, (tx, writer, n) => write(tx, writer, n).then(() => lockedAppend(tx, entry(writer, n)))));
    }
    const oneWithout = await rate(db, ROUND_SECONDS, insertOne);
    const oneWith = await rate(db, ROUND_SECONDS, (tx, writer, n) => insertOne(tx, writer, n).then(() => appendAudit(tx, entry(writer, n))));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const ours = mean(withAudit);
    const baseline = mean(without);
    const locked = mean(withLock);
    const [{ backlog }] = (await db.execute(sql`select count(*)::int as backlog from audit_log where chain_pos is null`)) as unknown as [{ backlog: number }];
    const drainStarted = performance.now();
    const drained = await chainAudit(db, { wait: true });
    const drainMs = performance.now() - drainStarted;
    const verifyStarted = performance.now();
    const verdict = await verifyAuditLog(db);
    const verifyMs = performance.now() - verifyStarted;
    if (!verdict.intact) throw new Error(`the chain is broken after the run: ${JSON.stringify(verdict.firstBroken)}`);
    const ratio = round(ours / baseline);
    log(`audit: ${ours.toFixed(0)}/s with an audit entry, ${baseline.toFixed(0)}/s without; ${backlog} unchained at the end`);
    return {
      name: '(h) audit appends, 16 writers',
      measure: 'transactions per second, each a small state change (and one audit entry)',
      ours: `${ours.toFixed(0)}/s`,
      baseline: `${baseline.toFixed(0)}/s: the same transactions without the audit entry`,
      ratio,
      target: '≥ 0.8×',
      met: ratio >= 0.8,
      details: [
        `${WRITERS} writers, each its own connection, each transaction: select its row for update, update it, insert a row (the shape of the service's state changes), then the audit entry; ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s each side: with the entry ${withAudit.map((x) => x.toFixed(0)).join(', ')}/s, without ${without.map((x) => x.toFixed(0)).join(', ')}/s.`,
        `The append of before (one global advisory lock, read the last hash, insert) in the same transactions: ${locked.toFixed(0)}/s (${withLock.map((x) => x.toFixed(0)).join(', ')}), ${round(locked / baseline)}× of the baseline; the chainer's append is ${round(ours / locked)}× of it.`,
        `A one-statement transaction (one insert) is the worst case: ${oneWith.toFixed(0)}/s with the entry, ${oneWithout.toFixed(0)}/s without (${round(oneWith / oneWithout)}×): the entry's cost is that of a second statement, not of the chain.`,
        `The chainer ran every ${env.config.auditChainEveryMs} ms meanwhile; ${backlog} entries were still unchained at the end, chained in ${drainMs.toFixed(0)} ms (${drained} by the reader's call); the whole chain (${verdict.checked} entries) then verified intact in ${verifyMs.toFixed(0)} ms.`,
      ],
    };
  } finally {
    await stopChainer();
    await client.end({ timeout: 5 });
  }
}
