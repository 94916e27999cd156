// The reconciler runs on a Temporal Schedule (visible in the UI and `temporal schedule list`),
// one per task queue, made or brought up to date when a worker starts.
import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import type { reconcilerWorkflow } from '../workflows/reconciler';

export const reconcilerScheduleId = (taskQueue: string) => `reconciler-${taskQueue}`;

export async function ensureReconcilerSchedule(client: Client, o: { taskQueue: string; everySeconds: number; graceSeconds: number }): Promise<string> {
  const scheduleId = reconcilerScheduleId(o.taskQueue);
  const spec = { intervals: [{ every: `${o.everySeconds} seconds` as const }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'reconcilerWorkflow',
    taskQueue: o.taskQueue,
    args: [{ graceSeconds: o.graceSeconds }] as Parameters<typeof reconcilerWorkflow>,
    workflowExecutionTimeout: '5 minutes',
  };
  try {
    // A pass that is still running when the next is due is enough: overlap skips.
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: 'SKIP', catchupWindow: '1 minute' } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
  return scheduleId;
}
