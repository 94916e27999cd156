// Webhooks (docs/webhooks.md): registering one (its URL checked against server-side request
// forgery, its secret made, sealed and shown once), deleting one, and redelivering a delivery.
import { WorkflowNotFoundError } from '@temporalio/client';
import { Problem, notFound } from '../domain/problem';
import {
  auditDeliverNow,
  deleteWebhook,
  deliveryWorkflowId,
  findWebhookByRequest,
  getDelivery,
  getWebhook,
  insertWebhook,
  startDeliveryRound,
  type DeliveryRecord,
  type WebhookRow,
} from '../db/webhooks';
import { newWebhookSecret } from '../domain/webhook-signature';
import { deliverNowSignal } from '../contracts/webhook';
import type { WebhookDeliveryInput } from '../domain/webhook-retries';
import { WebhookTargetRefused, resolveWebhookTarget } from '../webhooks/target';
import { sealSecret } from '../webhooks/secret';
import type { Caller, Services } from './context';
import { newWorkId, startWork } from './start-work';
import { WORKFLOW } from '../contracts/workflow-types';

export interface WebhookRequest {
  url: string;
  events: string[];
  description?: string | undefined;
}

export interface RegisteredWebhook {
  webhook: WebhookRow;
  /** Shown once, in the answer that registers it; null for a repeat of the same keyed request. */
  secret: string | null;
}

export async function registerWebhook(services: Services, caller: Caller, input: WebhookRequest): Promise<RegisteredWebhook> {
  // A repeat of a keyed request gets the webhook its first try registered, without its secret: a
  // secret is shown once (whoever holds the key later, or replays it, does not get it again; a
  // client whose first answer was lost deletes the webhook and registers another). Deleted, it is gone.
  const ref = caller.idempotency?.ref ?? null;
  const earlier = ref ? await findWebhookByRequest(services.db, ref) : undefined;
  if (earlier?.deletedAt) throw new Problem(404, 'NOT_FOUND', 'webhook not found', `webhook ${earlier.id}, which this request registered, was deleted: register a new one with a new Idempotency-Key`);
  if (earlier) return { webhook: earlier, secret: null };

  let url: URL;
  try {
    ({ url } = await resolveWebhookTarget(input.url, services.config.webhooks.allowedHosts));
  } catch (err) {
    if (err instanceof WebhookTargetRefused) throw new Problem(422, err.code, 'This URL cannot receive webhooks', err.message);
    throw err;
  }
  const id = newWorkId(caller, 'W');
  const secret = newWebhookSecret();
  const webhook = await insertWebhook(services.db, {
    id,
    url: url.href,
    events: [...new Set(input.events)],
    description: input.description ?? null,
    secret: sealSecret(services.codec, id, secret),
    requestRef: ref,
    createdBy: caller.actor,
  });
  return { webhook, secret };
}

export async function removeWebhook(services: Services, caller: Caller, id: string): Promise<void> {
  if (!(await deleteWebhook(services.db, id, caller.actor))) throw notFound('webhook', id);
}

/** A delivery of a webhook that is not deleted, or 404. */
export async function webhookDelivery(services: Services, webhookId: string, deliveryId: string): Promise<DeliveryRecord> {
  if (!(await getWebhook(services.db, webhookId))) throw notFound('webhook', webhookId);
  const delivery = await getDelivery(services.db, webhookId, deliveryId);
  if (!delivery) throw notFound('webhook delivery', deliveryId);
  return delivery;
}

/**
 * Sends a delivery again: one still being retried is tried at once (its workflow is signalled);
 * one that ended (delivered, failed, cancelled) starts a new round, its own workflow with the full
 * retry schedule. Either way the receiver gets the same event id.
 */
export async function redeliver(services: Services, caller: Caller, input: { webhookId: string; deliveryId: string }): Promise<DeliveryRecord> {
  await startWork(services, caller, {
    subject: 'webhook_delivery',
    found: () => webhookDelivery(services, input.webhookId, input.deliveryId),
    record: async ({ startWith }) => {
      const delivery = await webhookDelivery(services, input.webhookId, input.deliveryId);
      if (delivery.status === 'pending') {
        try {
          await services.temporal.workflow.getHandle(deliveryWorkflowId(delivery.id, delivery.round)).signal(deliverNowSignal);
          await auditDeliverNow(services.db, delivery.id, delivery.round, caller.actor);
          return { result: delivery, start: undefined };
        } catch (err) {
          // Its workflow ended (or was never started): a new round.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      const round = await startDeliveryRound(services.db, { deliveryId: delivery.id, fromRound: delivery.round, actor: caller.actor }, (tx, round) => {
        const args: [WebhookDeliveryInput] = [{ deliveryId: delivery.id, round, retry: services.config.webhooks.retry }];
        return startWith({ workflowId: deliveryWorkflowId(delivery.id, round), workflowType: WORKFLOW.webhookDeliveryWorkflow, subjectType: 'webhook_delivery', subjectId: delivery.id, attributes: {}, args })(tx);
      });
      // Undefined: another redelivery started a round first; that one is under way.
      return { result: delivery, start: round === undefined ? undefined : deliveryWorkflowId(delivery.id, round) };
    },
  });
  return webhookDelivery(services, input.webhookId, input.deliveryId);
}
