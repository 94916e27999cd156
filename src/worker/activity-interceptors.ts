// What every activity gets from the worker, whatever it does:
// - heartbeats while it runs, so a worker that dies is noticed within the heartbeat timeout
//   (seconds) instead of the start-to-close timeout (minutes);
// - failures that retrying cannot fix (a constraint the data breaks, data PostgreSQL refuses)
//   end the retries at once, as non-retryable failures the workflow turns into a visible state;
// - a failure that is retried is recorded (activity_failures) with its attempt, so an activity
//   failing again and again shows on its record, in /metrics and in the console; its success
//   clears it.
import { ApplicationFailure, type Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import type { Db } from '../db/client';
import { clearActivityFailure, recordActivityFailure } from '../db/activity-failures';
import { permanentDataError } from '../db/errors';

/** Heartbeats this often; workflows give activities a heartbeat timeout a few times longer. */
export const HEARTBEAT_EVERY_MS = 2_000;

export class ActivityGuard implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: Context,
    private readonly db: Db,
  ) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { ctx } = this;
    const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
    const { workflowExecution, activityId, activityType, attempt } = ctx.info;
    const where = { workflowId: workflowExecution?.workflowId ?? '', activityId };
    try {
      const result = await next(input);
      if (attempt > 1) await clearActivityFailure(this.db, where).catch(() => {});
      return result;
    } catch (err) {
      const permanent = permanentDataError(err);
      const failure = permanent ? ApplicationFailure.nonRetryable(permanent.message, permanent.type) : err;
      const message = failure instanceof Error ? failure.message : String(failure);
      const retried = !(failure instanceof ApplicationFailure && failure.nonRetryable);
      // A retried failure is shown while it goes on; a permanent data error is kept, as the
      // reason a step ended; a business refusal is the workflow's to show.
      if (retried || permanent) await recordActivityFailure(this.db, { ...where, activityType, attempt, lastError: message.slice(0, 1000), final: !retried }).catch(() => {});
      else if (attempt > 1) await clearActivityFailure(this.db, where).catch(() => {});
      throw failure;
    } finally {
      clearInterval(beat);
    }
  }
}
