// The append-only audit log: who did what, when; each entry's hash covers the one before,
// so an edited or deleted entry breaks the chain. Writers only insert (no lock, no hashing);
// one chainer at a time hashes the committed entries just after, in order (docs/audit-chain.md).
import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gt, gte, isNotNull, isNull, like, lt, notInArray, sql, type ColumnsSelection, type SQL } from 'drizzle-orm';
import type { TypedQueryBuilder } from 'drizzle-orm/query-builders/query-builder';
import { rowsOf, type Db } from './client';
import { auditLog } from './schema';

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  detail?: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Canonical JSON (sorted keys) so the hash does not depend on key order after a round trip. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function entryHash(prevHash: string, e: { at: Date; actor: string; action: string; subject: string; detail: unknown }): string {
  return createHash('sha256')
    .update(canonical([prevHash, e.at.toISOString(), e.actor, e.action, e.subject, e.detail]))
    .digest('hex');
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * Appends entries inside the caller's transaction, unchained: no lock, so concurrent writers do
 * not wait for each other. The chainer ({@link chainAudit}) hashes them once they are committed.
 */
export async function appendAudit(tx: Tx | Db, ...entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.execute(sql`insert into ${auditLog} (at, actor, action, subject, detail) ${entryValues(entries)}`);
}

/**
 * The entries written by the state change's own statement, as a CTE in front of it:
 * `tx.with(auditing(tx, entry)).insert(declarations).values(…).returning()`. For a change that
 * always changes its row (an insert): the entries are written whenever the statement runs. One
 * statement instead of two on the hot path: the entry costs its row, not a round trip (bench (h)).
 */
export function auditing(tx: Tx | Db, ...entries: [AuditEntry, ...AuditEntry[]]) {
  return tx.$with('audit_entries', {}).as(sql`insert into ${auditLog} (at, actor, action, subject, detail) ${entryValues(entries)}`);
}

/**
 * Runs a change (an update or insert with `.returning(…)`, or SQL with a `returning`) and writes its
 * entries in the same statement only if it changed a row; answers whether it did. For the
 * conditional changes ("from submitted to accepted, once"): a repeat writes neither.
 */
export async function audited(tx: Tx | Db, change: TypedQueryBuilder<ColumnsSelection, unknown[]> | SQL, ...entries: [AuditEntry, ...AuditEntry[]]): Promise<boolean> {
  // The entries' insert is the outer statement: cheaper than a second CTE and a select (bench (h)).
  const written = await tx.execute(sql`
    with changed as (${change.getSQL()})
    insert into ${auditLog} (at, actor, action, subject, detail) select * from (${entryValues(entries)}) e where exists (select from changed)
    returning seq`);
  return rowsOf(written).length > 0;
}

/**
 * The entries as a VALUES list, all with the same time. Built as SQL, not with the query builder:
 * building that insert cost more CPU than the database's work for it (bench (h)).
 */
function entryValues(entries: readonly AuditEntry[]): SQL {
  // Millisecond precision (an ISO string): what PostgreSQL keeps must hash the same when read back.
  const at = new Date().toISOString();
  const rows = entries.map((e) => sql`(${at}::timestamptz, ${e.actor}, ${e.action}, ${e.subject}, ${JSON.stringify(e.detail ?? {})}::jsonb)`);
  return sql`values ${sql.join(rows, sql`, `)}`;
}

export type Transaction = Tx;

/** Only the chainer takes it, never a writer. */
const CHAIN_LOCK = 7023311;
/** Entries hashed per chainer transaction: keeps each one short. */
const CHAIN_BATCH = 1000;

/** One chainer step: up to CHAIN_BATCH committed unchained entries, or null if another chainer is at work. */
async function chainBatch(db: Db, wait: boolean): Promise<number | null> {
  return db.transaction(async (tx) => {
    if (wait) {
      await tx.execute(sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`);
    } else {
      const [got] = rowsOf<{ locked: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${CHAIN_LOCK}) as locked`));
      if (!got?.locked) return null;
    }
    // Read after the lock: the entries committed by then, including any a previous chainer left.
    const [last] = await tx.select({ pos: auditLog.chainPos, hash: auditLog.hash }).from(auditLog).where(isNotNull(auditLog.chainPos)).orderBy(desc(auditLog.chainPos)).limit(1);
    const pending = await tx.select().from(auditLog).where(isNull(auditLog.chainPos)).orderBy(asc(auditLog.seq)).limit(CHAIN_BATCH);
    if (pending.length === 0) return 0;
    let pos = last?.pos ?? 0;
    let prevHash = last?.hash ?? GENESIS_HASH;
    const links = pending.map((r) => {
      // Hashed as read back, so the check recomputes exactly this.
      const hash = entryHash(prevHash, r);
      const link = { seq: r.seq, pos: ++pos, prev: prevHash, hash };
      prevHash = hash;
      return link;
    });
    await tx.execute(sql`
      update audit_log set chain_pos = v.pos, prev_hash = v.prev, hash = v.hash
      from jsonb_to_recordset(${JSON.stringify(links)}::jsonb) as v(seq bigint, pos bigint, prev text, hash text)
      where audit_log.seq = v.seq`);
    return pending.length;
  });
}

