// The webhook activities: the dispatcher's pass over the audit chain, and one attempt of a
// delivery. The attempt loads the webhook (its URL and sealed secret) by the delivery's id, so
// neither reaches a workflow history; it answers only the outcome.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { dispatchWebhookEvents } from '../db/webhook-dispatch';
import { cancelDelivery, deliveryToSend, deliveryWorkflowId, getAttempt, recordDeliveryAttempt } from '../db/webhooks';
import { eventIdOf, webhookEventBody } from '../domain/webhook-events';
import { WEBHOOK_TIMEOUT_MS } from '../domain/webhook-retries';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from '../domain/webhook-signature';
import { dispatchStart, findStart, recordStart } from '../temporal/workflow-starts';
import { postWebhook, type PostOutcome } from '../webhooks/post';
import { openSecret } from '../webhooks/secret';
import { WebhookTargetRefused, resolveWebhookTarget } from '../webhooks/target';
import type { WebhookDeliveryInput } from '../domain/webhook-retries';
import type { ActivityDeps } from './deps';
import { WORKFLOW } from '../contracts/workflow-types';

export interface AttemptInput {
  deliveryId: string;
  round: number;
  n: number;
  /** Seconds until the next attempt should this one fail; null when it is the last. */
  retryInSeconds: number | null;
}

export interface AttemptResult {
  /** `retrying`: not answered with a 2xx, tried again after retryInSeconds; `superseded`: a redelivery took over. */
  outcome: 'delivered' | 'retrying' | 'failed' | 'cancelled' | 'superseded';
  statusCode: number | null;
}

function resultOf(a: { statusCode: number | null }, retryInSeconds: number | null): AttemptResult {
  const ok = a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300;
  return { outcome: ok ? 'delivered' : retryInSeconds === null ? 'failed' : 'retrying', statusCode: a.statusCode };
}

export function webhookActivities({ db, temporal, codec, config }: Pick<ActivityDeps, 'db' | 'temporal' | 'codec' | 'config'>) {
  const settings = config.webhooks;
  return {
    /**
     * The dispatcher: for `seconds`, passes over the audit chain every `pollMs` (at once while a
     * backlog lasts), making each new delivery with its workflow start and starting it. A start
     * that fails here is the reconciler's (the outbox, src/temporal/workflow-starts.ts).
     */
    async followAuditLogForWebhooks(input: { seconds: number; pollMs: number }): Promise<{ deliveries: number }> {
      const ctx = Context.current();
      const { taskQueue } = ctx.info;
      const until = Date.now() + input.seconds * 1000;
      let deliveries = 0;
      while (Date.now() < until) {
        const pass = await dispatchWebhookEvents(db, (tx, deliveryId) => {
          const args: [WebhookDeliveryInput] = [{ deliveryId, round: 1, retry: settings.retry }];
          const workflowId = deliveryWorkflowId(deliveryId, 1);
          return recordStart(tx, codec, { workflowId, workflowType: WORKFLOW.webhookDeliveryWorkflow, taskQueue, subjectType: 'webhook_delivery', subjectId: deliveryId, requestRef: null, args, attributes: {} });
        });
        for (const deliveryId of pass.deliveryIds) {
          const row = await findStart(db, deliveryWorkflowId(deliveryId, 1));
          if (row) await dispatchStart(temporal, db, codec, row);
        }
        deliveries += pass.deliveryIds.length;
        // Cancellable (worker shutdown): the guard's heartbeats bring the cancellation in.
        if (!pass.more) await ctx.sleep(input.pollMs);
      }
      return { deliveries };
    },

    /** One POST of a delivery, signed, recorded with where the delivery stands after it. */
    async attemptWebhookDelivery(input: AttemptInput): Promise<AttemptResult> {
      const found = await deliveryToSend(db, input.deliveryId);
      if (!found) throw ApplicationFailure.nonRetryable(`no webhook delivery ${input.deliveryId}`, 'DELIVERY_NOT_FOUND');
      const { delivery, webhook, event } = found;
      if (delivery.round !== input.round) return { outcome: 'superseded', statusCode: null };
      // This activity ran before and recorded its attempt, then its worker died: do not send again.
      const earlier = await getAttempt(db, input.deliveryId, input.round, input.n);
      if (earlier) return resultOf(earlier, input.retryInSeconds);
      if (webhook.deletedAt) {
        await cancelDelivery(db, input.deliveryId, input.round);
        return { outcome: 'cancelled', statusCode: null };
      }

      const at = new Date();
      const started = performance.now();
      let answer: PostOutcome;
      try {
        const target = await resolveWebhookTarget(webhook.url, settings.allowedHosts);
        const body = JSON.stringify(webhookEventBody(event));
        const signature = signatureHeader(await openSecret(codec, webhook.id, webhook.secret), Math.floor(Date.now() / 1000), body);
        answer = await postWebhook(target, body, { [EVENT_ID_HEADER]: eventIdOf(event.seq), [SIGNATURE_HEADER]: signature }, WEBHOOK_TIMEOUT_MS);
      } catch (err) {
        // A host that now resolves to a private address (or not at all) is a failed attempt, retried on the schedule.
        if (!(err instanceof WebhookTargetRefused)) throw err;
        answer = { statusCode: null, error: err.message };
      }
      const durationMs = Math.round(performance.now() - started);
      const nextAttemptAt = input.retryInSeconds === null ? null : new Date(Date.now() + input.retryInSeconds * 1000);
      await recordDeliveryAttempt(db, { deliveryId: input.deliveryId, round: input.round, n: input.n, at, statusCode: answer.statusCode, error: answer.error, durationMs, nextAttemptAt });
      return resultOf(answer, input.retryInSeconds);
    },
  };
}
