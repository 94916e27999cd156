// The reconciler's activity: starts the workflows whose start was recorded but never made, and
// brings Temporal's declaration schedules to what their rows say.
import { syncUnsyncedSchedules, type ScheduleSyncReport } from '../starts/declaration-schedules';
import { reconcileStarts, type ReconcileReport } from '../starts/workflow-starts';
import type { ActivityDeps } from './deps';

export function reconcilerActivities({ db, temporal, codec, config }: Pick<ActivityDeps, 'db' | 'temporal' | 'codec' | 'config'>) {
  return {
    async reconcileWorkflowStarts(input: { graceSeconds: number }): Promise<ReconcileReport & { schedules: ScheduleSyncReport }> {
      const report = await reconcileStarts(temporal, db, codec, { olderThanMs: input.graceSeconds * 1000 });
      return { ...report, schedules: await syncUnsyncedSchedules(temporal, db, config) };
    },
  };
}
