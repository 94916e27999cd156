// Bulk actions from the month view (批量操作): the action, each employer's entry and its outcome.
// The API reads an action's report from here; the bulk workflow's activities write it.
import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import { countBulk, type BulkActionKind, type BulkCounts, type BulkEntryStatus, type BulkReason } from '../domain/bulk-action';
import { appendAudit, audited, type Transaction } from './audit';
import type { Db } from './client';
import { bulkActionEntries, bulkActions, certificates, employers, payments } from './schema';

export type BulkActionRow = typeof bulkActions.$inferSelect;
export type BulkEntryRow = typeof bulkActionEntries.$inferSelect;

/** An entry with what the report shows next to it: the employer, and its payment or certificate as they are now. */
export interface BulkEntryRecord extends BulkEntryRow {
  employerName: string;
  paymentStatus: string | null;
  paymentTotalFen: number | null;
  certificateKind: string | null;
}

export async function insertBulkAction(
  db: Db,
  b: { id: string; kind: BulkActionKind; period: string; employerIds: string[]; workflowId: string; actor: string },
  alsoRecord: (tx: Transaction) => Promise<void>,
): Promise<BulkActionRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(bulkActions)
      .values({ id: b.id, kind: b.kind, period: b.period, status: 'running', total: b.employerIds.length, workflowId: b.workflowId, createdBy: b.actor })
      .returning();
    // In slices: one statement's parameters are limited (65535 in PostgreSQL).
    for (let i = 0; i < b.employerIds.length; i += 1000) {
      await tx.insert(bulkActionEntries).values(b.employerIds.slice(i, i + 1000).map((employerId, k) => ({ bulkId: b.id, n: i + k, employerId })));
    }
    await appendAudit(tx, { actor: b.actor, action: 'bulk_action.started', subject: b.id, detail: { kind: b.kind, period: b.period, total: b.employerIds.length } });
    await alsoRecord(tx);
    return row!;
  });
}

export async function getBulkAction(db: Db, id: string): Promise<BulkActionRow | undefined> {
  return db.query.bulkActions.findFirst({ where: eq(bulkActions.id, id) });
}

/** One entry with its action, for the activity that handles it. */
export async function getBulkEntry(db: Db, bulkId: string, n: number): Promise<{ bulk: BulkActionRow; entry: BulkEntryRow } | undefined> {
  const [row] = await db
    .select({ bulk: bulkActions, entry: bulkActionEntries })
    .from(bulkActionEntries)
    .innerJoin(bulkActions, eq(bulkActions.id, bulkActionEntries.bulkId))
    .where(and(eq(bulkActionEntries.bulkId, bulkId), eq(bulkActionEntries.n, n)));
  return row;
}

/** Records an entry's outcome once: a repeat of the step changes nothing. */
export async function finishBulkEntry(
  db: Db,
  bulkId: string,
  n: number,
  outcome: { status: Exclude<BulkEntryStatus, 'pending'>; subjectId?: string | undefined; reason?: BulkReason | undefined },
  actor: string,
): Promise<void> {
  const change = db
    .update(bulkActionEntries)
    .set({ status: outcome.status, subjectId: outcome.subjectId ?? null, reasonCode: outcome.reason?.code ?? null, reason: outcome.reason?.message ?? null, updatedAt: new Date() })
    .where(and(eq(bulkActionEntries.bulkId, bulkId), eq(bulkActionEntries.n, n), eq(bulkActionEntries.status, 'pending')))
    .returning({ n: bulkActionEntries.n });
  // `done` is not written: the payment's or the certificate's own entries say what was done.
  if (outcome.status === 'done') {
    await change;
    return;
  }
  await audited(db, change, {
    actor,
    action: `bulk_action.entry_${outcome.status}`,
    subject: bulkId,
    detail: { n, code: outcome.reason?.code, reason: outcome.reason?.message },
  });
}

export async function bulkCounts(db: Db, bulkId: string): Promise<BulkCounts> {
  const rows = await db
    .select({ status: bulkActionEntries.status, n: count() })
    .from(bulkActionEntries)
    .where(eq(bulkActionEntries.bulkId, bulkId))
    .groupBy(bulkActionEntries.status);
  return countBulk(rows);
}

export async function listBulkEntries(db: Db, bulkId: string): Promise<BulkEntryRecord[]> {
  return db
    .select({
      bulkId: bulkActionEntries.bulkId,
      n: bulkActionEntries.n,
      employerId: bulkActionEntries.employerId,
      status: bulkActionEntries.status,
      subjectId: bulkActionEntries.subjectId,
      reasonCode: bulkActionEntries.reasonCode,
      reason: bulkActionEntries.reason,
      updatedAt: bulkActionEntries.updatedAt,
      employerName: employers.name,
      paymentStatus: payments.status,
      paymentTotalFen: payments.totalFen,
      certificateKind: certificates.kind,
    })
    .from(bulkActionEntries)
    .innerJoin(employers, eq(employers.id, bulkActionEntries.employerId))
    .leftJoin(payments, eq(payments.id, bulkActionEntries.subjectId))
    .leftJoin(certificates, eq(certificates.id, bulkActionEntries.subjectId))
    .where(eq(bulkActionEntries.bulkId, bulkId))
    .orderBy(asc(bulkActionEntries.n));
}

/** The newest actions first. */
export async function listBulkActions(db: Db, limit: number): Promise<BulkActionRow[]> {
  return db.select().from(bulkActions).orderBy(desc(bulkActions.createdAt), desc(bulkActions.id)).limit(limit);
}

export async function completeBulkAction(db: Db, bulkId: string): Promise<void> {
  const change = db
    .update(bulkActions)
    .set({ status: 'completed', finishedAt: sql`now()` })
    .where(and(eq(bulkActions.id, bulkId), eq(bulkActions.status, 'running')))
    .returning({ id: bulkActions.id });
  const counts = await bulkCounts(db, bulkId);
  await audited(db, change, { actor: 'system', action: 'bulk_action.completed', subject: bulkId, detail: { ...counts } });
}
