// The activities of a declaration schedule's run (申报计划): record the run with its batch, then
// start the batch (src/temporal/scheduled-runs.ts). `runDeclarationSchedule` takes both steps at
// once, for the runs started before the workflow took them one by one (SCHEDULE_RUN_STEPS_PATCH).
import type { ScheduleRunSummary } from '../domain/declaration-schedule';
import { recordScheduledRun, startRunBatch, type ScheduledRun } from '../temporal/scheduled-runs';
import type { ActivityDeps } from './deps';

type RunInput = { scheduleId: string; scheduledAt: string };

/** The calendar's run: the schedule's own doing. */
const calendarRun = (input: RunInput): ScheduledRun => ({
  scheduleId: input.scheduleId,
  scheduledAt: new Date(input.scheduledAt),
  trigger: 'calendar',
  triggeredBy: `schedule:${input.scheduleId}`,
});

export function declarationScheduleActivities(deps: Pick<ActivityDeps, 'db' | 'temporal' | 'config' | 'codec'>) {
  return {
    async recordScheduledRun(input: RunInput): Promise<ScheduleRunSummary> {
      return recordScheduledRun(deps, calendarRun(input));
    },
    async startScheduledRunBatch(summary: ScheduleRunSummary): Promise<ScheduleRunSummary> {
      return startRunBatch(deps, summary);
    },
    async runDeclarationSchedule(input: RunInput): Promise<ScheduleRunSummary> {
      return startRunBatch(deps, await recordScheduledRun(deps, calendarRun(input)));
    },
  };
}
