// Each declaration schedule is a Temporal Schedule (visible in the Temporal UI and `temporal
// schedule list`) whose id is derived from the row's: the row is written first, then Temporal is
// brought to it, so whatever instant a process dies there is never a Temporal schedule without its
// row. A row that Temporal has not caught up with (created, paused, unpaused or deleted and the
// process died before telling Temporal) has sync_version > synced_version; the next change, the
// API's start and every reconciler pass bring Temporal to it. A run whose row is deleted starts
// nothing (src/temporal/scheduled-runs.ts), so a schedule left behind is harmless
// until its deletion is synced.
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import { lockSchedule, markSynced, unsyncedSchedules, type ScheduleRow } from '../db/declaration-schedules';
import { firingSpec } from '../domain/declaration-schedule';
import type { DeclarationScheduleInput } from '../contracts/declaration-schedule';
import { WORKFLOW } from '../contracts/workflow-types';
import { upsertSchedule } from './upsert-schedule';

/** The Temporal Schedule of a schedule row; the task queue keeps services sharing a namespace apart. */
export const temporalScheduleIdOf = (taskQueue: string, id: string) => `sifee-declarations-${taskQueue}-${id}`;

type SyncConfig = Pick<Config, 'taskQueue' | 'declarationSchedules'>;

const scheduleState = (row: ScheduleRow) => ({ paused: row.paused, ...(row.note ? { note: row.note } : {}) });

export function scheduleOptions(row: ScheduleRow, config: SyncConfig): ScheduleOptions {
  const input: DeclarationScheduleInput = { scheduleId: row.id };
  return {
    scheduleId: row.temporalScheduleId,
    spec: firingSpec(row, config.declarationSchedules.testIntervalSeconds),
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW.declarationScheduleWorkflow,
      // Temporal appends each run's scheduled time to this id.
      workflowId: row.temporalScheduleId,
      taskQueue: config.taskQueue,
      args: [input],
      workflowExecutionTimeout: '1 day',
    },
    // A run only records its batch and starts it: a run still going when the next is due is
    // stuck, and another would not help. A month missed while Temporal was down is caught up.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: config.declarationSchedules.catchupWindowSeconds * 1000 },
    state: scheduleState(row),
    memo: { purpose: `batch declaration “${row.name}” (schedule ${row.id})` },
  };
}

/** Makes Temporal's schedule what the row says: created or updated, paused or not, or deleted. */
async function apply(temporal: Client, row: ScheduleRow, config: SyncConfig): Promise<void> {
  const handle = temporal.schedule.getHandle(row.temporalScheduleId);
  if (row.deletedAt) {
    await handle.delete().catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    return;
  }
  await upsertSchedule(temporal, scheduleOptions(row, config));
}

/**
 * Brings Temporal to the row's latest version, under the row's lock (two syncs never apply
 * versions out of order). False when Temporal did not answer: the row stays unsynced, with the error.
 */
export async function syncSchedule(temporal: Client, db: Db, config: SyncConfig, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const row = await lockSchedule(tx, id);
    if (!row || row.syncedVersion >= row.syncVersion) return true;
    try {
      await apply(temporal, row, config);
    } catch (err) {
      await markSynced(tx, id, row.syncVersion, String((err as Error).message ?? err));
      return false;
    }
    await markSynced(tx, id, row.syncVersion, null);
    return true;
  });
}

export interface ScheduleSyncReport {
  examined: number;
  synced: number;
  failed: number;
}

/** The reconciler's part for schedules: every row Temporal has not caught up with. */
export async function syncUnsyncedSchedules(temporal: Client, db: Db, config: SyncConfig): Promise<ScheduleSyncReport> {
  const rows = await unsyncedSchedules(db, 200);
  const report: ScheduleSyncReport = { examined: rows.length, synced: 0, failed: 0 };
  for (const row of rows) {
    if (await syncSchedule(temporal, db, config, row.id)) report.synced += 1;
    else report.failed += 1;
  }
  return report;
}

/** When Temporal will run it next (nothing while paused), as its schedule says; null when Temporal does not answer. */
export async function nextRunTimes(temporal: Client, row: ScheduleRow, count: number): Promise<Date[] | null> {
  try {
    const described = await temporal.schedule.getHandle(row.temporalScheduleId).describe();
    return described.state.paused ? [] : described.info.nextActionTimes.slice(0, count);
  } catch {
    return null;
  }
}
