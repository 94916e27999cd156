// Batch declarations (批量申报): the batch, each employer's entry and its outcome. The API reads a
// batch's progress from here; the batch workflow's activities write it.
import { and, asc, count, desc, eq, getTableColumns, inArray, isNotNull, isNull, lt, ne, or } from 'drizzle-orm';
import { countBatch, type BatchCounts, type BatchEntryStatus, type BatchReason } from '../domain/batch';
import { appendAudit, type Transaction } from './audit';
import type { Db } from './client';
import { afterKey, keyText, pageOf, type PageKey } from './paging';
import { declarationBatchEntries, declarationBatches, declarations, employers } from './schema';

export type BatchRow = typeof declarationBatches.$inferSelect;
export type BatchEntryRow = typeof declarationBatchEntries.$inferSelect;

/** An entry with what the API shows next to it: the employer and its declaration as it is now. */
export interface BatchEntryRecord extends BatchEntryRow {
  taxpayerId: string;
  employerName: string;
  declarationStatus: string | null;
  declarationSerial: string | null;
  declarationReason: string | null;
  declarationTotalFen: number | null;
}

export async function insertBatch(
  db: Db,
  b: { id: string; period: string; employerIds: string[]; allEmployers: boolean; concurrency: number; workflowId: string; actor: string },
  alsoRecord: (tx: Transaction) => Promise<void> = async () => {},
): Promise<BatchRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(declarationBatches)
      .values({
        id: b.id,
        period: b.period,
        status: 'running',
        total: b.employerIds.length,
        allEmployers: b.allEmployers,
        concurrency: b.concurrency,
        workflowId: b.workflowId,
        createdBy: b.actor,
      })
      .returning();
    // In slices: one statement's parameters are limited (65535 in PostgreSQL).
    for (let i = 0; i < b.employerIds.length; i += 1000) {
      await tx.insert(declarationBatchEntries).values(
        b.employerIds.slice(i, i + 1000).map((employerId, k) => ({ batchId: b.id, n: i + k, employerId, status: 'pending' })),
      );
    }
    await appendAudit(tx, {
      actor: b.actor,
      action: 'declaration_batch.started',
      subject: b.id,
      detail: { period: b.period, total: b.employerIds.length, allEmployers: b.allEmployers, concurrency: b.concurrency },
    });
    await alsoRecord(tx);
    return row!;
  });
}

export async function getBatch(db: Db, id: string): Promise<BatchRow | undefined> {
  return db.query.declarationBatches.findFirst({ where: eq(declarationBatches.id, id) });
}

/** One entry with its batch, for the activity that prepares its declaration. */
export async function getBatchEntry(db: Db, batchId: string, n: number): Promise<{ batch: BatchRow; entry: BatchEntryRow } | undefined> {
  const [row] = await db
    .select({ batch: declarationBatches, entry: declarationBatchEntries })
    .from(declarationBatchEntries)
    .innerJoin(declarationBatches, eq(declarationBatches.id, declarationBatchEntries.batchId))
    .where(and(eq(declarationBatchEntries.batchId, batchId), eq(declarationBatchEntries.n, n)));
  return row;
}

export async function listBatchEntries(db: Db, batchId: string, status?: BatchEntryStatus): Promise<BatchEntryRecord[]> {
  return db
    .select({
      batchId: declarationBatchEntries.batchId,
      n: declarationBatchEntries.n,
      employerId: declarationBatchEntries.employerId,
      status: declarationBatchEntries.status,
      declarationId: declarationBatchEntries.declarationId,
      reasonCode: declarationBatchEntries.reasonCode,
      reason: declarationBatchEntries.reason,
      excluded: declarationBatchEntries.excluded,
      updatedAt: declarationBatchEntries.updatedAt,
      taxpayerId: employers.taxpayerId,
      employerName: employers.name,
      declarationStatus: declarations.status,
      declarationSerial: declarations.serial,
      declarationReason: declarations.resultReason,
      declarationTotalFen: declarations.totalFen,
    })
    .from(declarationBatchEntries)
    .innerJoin(employers, eq(employers.id, declarationBatchEntries.employerId))
    .leftJoin(declarations, eq(declarations.id, declarationBatchEntries.declarationId))
    .where(and(eq(declarationBatchEntries.batchId, batchId), status ? eq(declarationBatchEntries.status, status) : undefined))
    .orderBy(asc(declarationBatchEntries.n));
}

