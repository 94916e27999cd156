// The reconciler's activities: start the workflows whose start was recorded but never made, and
// bring Temporal's declaration schedules to what their rows say (two repairs, each its own step).
import { syncUnsyncedSchedules, type ScheduleSyncReport } from '../temporal/declaration-schedules';
import { reconcileStarts, type ReconcileReport } from '../temporal/workflow-starts';
import type { ActivityDeps } from './deps';

export function reconcilerActivities({ db, temporal, codec, config }: Pick<ActivityDeps, 'db' | 'temporal' | 'codec' | 'config'>) {
  return {
    async reconcileWorkflowStarts(input: { graceSeconds: number }): Promise<ReconcileReport> {
      return reconcileStarts(temporal, db, codec, { olderThanMs: input.graceSeconds * 1000 });
    },
    async syncDeclarationSchedules(): Promise<ScheduleSyncReport> {
      return syncUnsyncedSchedules(temporal, db, config);
    },
  };
}
