// When a webhook delivery is tried again (WEBHOOK_RETRY_SCHEDULE): the schedule's waits one after
// another, the last repeating, until WEBHOOK_RETRY_FOR after the first attempt. The same rule as
// failed deductions (nextRetryAt), with the give-up time in place of the payment deadline.
import { parseDurationSeconds } from './duration';
import { nextRetryAt, parseRetrySchedule } from './retry-schedule';

export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = '10s,1m,5m,30m,2h,6h';
export const DEFAULT_WEBHOOK_RETRY_FOR = '3d';

/** How long an answer may take: no answer within it is a failed attempt. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookRetry {
  /** The waits after each failed attempt, in seconds; the last repeats. */
  scheduleSeconds: number[];
  /** No attempt starts later than this after the first. */
  forSeconds: number;
}

/** A delivery workflow's input: ids and timings only (the activity loads the URL and the secret). */
export interface WebhookDeliveryInput {
  deliveryId: string;
  /** 1 for the first delivery, then one more for each redelivery: each round is its own workflow. */
  round: number;
  retry: WebhookRetry;
}

/** WEBHOOK_RETRY_SCHEDULE and WEBHOOK_RETRY_FOR: at least one wait, each longer than zero. */
export function parseWebhookRetry(schedule: string, retryFor: string): WebhookRetry {
  const scheduleSeconds = parseRetrySchedule(schedule);
  if (scheduleSeconds.length === 0 || scheduleSeconds.some((s) => s <= 0)) {
    throw new Error(`WEBHOOK_RETRY_SCHEDULE "${schedule}" must list at least one wait longer than zero, e.g. ${DEFAULT_WEBHOOK_RETRY_SCHEDULE}`);
  }
  return { scheduleSeconds, forSeconds: parseDurationSeconds(retryFor, 'WEBHOOK_RETRY_FOR') };
}

/** The attempt after `failedAttempts` failed ones, or null when it would start after the give-up time. */
export function nextAttemptAt(failedAttempts: number, now: Date, retry: WebhookRetry, firstAttemptAt: Date): Date | null {
  return nextRetryAt(failedAttempts, now, retry.scheduleSeconds, new Date(firstAttemptAt.getTime() + retry.forSeconds * 1000));
}
