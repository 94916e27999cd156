// Temporal Schedules are made idempotently, the one way every schedule of ours is: created, or an
// existing one brought to the options given (its spec, action and policies, and its state when
// given: paused or not, with its note).
import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';

export async function upsertSchedule(client: Client, options: ScheduleOptions): Promise<void> {
  try {
    await client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const { spec, action, policies, state } = options;
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, spec, action, policies: policies ?? previous.policies, ...(state ? { state } : {}) }));
  }
}
