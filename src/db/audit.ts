// The append-only audit log: who did what, when; each entry's hash covers the one before,
// so an edited or deleted entry breaks the chain.
import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gt, gte, like, lt, sql } from 'drizzle-orm';
import type { Db } from './client';
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

/** Appends entries inside the caller's transaction; an advisory lock keeps the chain linear. */
export async function appendAudit(tx: Tx | Db, ...entries: AuditEntry[]): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(7023311)`);
  const [last] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  let prevHash = last?.hash ?? GENESIS_HASH;
  for (const e of entries) {
    // Millisecond precision: what PostgreSQL keeps must hash the same when read back.
    const at = new Date(Math.floor(Date.now()));
    const detail = e.detail ?? {};
    const hash = entryHash(prevHash, { at, actor: e.actor, action: e.action, subject: e.subject, detail });
    await tx.insert(auditLog).values({ at, actor: e.actor, action: e.action, subject: e.subject, detail, prevHash, hash });
    prevHash = hash;
  }
}

export type Transaction = Tx;

// ---- Reading and checking the log (auditors) ----

/** A stored entry, as read back. */
export interface AuditRow {
  seq: number;
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
  firstBroken?: { seq: number; problem: ChainProblem; detail: string };
}

export function linkOf(row: AuditRow): ChainLink {
  return { seq: row.seq, prevHash: row.prevHash, hash: row.hash, contentOk: entryHash(row.prevHash, row) === row.hash };
}

/**
 * Walks the chain in seq order and names the first place where it breaks:
 * - `edited`: a row's content (or prevHash) no longer hashes to its stored hash, or a row was
 *   re-hashed so the next row no longer chains to it (its seq is the re-hashed row's);
 * - `deleted`: a row chains to a row that is not there, across a gap in seq (seq: the first missing);
 * - `inserted`: rows that do not belong where they stand, a row put in or moved (seq: the first of them).
 * Gaps in seq alone are not a break: a rolled-back transaction uses up sequence numbers.
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
  const broken = (i: number, seq: number, problem: ChainProblem, detail: string): ChainVerdict => ({
    intact: false,
    checked: i,
    head,
    firstBroken: { seq, problem, detail },
  });

  for (let i = 0; i < links.length; i++) {
    const l = links[i]!;
    const before = i > 0 ? links[i - 1]! : undefined;
    const expected = before?.hash ?? GENESIS_HASH;
    const beforeSeq = before?.seq ?? 0;
    const beforeName = before ? `row ${before.seq}` : 'the start of the log';
    if (l.prevHash !== expected) {
      // A later row still chains to the row before: the rows from here up to it were put in (or moved here).
      const later = (pointersTo.get(expected) ?? []).find((k) => k > i);
      if (later !== undefined) {
        const last = links[later - 1]!;
        const rows = last.seq === l.seq ? `row ${l.seq} does` : `rows ${l.seq}–${last.seq} do`;
        return broken(i, l.seq, 'inserted', `${rows} not belong here: row ${links[later]!.seq} chains to ${beforeName}`);
      }
      const target = firstIndexOfHash.get(l.prevHash);
      if (target !== undefined && target < i - 1) {
        const first = links[target + 1]!;
        return broken(i, first.seq, 'inserted', `row ${l.seq} chains to row ${links[target]!.seq}: the rows from ${first.seq} to ${beforeSeq} were put in between`);
      }
      if (target !== undefined) {
        return broken(i, l.seq, 'inserted', `row ${l.seq} chains to row ${links[target]!.seq}, which comes after it: rows were reordered`);
      }
      if (l.seq > beforeSeq + 1) {
        return broken(i, beforeSeq + 1, 'deleted', `row ${l.seq} chains to an entry that is gone: deleted between ${beforeName} and row ${l.seq}`);
      }
      if (before) {
        return broken(i, before.seq, 'edited', `row ${l.seq} no longer chains to row ${before.seq}: that row was changed and hashed again (or rows were deleted and renumbered)`);
      }
      return broken(i, l.seq, 'edited', `row ${l.seq} is the first entry but does not start the chain`);
    }
    if (!l.contentOk) {
      return broken(i, l.seq, 'edited', `row ${l.seq} does not match its hash: its content was changed`);
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
  /** Entries after this seq (oldest first) or before it (newest first). */
  cursor?: number | undefined;
  order?: 'asc' | 'desc';
  limit: number;
}

function toRow(r: typeof auditLog.$inferSelect): AuditRow {
  return { seq: r.seq, at: r.at, actor: r.actor, action: r.action, subject: r.subject, detail: r.detail, prevHash: r.prevHash, hash: r.hash };
}

/** Who did what and when, filtered, a page at a time. */
export async function queryAudit(db: Db, q: AuditQuery): Promise<AuditRow[]> {
  const order = q.order ?? 'asc';
  const where = and(
    q.from ? gte(auditLog.at, q.from) : undefined,
    q.to ? lt(auditLog.at, q.to) : undefined,
    q.actor ? eq(auditLog.actor, q.actor) : undefined,
    q.action ? like(auditLog.action, `${q.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
    q.subject ? eq(auditLog.subject, q.subject) : undefined,
    q.cursor !== undefined ? (order === 'asc' ? gt(auditLog.seq, q.cursor) : lt(auditLog.seq, q.cursor)) : undefined,
  );
  const rows = await db
    .select()
    .from(auditLog)
    .where(where)
    .orderBy(order === 'asc' ? asc(auditLog.seq) : desc(auditLog.seq))
    .limit(q.limit);
  return rows.map(toRow);
}

/** Recomputes the whole chain from the database, a page at a time. */
export async function verifyAuditLog(db: Db, pageSize = 5000): Promise<ChainVerdict> {
  const links: ChainLink[] = [];
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const page = await db.select().from(auditLog).where(gt(auditLog.seq, after)).orderBy(asc(auditLog.seq)).limit(pageSize);
    for (const r of page) links.push(linkOf(toRow(r)));
    if (page.length < pageSize) break;
    after = page.at(-1)!.seq;
  }
  return checkChain(links);
}
