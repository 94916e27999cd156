// The webhook dispatcher: one per task queue, for ever (started by each worker, src/temporal/
// webhook-dispatcher.ts). Each activity run follows the audit chain for a minute, polling every
// second; after an hour of runs the workflow continues as new, so its history stays short.
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { followingFor } from './activity-options';

const RUN_SECONDS = 60;
const POLL_MS = 1000;
const RUNS_PER_WORKFLOW = 60;

const follower = proxyActivities<Activities>(followingFor(RUN_SECONDS));

export async function webhookDispatcherWorkflow(): Promise<void> {
  for (let run = 0; run < RUNS_PER_WORKFLOW; run++) await follower.followAuditLogForWebhooks({ seconds: RUN_SECONDS, pollMs: POLL_MS });
  await continueAsNew<typeof webhookDispatcherWorkflow>();
}
