// One run of a declaration schedule (申报计划), started by its Temporal Schedule: the run is recorded
// with its batch declaration, then the batch (a workflow of its own) is started. The run is named
// by its scheduled time, so a retried step finds the batch it recorded and never makes two.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { patched, workflowInfo } from '@temporalio/workflow';
import type { DeclarationScheduleInput } from '../contracts/declaration-schedule';
import type { ScheduleRunSummary } from '../domain/declaration-schedule';
import { database } from './activity-options';

/** Set by the Temporal Schedule on every workflow it starts (a trigger's time for a manual trigger). */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Runs of the older code took both steps in one activity (`runDeclarationSchedule`). */
export const SCHEDULE_RUN_STEPS_PATCH = 'schedule-run-steps';

export async function declarationScheduleWorkflow(input: DeclarationScheduleInput): Promise<ScheduleRunSummary> {
  const info = workflowInfo();
  // Started by hand (not by the schedule): the start time names the run.
  const scheduledAt = (info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? info.startTime).toISOString();
  const run = { scheduleId: input.scheduleId, scheduledAt };
  if (!patched(SCHEDULE_RUN_STEPS_PATCH)) return database.runDeclarationSchedule(run);
  const recorded = await database.recordScheduledRun(run);
  return database.startScheduledRunBatch(recorded);
}
