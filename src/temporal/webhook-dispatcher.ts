// The webhook dispatcher's workflow, started by every worker (one runs per task queue: a second
// start finds it running). If it ever ended, the next worker start starts it again, and it carries
// on from its checkpoint in the database.
import type { Client } from '@temporalio/client';
import { WORKFLOW } from '../contracts/workflow-types';

export const webhookDispatcherId = (taskQueue: string) => `sifee-webhook-dispatcher-${taskQueue}`;

export async function ensureWebhookDispatcher(client: Client, taskQueue: string): Promise<string> {
  const workflowId = webhookDispatcherId(taskQueue);
  await client.workflow.start(WORKFLOW.webhookDispatcherWorkflow, { taskQueue, workflowId, args: [], workflowIdConflictPolicy: 'USE_EXISTING' });
  return workflowId;
}
