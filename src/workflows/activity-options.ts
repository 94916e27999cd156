// How workflows call activities, shared so every workflow retries alike. Every activity heartbeats
// while it runs (the worker's ActivityGuard), so a dead worker's activity is retried on another
// within the heartbeat timeout, not after its start-to-close timeout.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/**
 * For calls that must happen: technical failures (the bureau or the database not answering)
 * retry without limit; the bureau's business answers are non-retryable and reach the workflow.
 */
export const HEARTBEAT_TIMEOUT = '8 seconds';

export const persistent = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

/** For look-ups that are asked again later anyway (a result, a voucher's state): give up soon. */
export const lookup = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
});