/**
 * Progress of each batch: a completed batch's as stored (final_counts), the others' counted now
 * from their entries. A completed batch without stored counts (completed by a worker from before
 * they were stored) is counted too.
 */
export async function batchCounts(db: Db, batchIds: string[]): Promise<Map<string, BatchCounts>> {
  if (batchIds.length === 0) return new Map();
  const stored = await db
    .select({ id: declarationBatches.id, finalCounts: declarationBatches.finalCounts })
    .from(declarationBatches)
    .where(and(inArray(declarationBatches.id, batchIds), isNotNull(declarationBatches.finalCounts)));
  const known = new Map(stored.map((b) => [b.id, b.finalCounts!]));
  const live = await countEntries(db, batchIds.filter((id) => !known.has(id)));
  return new Map(batchIds.map((id) => [id, known.get(id) ?? live.get(id)!]));
}

/** Progress of each batch, counted from its entries (and their declarations' statuses now). */
export async function countEntries(db: Db, batchIds: string[]): Promise<Map<string, BatchCounts>> {
  const result = new Map<string, BatchCounts>();
  if (batchIds.length === 0) return result;
  const rows = await db
    .select({
      batchId: declarationBatchEntries.batchId,
      status: declarationBatchEntries.status,
      declarationStatus: declarations.status,
      n: count(),
    })
    .from(declarationBatchEntries)
    .leftJoin(declarations, eq(declarations.id, declarationBatchEntries.declarationId))
    .where(inArray(declarationBatchEntries.batchId, batchIds))
    .groupBy(declarationBatchEntries.batchId, declarationBatchEntries.status, declarations.status);
  for (const id of batchIds) {
    const entries = rows
      .filter((r) => r.batchId === id)
      .map((r) => ({ status: r.status as BatchEntryStatus, declarationStatus: r.declarationStatus, weight: Number(r.n) }));
    result.set(id, countBatch(entries));
  }
  return result;
}

/** A page of batches, newest first. */
export async function listBatches(db: Db, f: { after?: PageKey | undefined; limit: number }): Promise<{ rows: BatchRow[]; nextCursor: string | null }> {
  const rows = await db
    .select({ ...getTableColumns(declarationBatches), pageAt: keyText(declarationBatches.createdAt) })
    .from(declarationBatches)
    .where(afterKey(declarationBatches.createdAt, declarationBatches.id, f.after, 'desc'))
    .orderBy(desc(declarationBatches.createdAt), desc(declarationBatches.id))
    .limit(f.limit + 1);
  return pageOf(rows, f.limit);
}

/** The employer's declaration is submitted; its own workflow waits for the result. */
export async function markEntryDeclaring(db: Db, batchId: string, n: number, declarationId: string): Promise<void> {
  await db
    .update(declarationBatchEntries)
    .set({ status: 'declaring', declarationId, updatedAt: new Date() })
    .where(and(eq(declarationBatchEntries.batchId, batchId), eq(declarationBatchEntries.n, n), eq(declarationBatchEntries.status, 'pending')));
}

/** The end of one employer: done (its declaration's workflow ended), skipped or failed. Once only. */
export async function finishEntry(
  db: Db,
  batchId: string,
  n: number,
  outcome: { status: 'done' | 'skipped' | 'failed'; reason?: BatchReason | undefined; declarationId?: string | undefined },
  actor: string,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(declarationBatchEntries)
      .set({
        status: outcome.status,
        reasonCode: outcome.reason?.code ?? null,
        reason: outcome.reason?.message ?? null,
        excluded: outcome.reason?.excluded ?? null,
        ...(outcome.declarationId !== undefined ? { declarationId: outcome.declarationId } : {}),
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(declarationBatchEntries.batchId, batchId),
          eq(declarationBatchEntries.n, n),
          inArray(declarationBatchEntries.status, ['pending', 'declaring']),
        ),
      )
      .returning({ employerId: declarationBatchEntries.employerId });
    if (updated.length === 0) return false;
    if (outcome.status !== 'done') {
      await appendAudit(tx, {
        actor,
        action: `declaration_batch.employer_${outcome.status}`,
        subject: batchId,
        detail: { n, employerId: updated[0]!.employerId, code: outcome.reason?.code, reason: outcome.reason?.message },
      });
    }
    return true;
  });
}

