// The reconciler (after Kill Bill's janitor), run by a Temporal Schedule: records whose workflow
// start was recorded but never made (the process that wrote them died first) get their workflow.
import { proxyActivities } from '@temporalio/workflow';
import type { DatabaseActivities } from '../activities';
import { HEARTBEAT_TIMEOUT } from './activity-options';

const janitor = proxyActivities<DatabaseActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  // The next scheduled run tries again: no long retry here.
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});

export async function reconcilerWorkflow(input: { graceSeconds: number }): ReturnType<DatabaseActivities['reconcileWorkflowStarts']> {
  return janitor.reconcileWorkflowStarts(input);
}
