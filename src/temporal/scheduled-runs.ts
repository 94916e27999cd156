// One run of a declaration schedule (申报计划): a batch declaration (批量申报) of the schedule's
// employers for the period its run time gives, recorded with the run in the batch's own
// transaction under an id fixed by the schedule and the run's time, then started. A retried run
// finds its batch and its record, and never starts a second one. The calendar's runs take these
// steps as the schedule workflow's activities; an operator's "run now" through its use case.
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { AesGcmCodec } from '../codec/aes-gcm-codec';
import { getBatch } from '../db/batches';
import type { Db } from '../db/client';
import { findScheduleRow, recordRun } from '../db/declaration-schedules';
import { DEFAULT_BATCH_CONCURRENCY } from '../domain/batch';
import { chinaDay } from '../domain/china-time';
import { firesAt, firingSpec, schedulePeriod, type RunTrigger, type ScheduleRunSummary } from '../domain/declaration-schedule';
import { batchEmployers, batchWorkflowId, recordDeclarationBatch } from './declaration-batches';
import { dispatchStart, findStart } from './workflow-starts';

export interface ScheduledRun {
  scheduleId: string;
  scheduledAt: Date;
  trigger: RunTrigger;
  /** Who asked: the operator for a manual run, schedule:<id> for the calendar. */
  triggeredBy: string;
}

export interface RunDeps {
  db: Db;
  codec: AesGcmCodec;
  config: Pick<Config, 'taskQueue' | 'declaration' | 'declarationSchedules'>;
}

/** Who a run started in Temporal off the calendar is recorded as: nobody we can name. */
export const UNATTRIBUTED = 'temporal:unattributed';

/** The run's name wherever its work is recorded: the same for every try of one run. */
export function scheduleRunRef(scheduleId: string, scheduledAt: Date): string {
  return createHash('sha256').update(`declaration-schedule\u0000${scheduleId}\u0000${scheduledAt.toISOString()}`).digest('hex');
}

/** The run's batch id, as a keyed request's would be (src/use-cases/start-work.ts, newWorkId): B<China date>-<10 hex of the run's name>. */
const runBatchId = (ref: string, scheduledAt: Date) => `B${chinaDay(scheduledAt).replaceAll('-', '')}-${ref.slice(0, 10)}`;

/**
 * Records the run: its batch and start (to be made by `startRunBatch`), or why it starts nothing
 * (deleted, started in Temporal outside its calendar, or the batch refused: recorded as a failed
 * run, which puts the schedule on the attention list).
 */
export async function recordScheduledRun(deps: RunDeps, run: ScheduledRun): Promise<ScheduleRunSummary> {
  const scheduledAt = run.scheduledAt.toISOString();
  const schedule = await findScheduleRow(deps.db, run.scheduleId);
  if (!schedule || schedule.deletedAt) return { status: 'skipped', scheduledAt, reason: 'the schedule is deleted' };
  const period = schedulePeriod(schedule.period, run.scheduledAt);
  const record = { scheduleId: schedule.id, scheduledAt: run.scheduledAt, trigger: run.trigger, period, triggeredBy: run.triggeredBy };
  const failed = async (code: string, message: string, more: Partial<typeof record> = {}): Promise<ScheduleRunSummary> => {
    await recordRun(deps.db, { ...record, ...more, status: 'failed', batchId: null, errorCode: code, error: message });
    return { status: 'failed', scheduledAt, period, code, message };
  };
  if (run.trigger === 'calendar' && !firesAt(firingSpec(schedule, deps.config.declarationSchedules.testIntervalSeconds), run.scheduledAt)) {
    // Started by the Temporal Schedule off its calendar: someone triggered it in Temporal, not through us.
    const message = 'started in Temporal outside the schedule’s calendar; run it from the console or POST /api/declaration-schedules/{id}/trigger, which records who asked';
    return failed('TRIGGER_UNATTRIBUTED', message, { trigger: 'outside_calendar', triggeredBy: UNATTRIBUTED });
  }
  const ref = scheduleRunRef(schedule.id, run.scheduledAt);
  const batchId = runBatchId(ref, run.scheduledAt);
  const started: ScheduleRunSummary = { status: 'started', scheduledAt, period, batchId, workflowStarted: false };
  // A retried run: its batch is recorded, with the run.
  if (await getBatch(deps.db, batchId)) return started;
  const found = await batchEmployers(deps.db, schedule.employerIds ?? undefined);
  if ('refusal' in found) return failed(found.refusal.code, found.refusal.detail);
  await recordDeclarationBatch(
    deps,
    {
      id: batchId,
      period,
      employerIds: found.employerIds,
      allEmployers: !schedule.employerIds,
      concurrency: DEFAULT_BATCH_CONCURRENCY,
      // The batch is the schedule's doing, whoever asked for this run (the run records who did).
      actor: `schedule:${schedule.id}`,
      requestRef: ref,
    },
    // F-2.4: the operator confirmed the headcounts for every run when creating the schedule.
    (tx) => recordRun(tx, { ...record, status: 'started', batchId }),
  );
  return started;
}

/** Starts the batch a run recorded; when Temporal does not answer, the reconciler starts it. */
export async function startRunBatch(deps: { db: Db; codec: AesGcmCodec; temporal: Client }, summary: ScheduleRunSummary): Promise<ScheduleRunSummary> {
  if (summary.status !== 'started') return summary;
  const start = await findStart(deps.db, batchWorkflowId(summary.batchId));
  const workflowStarted = start ? await dispatchStart(deps.temporal, deps.db, deps.codec, start) : false;
  return { ...summary, workflowStarted };
}
