// One run of a declaration schedule (申报计划), started by its Temporal Schedule: its activity
// starts the run's batch declaration (the batch is a workflow of its own). The run is named by its
// scheduled time, so a retried activity finds the batch it started and never starts two.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';
import type { ScheduleRunSummary } from '../domain/declaration-schedule';
import { persistent } from './activity-options';

export interface DeclarationScheduleInput {
  scheduleId: string;
}

/** Set by the Temporal Schedule on every workflow it starts (a trigger's time for a manual trigger). */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export async function declarationScheduleWorkflow(input: DeclarationScheduleInput): Promise<ScheduleRunSummary> {
  const info = workflowInfo();
  // Started by hand (not by the schedule): the start time names the run.
  const scheduledAt = info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? info.startTime;
  return persistent.runDeclarationSchedule({ scheduleId: input.scheduleId, scheduledAt: scheduledAt.toISOString() });
}
