// The reconciler runs on a Temporal Schedule (visible in the UI and `temporal schedule list`),
// one per task queue, made or brought up to date when a worker starts.
import type { Client } from '@temporalio/client';
import { upsertSchedule } from './upsert-schedule';
import type { ReconcilerInput } from '../contracts/upkeep';
import { WORKFLOW } from '../contracts/workflow-types';

export const reconcilerScheduleId = (taskQueue: string) => `sifee-reconciler-${taskQueue}`;

export async function ensureReconcilerSchedule(client: Client, o: { taskQueue: string; everySeconds: number; graceSeconds: number }): Promise<string> {
  const scheduleId = reconcilerScheduleId(o.taskQueue);
  const spec = { intervals: [{ every: `${o.everySeconds} seconds` as const }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: WORKFLOW.reconcilerWorkflow,
    taskQueue: o.taskQueue,
    args: [{ graceSeconds: o.graceSeconds }] satisfies [ReconcilerInput],
    workflowExecutionTimeout: '5 minutes',
  };
  // A pass that is still running when the next is due is enough: overlap skips.
  await upsertSchedule(client, { scheduleId, spec, action, policies: { overlap: 'SKIP', catchupWindow: '1 minute' } });
  return scheduleId;
}
