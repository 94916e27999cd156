// Retry schedules: delays one after another, the last repeating, until a time after which no
// attempt is made. A failed deduction's (PAYMENT_RETRY_SCHEDULE, until the payment deadline) and a
// webhook delivery's (WEBHOOK_RETRY_SCHEDULE, until it gives up) are both this.
import { parseDurationSeconds } from './duration';

/**
 * When to try again after `failedAttempts` failures: the schedule's delays one after another (the
 * last one repeating), never after `deadline`. Null when no attempt fits before it.
 */
export function nextRetryAt(failedAttempts: number, now: Date, scheduleSeconds: readonly number[], deadline: Date): Date | null {
  if (scheduleSeconds.length === 0 || failedAttempts < 1) return null;
  const delay = scheduleSeconds[Math.min(failedAttempts, scheduleSeconds.length) - 1] as number;
  const at = new Date(now.getTime() + delay * 1000);
  return at <= deadline ? at : null;
}

/** Parses a schedule such as "10m,1h,4h,1d" into seconds. */
export function parseRetrySchedule(spec: string): number[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part) => parseDurationSeconds(part, 'retry schedule entry'));
}
