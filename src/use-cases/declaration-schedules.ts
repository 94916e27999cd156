// Declaration schedules (申报计划): created, paused, unpaused, deleted and run now by an operator.
// Each change is recorded first (row and audit entry in one transaction), then Temporal's schedule
// is brought to it (src/temporal/declaration-schedules.ts); when Temporal does not answer the change
// stands and the reconciler finishes it (the answer says `synced: false`).
import { HEADCOUNT_WARNING } from '../domain/notices';
import { Problem, notFound } from '../domain/problem';
import { changeSchedule, findScheduleRow, insertSchedule, type ScheduleChange, type ScheduleRow } from '../db/declaration-schedules';
import type { SchedulePeriod, ScheduleRunSummary } from '../domain/declaration-schedule';
import { syncSchedule, temporalScheduleIdOf } from '../temporal/declaration-schedules';
import type { Caller, Services } from './context';
import { runDeclarationSchedule } from './run-declaration-schedule';
import { MAX_BATCH_EMPLOYERS } from '../domain/batch';
import { checkKnownEmployers } from './start-declaration-batch';
import { newWorkId } from './start-work';

export interface ScheduleRequest {
  name: string;
  /** Every employer (at each run) when absent. */
  employerIds?: string[] | undefined;
  dayOfMonth: number;
  time: string;
  period: SchedulePeriod;
  paused?: boolean | undefined;
  /** F-2.4, for every run: headcount reductions are registered with the agency before each run. */
  headcountConfirmed: boolean;
}

export interface ScheduleResult {
  schedule: ScheduleRow;
  /** False when Temporal did not answer: the change is recorded and the reconciler makes it there. */
  synced: boolean;
}

const sync = (services: Services, id: string) => syncSchedule(services.temporal, services.db, services.config, id);

export async function createDeclarationSchedule(services: Services, caller: Caller, input: ScheduleRequest): Promise<ScheduleResult> {
  if (input.headcountConfirmed !== true) {
    throw new Problem(422, 'HEADCOUNT_NOT_CONFIRMED', 'Confirm the headcount for every run before scheduling', HEADCOUNT_WARNING);
  }
  const id = newWorkId(caller, 'S');
  // A repeat of a keyed request whose first try died carries on with the schedule it recorded.
  let schedule = caller.idempotency ? await findScheduleRow(services.db, id) : undefined;
  if (!schedule) {
    if (input.employerIds) {
      if (input.employerIds.length > MAX_BATCH_EMPLOYERS) throw new Problem(422, 'BATCH_TOO_LARGE', 'Too many employers for one batch', `at most ${MAX_BATCH_EMPLOYERS}`);
      await checkKnownEmployers(services, input.employerIds);
    }
    schedule = await insertSchedule(services.db, {
      id,
      name: input.name,
      employerIds: input.employerIds ?? null,
      dayOfMonth: input.dayOfMonth,
      time: input.time,
      period: input.period,
      temporalScheduleId: temporalScheduleIdOf(services.config.taskQueue, id),
      paused: input.paused ?? false,
      actor: caller.actor,
    });
  }
  const synced = await sync(services, id);
  if (!synced) caller.log.warn({ scheduleId: id }, 'Temporal schedule not made now; the reconciler will make it');
  return { schedule: (await findScheduleRow(services.db, id)) ?? schedule, synced };
}

export async function changeDeclarationSchedule(services: Services, caller: Caller, id: string, change: ScheduleChange): Promise<ScheduleResult> {
  const changed = await changeSchedule(services.db, id, change, caller.actor);
  if (!changed) throw notFound('declaration schedule', id);
  const synced = await sync(services, id);
  if (!synced) caller.log.warn({ scheduleId: id }, 'Temporal schedule not changed now; the reconciler will change it');
  return { schedule: (await findScheduleRow(services.db, id)) ?? changed, synced };
}

export type StartedRun = Extract<ScheduleRunSummary, { status: 'started' }>;

/** One run now, whatever the calendar (also while paused). The batch's refusal answers as a problem, and stays recorded as a failed run. */
export async function triggerDeclarationSchedule(services: Services, caller: Caller, id: string): Promise<StartedRun> {
  const schedule = await findScheduleRow(services.db, id);
  if (!schedule || schedule.deletedAt) throw notFound('declaration schedule', id);
  const outcome = await runDeclarationSchedule(services, {
    scheduleId: id,
    // A repeat of a keyed request is the same run.
    scheduledAt: caller.idempotency?.firstSeenAt ?? new Date(),
    trigger: 'manual',
    triggeredBy: caller.actor,
    log: caller.log,
  });
  if (outcome.status === 'skipped') throw notFound('declaration schedule', id);
  if (outcome.status === 'failed') throw new Problem(422, outcome.code, 'The run could not start its batch', outcome.message, { period: outcome.period });
  return outcome;
}
