// (h) Audit appends: 16 writers at once, each a small state change (lock a row, update it, insert
// one: the shape of the service's own) with one audit entry, against the same transactions
// without it. The entry is written as the service writes it: by the insert's own statement
// (`auditing`), unchained, without a lock; the chainer runs in the background as in every process,
// and must keep up. For reference: the entry as a statement of its own (appendAudit), the append
// of before (one global lock), the entry carried by the update only if it changed the row (the
// service's status changes: `audited`), and a one-statement transaction with and without the entry.
import { sql } from 'drizzle-orm';
import { bigserial, integer, pgTable, timestamp } from 'drizzle-orm/pg-core';
import { GENESIS_HASH, appendAudit, audited, auditing, chainAudit, entryHash, startAuditChainer, verifyAuditLog, type AuditEntry } from '../src/db/audit';
import type { Db } from '../src/db/client';
import * as schema from '../src/db/schema';
import { log, round, type BenchEnv, type BenchResult } from './env';

const WRITERS = 16;
const ROUND_SECONDS = Number(process.env.BENCH_AUDIT_ROUND_SECONDS ?? 5);
const ROUNDS = 3;

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The rows the state change inserts, through the query builder as the service's own inserts. */
const benchWrites = pgTable('bench_writes', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  writer: integer('writer').notNull(),
  n: integer('n').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
});

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
  const entry = (writer: number, n: number): AuditEntry => ({ actor: 'bench', action: 'bench.write', subject: `W-${writer}`, detail: { n } });
  const insertOne = (tx: Tx, writer: number, n: number) => tx.insert(benchWrites).values({ writer, n });
  // As insertDeclaration and createPayment write theirs: the entry goes with the insert, one statement.
  const insertOneAudited = (tx: Tx, writer: number, n: number) => tx.with(auditing(tx, entry(writer, n))).insert(benchWrites).values({ writer, n });
  const lock = (tx: Tx, writer: number) => tx.execute(sql`select balance from bench_accounts where writer = ${writer} for update`);
  const update = (tx: Tx, writer: number) => tx.execute(sql`update bench_accounts set balance = balance + 1 where writer = ${writer}`);
  const write = async (tx: Tx, writer: number, n: number) => {
    await lock(tx, writer);
    await update(tx, writer);
    await insertOne(tx, writer, n);
  };
  const writeAudited = async (tx: Tx, writer: number, n: number) => {
    await lock(tx, writer);
    await update(tx, writer);
    await insertOneAudited(tx, writer, n);
  };
  // As the status changes write theirs (recordDecision, setPaymentState …): the update carries the entry, written only if it changed the row.
  const writeUpdateAudited = async (tx: Tx, writer: number, n: number) => {
    await lock(tx, writer);
    await audited(tx, sql`update bench_accounts set balance = balance + 1 where writer = ${writer} returning writer`, entry(writer, n));
    await insertOne(tx, writer, n);
  };
  const stopChainer = startAuditChainer(db, env.config.auditChainEveryMs, (err) => log(`audit: chainer failed: ${String(err)}`));
  try {
    log(`audit: ${WRITERS} writers, ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s each side`);
    await rate(db, 1, write); // warm-up
    const without: number[] = [];
    const withAudit: number[] = [];
    const ownStatement: number[] = [];
    const withLock: number[] = [];
    const onUpdate: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      without.push(await rate(db, ROUND_SECONDS, write));
      withAudit.push(await rate(db, ROUND_SECONDS, writeAudited));
      ownStatement.push(await rate(db, ROUND_SECONDS, (tx, writer, n) => write(tx, writer, n).then(() => appendAudit(tx, entry(writer, n)))));
      withLock.push(await rate(db, ROUND_SECONDS, (tx, writer, n) => write(tx, writer, n).then(() => lockedAppend(tx, entry(writer, n)))));
      onUpdate.push(await rate(db, ROUND_SECONDS, writeUpdateAudited));
    }
    const oneWithout = await rate(db, ROUND_SECONDS, insertOne);
    const oneWith = await rate(db, ROUND_SECONDS, insertOneAudited);
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
        `${WRITERS} writers, each its own connection, each transaction: select its row for update, update it, insert a row (through the query builder, as the service's inserts; so in the baseline too), the entry written by the insert's own statement (\`auditing\`, as insertDeclaration and createPayment write theirs); ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s each way: with the entry ${withAudit.map((x) => x.toFixed(0)).join(', ')}/s, without ${without.map((x) => x.toFixed(0)).join(', ')}/s.`,
        `The entry carried by the update instead, written only if it changed the row (\`audited\`, as the status changes write theirs: recordDecision, setPaymentState, recordAttempt …): ${mean(onUpdate).toFixed(0)}/s (${onUpdate.map((x) => x.toFixed(0)).join(', ')}), ${round(mean(onUpdate) / baseline)}× of the baseline.`,
        `The entry as a statement of its own after the insert (\`appendAudit\`, as the service's other writes still do): ${mean(ownStatement).toFixed(0)}/s (${ownStatement.map((x) => x.toFixed(0)).join(', ')}), ${round(mean(ownStatement) / baseline)}× of the baseline.`,
        `The append of before (one global advisory lock, read the last hash, insert) in the same transactions: ${locked.toFixed(0)}/s (${withLock.map((x) => x.toFixed(0)).join(', ')}), ${round(locked / baseline)}× of the baseline; ours is ${round(ours / locked)}× of it.`,
        `A one-statement transaction (one insert, the entry in its statement): ${oneWith.toFixed(0)}/s with the entry, ${oneWithout.toFixed(0)}/s without (${round(oneWith / oneWithout)}×).`,
        `The chainer ran every ${env.config.auditChainEveryMs} ms meanwhile; ${backlog} entries were still unchained at the end, chained in ${drainMs.toFixed(0)} ms (${drained} by the reader's call); the whole chain (${verdict.checked} entries) then verified intact in ${verifyMs.toFixed(0)} ms.`,
      ],
    };
  } finally {
    await stopChainer();
    await client.end({ timeout: 5 });
  }
}
