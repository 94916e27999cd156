// The auditor's archive in our own database: each closed workflow's history exactly as
// GET /api/workflows/:id/history answers it, its SHA-256 kept next to it and appended to the
// audit chain in the same transaction, so a changed or removed history is detected.
import { createHash } from 'node:crypto';
import { and, desc, eq, getTableColumns, gte, inArray, lt, sql } from 'drizzle-orm';
import { checkArchive, type ArchiveVerdict, type ArchivedHash, type RecordedHash, type StartedWorkflow } from '../domain/archive';
import { certificateWorkflowId } from '../domain/certificates';
import { appendAudit, verifyAuditLog, type ChainVerdict } from './audit';
import type { Db } from './client';
import { archiveCheckpoints, auditLog, certificates, workflowArchive, workflowStarts } from './schema';

export type ArchivedRow = typeof workflowArchive.$inferSelect;
export type ArchivedSummary = Omit<ArchivedRow, 'history'>;
export type NewArchived = Omit<ArchivedRow, 'seq' | 'sha256' | 'bytes' | 'archivedAt'>;

/** The audit action that records an archived history's hash. */
export const ARCHIVED_ACTION = 'workflow.archived';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Stores a history and records its hash in the audit chain; false when that run is archived already. */
export async function archiveHistory(db: Db, h: NewArchived): Promise<boolean> {
  const sha256 = sha256Hex(h.history);
  const bytes = Buffer.byteLength(h.history, 'utf8');
  return db.transaction(async (tx) => {
    const inserted = await tx.insert(workflowArchive).values({ ...h, sha256, bytes }).onConflictDoNothing().returning({ seq: workflowArchive.seq });
    if (inserted.length === 0) return false;
    await appendAudit(tx, { actor: 'system', action: ARCHIVED_ACTION, subject: h.workflowId, detail: { runId: h.runId, workflowType: h.workflowType, sha256, bytes } });
    return true;
  });
}

/** Which of these runs are archived already (asked a thousand at a time: a backlog can be long). */
export async function archivedRunIds(db: Db, runIds: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < runIds.length; i += 1000) {
    const rows = await db.select({ runId: workflowArchive.runId }).from(workflowArchive).where(inArray(workflowArchive.runId, runIds.slice(i, i + 1000)));
    for (const r of rows) found.add(r.runId);
  }
  return found;
}

/** A run's archived history; the latest archived run of the workflow without `runId`. */
export async function getArchived(db: Db, workflowId: string, runId?: string): Promise<ArchivedRow | undefined> {
  const [row] = await db
    .select()
    .from(workflowArchive)
    .where(and(eq(workflowArchive.workflowId, workflowId), runId ? eq(workflowArchive.runId, runId) : undefined))
    .orderBy(desc(workflowArchive.closeTime))
    .limit(1);
  return row;
}

export interface ArchiveFilter {
  workflowTypes?: readonly string[] | undefined;
  employerId?: string | undefined;
  /** Closed at or after. */
  from?: Date | undefined;
  /** Closed before. */
  to?: Date | undefined;
  /** Entries archived before this seq (newest first). */
  cursor?: number | undefined;
  limit: number;
}

const { history: _history, ...summaryColumns } = getTableColumns(workflowArchive);

/** Archived histories without their content, newest archived first. */
export async function listArchived(db: Db, f: ArchiveFilter): Promise<ArchivedSummary[]> {
  return db
    .select(summaryColumns)
    .from(workflowArchive)
    .where(
      and(
        f.workflowTypes ? inArray(workflowArchive.workflowType, [...f.workflowTypes]) : undefined,
        f.employerId ? eq(workflowArchive.employerId, f.employerId) : undefined,
        f.from ? gte(workflowArchive.closeTime, f.from) : undefined,
        f.to ? lt(workflowArchive.closeTime, f.to) : undefined,
        f.cursor !== undefined ? lt(workflowArchive.seq, f.cursor) : undefined,
      ),
    )
    .orderBy(desc(workflowArchive.seq))
    .limit(f.limit);
}

export async function getCheckpoint(db: Db, taskQueue: string): Promise<Date | undefined> {
  const [row] = await db.select().from(archiveCheckpoints).where(eq(archiveCheckpoints.taskQueue, taskQueue));
  return row?.closedAfter;
}

export async function setCheckpoint(db: Db, taskQueue: string, closedAfter: Date): Promise<void> {
  await db
    .insert(archiveCheckpoints)
    .values({ taskQueue, closedAfter })
    .onConflictDoUpdate({ target: archiveCheckpoints.taskQueue, set: { closedAfter, updatedAt: new Date() } });
}

export interface ArchiveCheck extends ArchiveVerdict {
  /** The audit chain the recorded hashes are in: when it is broken, they cannot be trusted either. */
  chain: ChainVerdict;
}

/**
 * Hashes every archived history again (in the database, a page at a time, so the histories do
 * not travel) and compares with the hashes the audit chain recorded.
 */
export async function verifyArchive(db: Db, pageSize = 1000): Promise<ArchiveCheck> {
  const archived: ArchivedHash[] = [];
  let after = 0;
  for (;;) {
    const page = await db
      .select({
        seq: workflowArchive.seq,
        workflowId: workflowArchive.workflowId,
        runId: workflowArchive.runId,
        storedSha256: workflowArchive.sha256,
        computedSha256: sql<string>`encode(sha256(convert_to(${workflowArchive.history}, 'UTF8')), 'hex')`,
      })
      .from(workflowArchive)
      .where(sql`${workflowArchive.seq} > ${after}`)
      .orderBy(workflowArchive.seq)
      .limit(pageSize);
    archived.push(...page);
    if (page.length < pageSize) break;
    after = page.at(-1)!.seq;
  }
  const entries = await db
    .select({ seq: auditLog.seq, subject: auditLog.subject, detail: auditLog.detail })
    .from(auditLog)
    .where(eq(auditLog.action, ARCHIVED_ACTION))
    .orderBy(auditLog.seq);
  const recorded: RecordedHash[] = entries.map((e) => ({ seq: e.seq, workflowId: e.subject, runId: String(e.detail.runId), sha256: String(e.detail.sha256) }));
  const verdict = checkArchive(archived, recorded);
  const chain = await verifyAuditLog(db);
  return { ...verdict, intact: verdict.intact && chain.intact, chain };
}

/**
 * Workflows our records say were started (every started outbox entry, every certificate's print)
 * and that are not archived yet: these must still be in Temporal.
 */
export async function unarchivedWorkflows(db: Db): Promise<StartedWorkflow[]> {
  const archived = (workflowId: unknown) => sql`not exists (select 1 from ${workflowArchive} where ${workflowArchive.workflowId} = ${workflowId})`;
  const started = await db
    .select({ workflowId: workflowStarts.workflowId, subjectType: workflowStarts.subjectType, subjectId: workflowStarts.subjectId })
    .from(workflowStarts)
    .where(and(sql`${workflowStarts.startedAt} is not null`, archived(workflowStarts.workflowId)));
  const certificateWorkflow = sql`'certificate-' || ${certificates.id}`;
  const printed = await db.select({ subjectId: certificates.id }).from(certificates).where(archived(certificateWorkflow));
  return [...started, ...printed.map((c) => ({ workflowId: certificateWorkflowId(c.subjectId), subjectType: 'certificate', subjectId: c.subjectId }))];
}
