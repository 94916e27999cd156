// The reconciler's activity: starts the workflows whose start was recorded but never made.
import { reconcileStarts, type ReconcileReport } from '../starts/workflow-starts';
import type { ActivityDeps } from './deps';

export function reconcilerActivities({ db, temporal, codec }: Pick<ActivityDeps, 'db' | 'temporal' | 'codec'>) {
  return {
    async reconcileWorkflowStarts(input: { graceSeconds: number }): Promise<ReconcileReport> {
      return reconcileStarts(temporal, db, codec, { olderThanMs: input.graceSeconds * 1000 });
    },
  };
}
