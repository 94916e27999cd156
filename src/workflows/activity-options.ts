// How workflows call activities: every named retry setting of theirs, in one place. Every activity heartbeats
// while it runs (the worker's ActivityGuard), so a dead worker's activity is retried on another
// within the heartbeat timeout, not after its start-to-close timeout.
import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { BureauActivities, DatabaseActivities } from '../activities';
import { bureauTaskQueue } from '../contracts/task-queues';

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

/** Someone waits for a print (a certificate): a few attempts, then the print fails with its reason. */
export const WAITED_FOR: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 4 },
};

/** Preparing a batch's employer gives up after a few attempts: a bureau that does not answer fails that employer only. */
export const PREPARE_ATTEMPTS = 3;
export const PREPARE_BATCH_ENTRY: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds', // a page of items is a heartbeat: a lost worker is noticed soon
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: PREPARE_ATTEMPTS },
};

/** A bulk payment's employer likewise: a few attempts, then that employer fails with the reason. */
export const PAY_ATTEMPTS = 3;
export const PAY_BULK_ENTRY: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: PAY_ATTEMPTS },
};

/** A voucher print that keeps failing is recorded and can be done again from the print records (F-4.8). */
export const VOUCHER_PRINT: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
};

/** Upkeep run by a schedule: the next scheduled run tries again, so no long retry here. */
export const RECONCILER_PASS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
};
export const ARCHIVE_ROUND: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
};
/** A day's reconciliation reads the bureau's ledger: patient, a night may be missed and caught up. */
export const RECONCILIATION_DAY: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 10 },
};
/** The webhook dispatcher's follower runs for `seconds`; the database down, it tries again without end. */
export const followingFor = (seconds: number): ActivityOptions => ({
  startToCloseTimeout: `${seconds + 60} seconds`,
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

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
