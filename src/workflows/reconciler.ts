// The reconciler (after Kill Bill's janitor), run by a Temporal Schedule: records whose workflow
// start was recorded but never made (the process that wrote them died first) get their workflow,
// and declaration schedules whose rows changed get their Temporal schedule brought up to date.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { DatabaseActivities } from '../activities';
import type { ReconcilerInput } from '../contracts/upkeep';
import { RECONCILER_PASS } from './activity-options';

const janitor = proxyActivities<DatabaseActivities>(RECONCILER_PASS);

/** Passes of the older code synced the schedules inside the starts' activity. */
export const SCHEDULE_SYNC_STEP_PATCH = 'schedule-sync-step';

type Report<A extends keyof DatabaseActivities> = Awaited<ReturnType<DatabaseActivities[A]>>;

export async function reconcilerWorkflow(input: ReconcilerInput): Promise<Report<'reconcileWorkflowStarts'> & { schedules?: Report<'syncDeclarationSchedules'> }> {
  const report = await janitor.reconcileWorkflowStarts(input);
  if (!patched(SCHEDULE_SYNC_STEP_PATCH)) return report;
  return { ...report, schedules: await janitor.syncDeclarationSchedules() };
}
