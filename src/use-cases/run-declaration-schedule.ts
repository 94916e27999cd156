// An operator's "run now" of a declaration schedule (申报计划): the run recorded with its batch and
// started, as the schedule's own runs are (src/temporal/scheduled-runs.ts), said in the log.
import type { ScheduleRunSummary } from '../domain/declaration-schedule';
import { recordScheduledRun, startRunBatch, type ScheduledRun } from '../temporal/scheduled-runs';
import type { Caller, Services } from './context';

export async function runDeclarationSchedule(services: Services, run: ScheduledRun & { log: Caller['log'] }): Promise<ScheduleRunSummary> {
  const outcome = await startRunBatch(services, await recordScheduledRun(services, run));
  const at = { scheduleId: run.scheduleId, scheduledAt: run.scheduledAt.toISOString() };
  if (outcome.status === 'failed') run.log.warn({ ...at, code: outcome.code }, 'declaration schedule run could not start its batch');
  if (outcome.status === 'started' && !outcome.workflowStarted) run.log.warn({ ...at, batchId: outcome.batchId }, 'batch not started now; the reconciler will start it');
  return outcome;
}
