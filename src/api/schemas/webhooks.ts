// Webhooks as the API gives them: the webhook (its secret only in the answer that registers it),
// and its deliveries, each with its attempts.
import { DELIVERY_STATUSES } from '../../db/webhooks';
import { WEBHOOK_EVENT_DESCRIPTIONS, WEBHOOK_SUBSCRIPTIONS } from '../../domain/webhook-events';
import { Enum, Id, Nullable, Timestamp, Type } from './common';

export const WebhookId = Object.assign(Id('webhook'), {
  description: 'webhook id: W, the China date it was registered (YYYYMMDD), -, 10 hex digits; e.g. W20261015-3f9a0c21de',
});
export const DeliveryId = Object.assign(Id('webhook delivery'), { description: 'webhook delivery id: <webhook id>-<event seq>' });

export const WebhookEventName = Enum(
  WEBHOOK_SUBSCRIPTIONS,
  'an audit log action, `<resource>.*` for every action of a resource, or `*` for all (webhook.* and workflow.* are never delivered). ' +
    Object.entries(WEBHOOK_EVENT_DESCRIPTIONS)
      .map(([event, meaning]) => `${event}: ${meaning}`)
      .join('; '),
);

export const WebhookView = Type.Object({
  id: WebhookId,
  url: Type.String({ description: 'where deliveries are POSTed' }),
  events: Type.Array(WebhookEventName, { description: 'what it hears' }),
  description: Nullable(Type.String()),
  createdBy: Type.String({ description: 'who registered it' }),
  createdAt: Timestamp,
});

export const NewWebhook = Type.Composite([
  WebhookView,
  Type.Object({
    secret: Type.String({
      description: 'the signing secret (whsec_…), shown in this answer only: Sifee-Signature is HMAC-SHA256 keyed with it (docs/webhooks.md)',
    }),
  }),
]);

export const WebhookList = Type.Object({ webhooks: Type.Array(WebhookView) });

export const DeliveryAttempt = Type.Object({
  round: Type.Integer({ minimum: 1, description: 'the delivery’s round: 1, then one more per redelivery' }),
  n: Type.Integer({ minimum: 1, description: 'the attempt within its round' }),
  at: Timestamp,
  statusCode: Nullable(Type.Integer({ description: 'the receiver’s HTTP status; null when it gave no answer' })),
  error: Nullable(Type.String({ description: 'why there was no answer: refused, timed out after 10 s, a private address …' })),
  durationMs: Type.Integer({ minimum: 0 }),
});

export const DeliveryView = Type.Object({
  id: DeliveryId,
  eventId: Type.String({ description: 'evt_<seq>: the Sifee-Event-Id header and the body’s id, the same in every attempt' }),
  type: Type.String({ description: 'the event: its audit log action, e.g. payment.paid' }),
  subject: Type.String({ description: 'what it is about: the payment, declaration … id' }),
  eventAt: Timestamp,
  status: Enum(DELIVERY_STATUSES, 'pending (being tried, see nextAttemptAt), delivered (a 2xx answer), failed (no 2xx within the retry time), cancelled (the webhook was deleted)'),
  round: Type.Integer({ minimum: 1, description: 'the current round: 1, then one more per redelivery' }),
  nextAttemptAt: Nullable(Timestamp),
  deliveredAt: Nullable(Timestamp),
  createdAt: Timestamp,
  attempts: Type.Array(DeliveryAttempt, { description: 'oldest first' }),
});

export const DeliveryList = Type.Object({ deliveries: Type.Array(DeliveryView) });