/**
 * Chains the committed unchained entries: each gets the next chain position and its hash over
 * the one before. `wait`: wait for a chainer at work and then chain what is left (readers, so they
 * see every entry committed before they asked); otherwise leave it to that chainer (the timer).
 * Returns how many entries this call chained.
 */
export async function chainAudit(db: Db, opts: { wait?: boolean } = {}): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await chainBatch(db, opts.wait ?? false);
    if (n === null) return total;
    total += n;
    if (n < CHAIN_BATCH) return total;
  }
}

/** Chains every `intervalMs` in the background (every API and worker process runs one); returns a stop. */
export function startAuditChainer(db: Db, intervalMs: number, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = chainAudit(db).catch(onError);
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

// ---- Reading and checking the log (auditors) ----

/** A stored entry, as read back. */
export interface AuditRow {
  seq: number;
  /** The entry's place in the chain: the order it was chained in, without gaps. */
  chainPos: number;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  detail: unknown;
  prevHash: string;
  hash: string;
}

/** What the chain check needs of a row: its place, its links and whether its hash still fits it. */
export interface ChainLink {
  seq: number;
  /** The chain position: consecutive from 1, so a gap is a deleted entry. */
  pos: number;
  prevHash: string;
  hash: string;
  /** The stored hash is the hash of the row's content and its prevHash. */
  contentOk: boolean;
}

export type ChainProblem = 'edited' | 'deleted' | 'inserted';

export interface ChainVerdict {
  intact: boolean;
  checked: number;
  /** The last entry: keep its hash elsewhere to notice later that entries were cut off the end. */
  head: { seq: number; hash: string } | null;
  /** seq names the entry; for a deleted one, the seq after the entry before it (chainPos is exact). */
  firstBroken?: { seq: number; chainPos: number; problem: ChainProblem; detail: string };
}

export function linkOf(row: AuditRow): ChainLink {
  return { seq: row.seq, pos: row.chainPos, prevHash: row.prevHash, hash: row.hash, contentOk: entryHash(row.prevHash, row) === row.hash };
}

/**
 * Walks the chain in chain position order and names the first place where it breaks:
 * - `edited`: a row's content (or prevHash) no longer hashes to its stored hash, or a row was
 *   re-hashed so the next row no longer chains to it (its seq is the re-hashed row's);
 * - `deleted`: a row chains to a row that is not there, across a gap in the positions;
 * - `inserted`: rows that do not belong where they stand, a row put in or moved (seq: the first of them).
 * Gaps in seq are not a break (a rolled-back transaction uses up sequence numbers), nor is seq
 * out of order (a transaction that began first may commit, and be chained, later).
 * Cutting entries off the end cannot be seen from the chain; compare `head` with a copy kept elsewhere.
 */
export function checkChain(links: readonly ChainLink[]): ChainVerdict {
  const firstIndexOfHash = new Map<string, number>();
  const pointersTo = new Map<string, number[]>(); // prevHash → indexes of the rows chaining to it
  links.forEach((l, i) => {
    if (!firstIndexOfHash.has(l.hash)) firstIndexOfHash.set(l.hash, i);
    const list = pointersTo.get(l.prevHash) ?? [];
    list.push(i);
    pointersTo.set(l.prevHash, list);
  });
  const head = links.length > 0 ? { seq: links.at(-1)!.seq, hash: links.at(-1)!.hash } : null;
  const broken = (i: number, seq: number, chainPos: number, problem: ChainProblem, detail: string): ChainVerdict => ({
    intact: false,
    checked: i,
    head,
    firstBroken: { seq, chainPos, problem, detail },
  });

  for (let i = 0; i < links.length; i++) {
    const l = links[i]!;
    const before = i > 0 ? links[i - 1]! : undefined;
    const expected = before?.hash ?? GENESIS_HASH;
    const beforeSeq = before?.seq ?? 0;
    const beforePos = before?.pos ?? 0;
    const beforeName = before ? `row ${before.seq}` : 'the start of the log';
    if (l.prevHash !== expected) {
      // A later row still chains to the row before: the rows from here up to it were put in (or moved here).
      const later = (pointersTo.get(expected) ?? []).find((k) => k > i);
      if (later !== undefined) {
        const last = links[later - 1]!;
        const rows = last.seq === l.seq ? `row ${l.seq} does` : `rows ${l.seq}–${last.seq} do`;
        return broken(i, l.seq, l.pos, 'inserted', `${rows} not belong here: row ${links[later]!.seq} chains to ${beforeName}`);
      }
      const target = firstIndexOfHash.get(l.prevHash);
      if (target !== undefined && target < i - 1) {
        const first = links[target + 1]!;
        return broken(i, first.seq, first.pos, 'inserted', `row ${l.seq} chains to row ${links[target]!.seq}: the rows from ${first.seq} to ${beforeSeq} were put in between`);
      }
      if (target !== undefined) {
        return broken(i, l.seq, l.pos, 'inserted', `row ${l.seq} chains to row ${links[target]!.seq}, which comes after it: rows were reordered`);
      }
      if (l.pos > beforePos + 1) {
        const gone = l.pos - beforePos - 1;
        return broken(i, beforeSeq + 1, beforePos + 1, 'deleted', `row ${l.seq} chains to an entry that is gone: ${gone} deleted between ${beforeName} and row ${l.seq} (chain position ${beforePos + 1}${gone > 1 ? `–${l.pos - 1}` : ''})`);
      }
      if (before) {
        return broken(i, before.seq, before.pos, 'edited', `row ${l.seq} no longer chains to row ${before.seq}: that row was changed and hashed again (or rows were deleted and renumbered)`);
      }
      return broken(i, l.seq, l.pos, 'edited', `row ${l.seq} is the first entry but does not start the chain`);
    }
    if (!l.contentOk) {
      return broken(i, l.seq, l.pos, 'edited', `row ${l.seq} does not match its hash: its content was changed`);
    }
    if (l.pos !== beforePos + 1) {
      return broken(i, l.seq, l.pos, 'edited', `row ${l.seq} stands at chain position ${l.pos} but chains to ${beforeName} at ${beforePos}: its position was changed`);
    }
  }
  return { intact: true, checked: links.length, head };
}

/** The chain check over whole rows (see {@link checkChain}). */
export function verifyAuditChain(rows: readonly AuditRow[]): ChainVerdict {
  return checkChain(rows.map(linkOf));
}

export interface AuditQuery {
  from?: Date | undefined;
  to?: Date | undefined;
  actor?: string | undefined;
  action?: string | undefined; // a prefix, e.g. `payment.` or `declaration.accepted`
  subject?: string | undefined;
  /** Actions left out (the service's own upkeep). */
  excludeActions?: readonly string[] | undefined;
  /** Entries after this chain position (oldest first) or before it (newest first). */
  cursor?: number | undefined;
  order?: 'asc' | 'desc';
  limit: number;
}

/** A chained row (a hash cleared behind our back reads as '' and fails the check). */
function toRow(r: typeof auditLog.$inferSelect): AuditRow {
  return { seq: r.seq, chainPos: r.chainPos ?? 0, at: r.at, actor: r.actor, action: r.action, subject: r.subject, detail: r.detail, prevHash: r.prevHash ?? '', hash: r.hash ?? '' };
}

/** Who did what and when, filtered, a page at a time, in chain order (every entry committed before the call). */
export async function queryAudit(db: Db, q: AuditQuery): Promise<AuditRow[]> {
  await chainAudit(db, { wait: true });
  const order = q.order ?? 'asc';
  const where = and(
    isNotNull(auditLog.chainPos),
    q.from ? gte(auditLog.at, q.from) : undefined,
    q.to ? lt(auditLog.at, q.to) : undefined,
    q.actor ? eq(auditLog.actor, q.actor) : undefined,
    q.action ? like(auditLog.action, `${q.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
    q.subject ? eq(auditLog.subject, q.subject) : undefined,
    q.excludeActions?.length ? notInArray(auditLog.action, [...q.excludeActions]) : undefined,
    q.cursor !== undefined ? (order === 'asc' ? gt(auditLog.chainPos, q.cursor) : lt(auditLog.chainPos, q.cursor)) : undefined,
  );
  const rows = await db
    .select()
    .from(auditLog)
    .where(where)
    .orderBy(order === 'asc' ? asc(auditLog.chainPos) : desc(auditLog.chainPos))
    .limit(q.limit);
  return rows.map(toRow);
}

/** Chains what is committed, then recomputes the whole chain from the database, a page at a time. */
export async function verifyAuditLog(db: Db, pageSize = 5000): Promise<ChainVerdict> {
  await chainAudit(db, { wait: true });
  const links: ChainLink[] = [];
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const page = await db.select().from(auditLog).where(gt(auditLog.chainPos, after)).orderBy(asc(auditLog.chainPos)).limit(pageSize);
    for (const r of page) links.push(linkOf(toRow(r)));
    if (page.length < pageSize) break;
    after = page.at(-1)!.chainPos!;
  }
  return checkChain(links);
}
