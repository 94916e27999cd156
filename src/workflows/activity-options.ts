// How workflows call activities, shared so every workflow retries alike. Every activity heartbeats
// while it runs (the worker's ActivityGuard), so a dead worker's activity is retried on another
// within the heartbeat timeout, not after its start-to-close timeout.
import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { BureauActivities, DatabaseActivities } from '../activities';
import { bureauTaskQueue } from '../task-queues';

export const HEARTBEAT_TIMEOUT = '8 seconds';

/**
 * For calls that must happen: technical failures (the bureau or the database not answering)
 * retry without limit; the bureau's business answers are non-retryable and reach the workflow.
 */
export const PERSISTENT: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' },
};

/** For look-ups that are asked again later anyway (a result, a voucher's state): give up soon. */
export const LOOKUP: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
};

/** The database's activities, on the workflow's own task queue, retried until they succeed. */
export const database = proxyActivities<DatabaseActivities>(PERSISTENT);

/**
 * The bureau's activities, on the bureau's task queue, where they wait for the service-wide
 * budget of requests a second (time spent waiting there is not part of the start-to-close
 * timeout). Call it in workflow code: the queue is named after the workflow's own.
 */
export function atBureau(options: ActivityOptions = PERSISTENT) {
  return proxyActivities<BureauActivities>({ ...options, taskQueue: bureauTaskQueue(workflowInfo().taskQueue) });
}
