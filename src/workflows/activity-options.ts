// How workflows call activities, shared so every workflow retries alike.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/**
 * For calls that must happen: technical failures (the bureau or the database not answering)
 * retry without limit; the bureau's business answers are non-retryable and reach the workflow.
 */
export const persistent = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

/** For look-ups that are asked again later anyway (a result, a voucher's state): give up soon. */
export const lookup = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
});