/**
 * Entries whose declaration is decided (accepted, rejected, or result_unknown past its deadline:
 * every status but `submitted`, see isFinalDeclarationStatus) are done. Answers how many were.
 */
export async function settleDecidedEntries(db: Db, batchId: string): Promise<number> {
  const settled = await db
    .update(declarationBatchEntries)
    .set({ status: 'done', updatedAt: new Date() })
    .from(declarations)
    .where(
      and(
        eq(declarationBatchEntries.batchId, batchId),
        eq(declarationBatchEntries.status, 'declaring'),
        eq(declarations.id, declarationBatchEntries.declarationId),
        ne(declarations.status, 'submitted'),
      ),
    )
    .returning({ n: declarationBatchEntries.n });
  return settled.length;
}

/** Declaring entries whose declaration is gone, or still undecided though declared before `before`: at most `limit`. */
export async function stuckEntries(db: Db, batchId: string, before: Date, limit: number): Promise<{ n: number; declarationId: string | null; workflowId: string | null }[]> {
  return db
    .select({ n: declarationBatchEntries.n, declarationId: declarationBatchEntries.declarationId, workflowId: declarations.workflowId })
    .from(declarationBatchEntries)
    .leftJoin(declarations, eq(declarations.id, declarationBatchEntries.declarationId))
    .where(
      and(
        eq(declarationBatchEntries.batchId, batchId),
        eq(declarationBatchEntries.status, 'declaring'),
        or(isNull(declarations.id), and(eq(declarations.status, 'submitted'), lt(declarations.declaredAt, before))),
      ),
    )
    .orderBy(asc(declarationBatchEntries.n))
    .limit(limit);
}

/**
 * Every employer of the batch was handled: the batch is completed, with its counts stored (once;
 * a repeat changes nothing). The batch is locked before it is counted: a declaration of it decided
 * meanwhile (recountFinishedBatch) either is in the count or waits and counts again.
 */
export async function completeBatch(db: Db, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [batch] = await tx.select({ status: declarationBatches.status }).from(declarationBatches).where(eq(declarationBatches.id, id)).for('no key update');
    if (batch?.status !== 'running') return;
    const counts = (await countEntries(tx, [id])).get(id)!;
    await tx.update(declarationBatches).set({ status: 'completed', finalCounts: counts, finishedAt: new Date(), updatedAt: new Date() }).where(eq(declarationBatches.id, id));
    await appendAudit(tx, { actor: 'system', action: 'declaration_batch.completed', subject: id, detail: { ...counts } });
  });
}

/**
 * A batch's declaration was decided (in `tx`): when the batch has completed, its stored counts are
 * counted again, since a declaration without a result by the deadline (result_unknown) can still
 * be decided after its batch completed. Locks the batch, also while it runs, so that a batch
 * completing at the same moment counts after this decision is committed.
 */
export async function recountFinishedBatch(tx: Transaction, declarationId: string): Promise<void> {
  const [batch] = await tx
    .select({ id: declarationBatches.id, finalCounts: declarationBatches.finalCounts })
    .from(declarationBatchEntries)
    .innerJoin(declarationBatches, eq(declarationBatches.id, declarationBatchEntries.batchId))
    .where(eq(declarationBatchEntries.declarationId, declarationId))
    .for('no key update', { of: declarationBatches });
  if (!batch?.finalCounts) return;
  const counts = (await countEntries(tx, [batch.id])).get(batch.id)!;
  await tx.update(declarationBatches).set({ finalCounts: counts, updatedAt: new Date() }).where(eq(declarationBatches.id, batch.id));
}

/** Which of these employer ids we know, in the order given. */
export async function knownEmployerIds(db: Db, ids: string[]): Promise<Set<string>> {
  const known = new Set<string>();
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db.select({ id: employers.id }).from(employers).where(inArray(employers.id, ids.slice(i, i + 1000)));
    rows.forEach((r) => known.add(r.id));
  }
  return known;
}
