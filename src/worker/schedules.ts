// The service's Temporal Schedules, created at start (idempotently: an existing one gets the
// current timing): the archiver every ARCHIVE_EVERY, and the reconciliation with the bureau each
// night at 01:00 China time for the day before. Both run on the service's task queue.
import { ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config';
import { WORKFLOW } from '../contracts/workflow-types';
import { upsertSchedule } from '../temporal/upsert-schedule';

export function scheduleIds(taskQueue: string) {
  return { archive: `sifee-archive-${taskQueue}`, reconciliation: `sifee-reconciliation-${taskQueue}` };
}

function schedules(config: Pick<Config, 'taskQueue' | 'archiveEverySeconds'>): ScheduleOptions[] {
  const ids = scheduleIds(config.taskQueue);
  return [
    {
      scheduleId: ids.archive,
      spec: { intervals: [{ every: `${config.archiveEverySeconds}s` }] },
      action: { type: 'startWorkflow', workflowType: WORKFLOW.archiveWorkflow, workflowId: `archive-${config.taskQueue}`, taskQueue: config.taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      memo: { purpose: 'copies closed workflow histories into the auditor’s archive' },
    },
    {
      scheduleId: ids.reconciliation,
      spec: { calendars: [{ hour: 1, minute: 0 }], timezone: 'Asia/Shanghai' },
      action: { type: 'startWorkflow', workflowType: WORKFLOW.reconciliationWorkflow, workflowId: `reconciliation-nightly-${config.taskQueue}`, taskQueue: config.taskQueue, args: [{}] },
      // A night missed while the service was down is caught up within a day.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      memo: { purpose: 'reconciles yesterday’s collections with the bureau’s ledger' },
    },
  ];
}

/** Creates the schedules, or brings existing ones to the current timing. Answers their ids. */
export async function ensureSchedules(client: Client, config: Pick<Config, 'taskQueue' | 'archiveEverySeconds'>): Promise<string[]> {
  const ids: string[] = [];
  for (const options of schedules(config)) {
    await upsertSchedule(client, options);
    ids.push(options.scheduleId);
  }
  return ids;
}
