// Declaration schedules (申报计划) and their runs. Every change of a schedule raises its
// `sync_version` in the transaction that records it (with its audit entry); Temporal is then
// brought to it and `synced_version` follows (src/temporal/declaration-schedules.ts).
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { RunStatus, RunTrigger, SchedulePeriod } from '../domain/declaration-schedule';
import { appendAudit, type Transaction } from './audit';
import type { Db } from './client';
import { declarationBatches, declarationScheduleRuns, declarationSchedules } from './schema';

export type ScheduleRow = typeof declarationSchedules.$inferSelect;
export type ScheduleRunRow = typeof declarationScheduleRuns.$inferSelect;
/** A run with its batch's status as it is now (null when the run started none). */
export type ScheduleRunRecord = ScheduleRunRow & { batchStatus: string | null };

export interface NewSchedule {
  id: string;
  name: string;
  employerIds: string[] | null;
  dayOfMonth: number;
  time: string;
  period: SchedulePeriod;
  temporalScheduleId: string;
  paused: boolean;
  actor: string;
}

export async function insertSchedule(db: Db, s: NewSchedule): Promise<ScheduleRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(declarationSchedules)
      .values({ id: s.id, name: s.name, employerIds: s.employerIds, dayOfMonth: s.dayOfMonth, time: s.time, period: s.period, temporalScheduleId: s.temporalScheduleId, paused: s.paused, createdBy: s.actor })
      .returning();
    await appendAudit(tx, {
      actor: s.actor,
      action: 'declaration_schedule.created',
      subject: s.id,
      detail: { name: s.name, employerIds: s.employerIds, dayOfMonth: s.dayOfMonth, time: s.time, period: s.period, paused: s.paused, temporalScheduleId: s.temporalScheduleId },
    });
    return row!;
  });
}

/** A schedule, deleted ones included (a run of a deleted schedule must know it is deleted). */
export async function findScheduleRow(db: Db, id: string): Promise<ScheduleRow | undefined> {
  const [row] = await db.select().from(declarationSchedules).where(eq(declarationSchedules.id, id));
  return row;
}

export async function listSchedules(db: Db): Promise<ScheduleRow[]> {
  return db.select().from(declarationSchedules).where(isNull(declarationSchedules.deletedAt)).orderBy(asc(declarationSchedules.createdAt), asc(declarationSchedules.id));
}

export type ScheduleChange = { paused: boolean; note: string | null } | { deleted: true };

/** Records a pause, unpause or delete with its audit entry, for Temporal to follow. Undefined: no such (live) schedule. */
export async function changeSchedule(db: Db, id: string, change: ScheduleChange, actor: string): Promise<ScheduleRow | undefined> {
  return db.transaction(async (tx) => {
    const set = 'deleted' in change ? { deletedAt: new Date() } : { paused: change.paused, note: change.note };
    const [row] = await tx
      .update(declarationSchedules)
      .set({ ...set, syncVersion: sql`${declarationSchedules.syncVersion} + 1`, updatedAt: new Date() })
      .where(and(eq(declarationSchedules.id, id), isNull(declarationSchedules.deletedAt)))
      .returning();
    if (!row) return undefined;
    const action = 'deleted' in change ? 'deleted' : change.paused ? 'paused' : 'unpaused';
    await appendAudit(tx, { actor, action: `declaration_schedule.${action}`, subject: id, detail: 'deleted' in change ? {} : { note: change.note } });
    return row;
  });
}

/** Schedules whose latest change Temporal has not been told of (the partial index holds only those). */
export async function unsyncedSchedules(db: Db, limit: number): Promise<ScheduleRow[]> {
  return db
    .select()
    .from(declarationSchedules)
    .where(sql`${declarationSchedules.syncVersion} > ${declarationSchedules.syncedVersion}`)
    .orderBy(asc(declarationSchedules.id))
    .limit(limit);
}

/** Locks a schedule's row while Temporal is brought to it: two syncs never apply versions out of order. */
export async function lockSchedule(tx: Transaction, id: string): Promise<ScheduleRow | undefined> {
  const [row] = await tx.select().from(declarationSchedules).where(eq(declarationSchedules.id, id)).for('update');
  return row;
}

export async function markSynced(tx: Transaction, id: string, version: number, error: string | null): Promise<void> {
  await tx
    .update(declarationSchedules)
    .set(error === null ? { syncedVersion: version, lastSyncError: null } : { lastSyncError: error.slice(0, 500) })
    .where(eq(declarationSchedules.id, id));
}

export interface NewRun {
  scheduleId: string;
  scheduledAt: Date;
  trigger: RunTrigger;
  period: string;
  status: RunStatus;
  batchId: string | null;
  errorCode?: string | undefined;
  error?: string | undefined;
  triggeredBy: string;
}

/** Records a run once (a retried run finds it recorded; only a failed run may become started), with its audit entry. */
export async function recordRun(tx: Transaction | Db, r: NewRun): Promise<void> {
  const values = { ...r, errorCode: r.errorCode ?? null, error: r.error ?? null };
  const inserted = await tx
    .insert(declarationScheduleRuns)
    .values(values)
    .onConflictDoUpdate({
      target: [declarationScheduleRuns.scheduleId, declarationScheduleRuns.scheduledAt],
      set: { status: values.status, batchId: values.batchId, errorCode: values.errorCode, error: values.error },
      setWhere: sql`${declarationScheduleRuns.status} = 'failed' and ${values.status} = 'started'`,
    })
    .returning({ scheduleId: declarationScheduleRuns.scheduleId });
  if (inserted.length === 0) return;
  await appendAudit(tx, {
    actor: r.triggeredBy,
    action: r.status === 'started' ? 'declaration_schedule.run_started' : 'declaration_schedule.run_failed',
    subject: r.scheduleId,
    detail: { scheduledAt: r.scheduledAt.toISOString(), trigger: r.trigger, period: r.period, batchId: r.batchId, code: r.errorCode, error: r.error },
  });
}

const runColumns = {
  scheduleId: declarationScheduleRuns.scheduleId,
  scheduledAt: declarationScheduleRuns.scheduledAt,
  trigger: declarationScheduleRuns.trigger,
  period: declarationScheduleRuns.period,
  status: declarationScheduleRuns.status,
  batchId: declarationScheduleRuns.batchId,
  errorCode: declarationScheduleRuns.errorCode,
  error: declarationScheduleRuns.error,
  triggeredBy: declarationScheduleRuns.triggeredBy,
  createdAt: declarationScheduleRuns.createdAt,
  batchStatus: declarationBatches.status,
};

/** A schedule's latest runs, newest first. */
export async function listRuns(db: Db, scheduleId: string, limit: number): Promise<ScheduleRunRecord[]> {
  return db
    .select(runColumns)
    .from(declarationScheduleRuns)
    .leftJoin(declarationBatches, eq(declarationBatches.id, declarationScheduleRuns.batchId))
    .where(eq(declarationScheduleRuns.scheduleId, scheduleId))
    .orderBy(desc(declarationScheduleRuns.scheduledAt))
    .limit(limit);
}

/** The latest run of each of these schedules. */
export async function latestRuns(db: Db, scheduleIds: string[]): Promise<Map<string, ScheduleRunRecord>> {
  const runs = await Promise.all(scheduleIds.map((id) => listRuns(db, id, 1)));
  return new Map(runs.flatMap((r) => (r[0] ? [[r[0].scheduleId, r[0]] as const] : [])));
}
