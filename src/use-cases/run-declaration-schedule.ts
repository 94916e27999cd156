// One run of a declaration schedule: a batch declaration (批量申报) of the schedule's employers for
// the period its run time gives. Run by the schedule's workflow at each calendar time, or by an
// operator ("run now"). The batch is started by the batch use case under a request ref derived
// from the schedule and the run's time, and the run is recorded in the batch's own transaction:
// a retried run finds its batch and its record, and never starts a second one.
import { createHash } from 'node:crypto';
import { Problem } from '../api/problem';
import { findScheduleRow, recordRun } from '../db/declaration-schedules';
import { firesAt, firingSpec, schedulePeriod, type RunTrigger, type ScheduleRunSummary } from '../domain/declaration-schedule';
import type { Caller, Services } from './context';
import { startDeclarationBatch } from './start-declaration-batch';

export interface ScheduleRun {
  scheduleId: string;
  scheduledAt: Date;
  trigger: RunTrigger;
  /** Who asked: the operator for a manual run, schedule:<id> for the calendar. */
  triggeredBy: string;
  log: Caller['log'];
}

/** Who a run started in Temporal off the calendar is recorded as: nobody we can name. */
export const UNATTRIBUTED = 'temporal:unattributed';

/** The run's name wherever its work is recorded: the same for every try of one run. */
export function scheduleRunRef(scheduleId: string, scheduledAt: Date): string {
  return createHash('sha256').update(`declaration-schedule\u0000${scheduleId}\u0000${scheduledAt.toISOString()}`).digest('hex');
}

/**
 * Starts the run's batch. A refusal of the batch (no employers, an employer unknown …) is the run's
 * outcome, recorded as a failed run (it puts the schedule on the attention list); other errors
 * are thrown, for the caller to retry.
 */
export async function runDeclarationSchedule(services: Services, run: ScheduleRun): Promise<ScheduleRunSummary> {
  const scheduledAt = run.scheduledAt.toISOString();
  const schedule = await findScheduleRow(services.db, run.scheduleId);
  if (!schedule || schedule.deletedAt) return { status: 'skipped', scheduledAt, reason: 'the schedule is deleted' };
  const period = schedulePeriod(schedule.period, run.scheduledAt);
  const record = { scheduleId: schedule.id, scheduledAt: run.scheduledAt, trigger: run.trigger, period, triggeredBy: run.triggeredBy };
  if (run.trigger === 'calendar' && !firesAt(firingSpec(schedule, services.config.declarationSchedules.testIntervalSeconds), run.scheduledAt)) {
    // Started by the Temporal Schedule off its calendar: someone triggered it in Temporal, not through us.
    const refused = { code: 'TRIGGER_UNATTRIBUTED', message: 'started in Temporal outside the schedule’s calendar; run it from the console or POST /api/declaration-schedules/{id}/trigger, which records who asked' };
    await recordRun(services.db, { ...record, trigger: 'outside_calendar', triggeredBy: UNATTRIBUTED, status: 'failed', batchId: null, errorCode: refused.code, error: refused.message });
    run.log.warn({ scheduleId: schedule.id, scheduledAt }, 'declaration schedule started outside its calendar, not through the API: nothing started');
    return { status: 'failed', scheduledAt, period, ...refused };
  }
  // The batch is the schedule's doing, whoever asked for this run (the run records who did).
  const caller: Caller = { actor: `schedule:${schedule.id}`, idempotency: { ref: scheduleRunRef(schedule.id, run.scheduledAt), firstSeenAt: run.scheduledAt, resumed: false }, log: run.log };
  try {
    const started = await startDeclarationBatch(
      services,
      caller,
      // F-2.4: the operator confirmed the headcounts for every run when creating the schedule.
      { period, employerIds: schedule.employerIds ?? undefined, headcountConfirmed: true },
      (tx, batchId) => recordRun(tx, { ...record, status: 'started', batchId }),
    );
    return { status: 'started', scheduledAt, period, batchId: started.batch.id, workflowStarted: started.workflowStarted };
  } catch (err) {
    if (!(err instanceof Problem) || err.status >= 500) throw err;
    await recordRun(services.db, { ...record, status: 'failed', batchId: null, errorCode: err.code, error: err.detail ?? err.title });
    run.log.warn({ scheduleId: schedule.id, scheduledAt, code: err.code }, 'declaration schedule run could not start its batch');
    return { status: 'failed', scheduledAt, period, code: err.code, message: err.detail ?? err.title };
  }
}
