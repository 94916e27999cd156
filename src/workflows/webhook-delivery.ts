// One round of a webhook delivery: POST until a 2xx answer, retried on WEBHOOK_RETRY_SCHEDULE (the
// last wait repeating) until WEBHOOK_RETRY_FOR after the first attempt. Only ids and timings are in
// its history: the activity loads the URL and the secret by the delivery's id.
import { condition, setHandler } from '@temporalio/workflow';
import type { AttemptResult } from '../activities/webhooks';
import { nextAttemptAt, type WebhookDeliveryInput } from '../domain/webhook-retries';
import { database } from './activity-options';
import { deliverNowSignal } from '../contracts/webhook';

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<AttemptResult['outcome']> {
  let now = false;
  setHandler(deliverNowSignal, () => {
    now = true;
  });
  const firstAttemptAt = new Date();
  for (let n = 1; ; n++) {
    const next = nextAttemptAt(n, new Date(), input.retry, firstAttemptAt);
    const retryInSeconds = next ? (next.getTime() - Date.now()) / 1000 : null;
    now = false;
    const { outcome } = await database.attemptWebhookDelivery({ deliveryId: input.deliveryId, round: input.round, n, retryInSeconds });
    if (outcome !== 'retrying' || retryInSeconds === null) return outcome;
    await condition(() => now, retryInSeconds * 1000);
  }
}
