// Signed webhooks (docs/webhooks.md): operators register and delete them and redeliver; every role
// reads them and their deliveries.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DELIVERY_STATUSES, getWebhook, listDeliveries, listWebhooks, type DeliveryRecord, type DeliveryStatus, type WebhookRow } from '../../db/webhooks';
import { maskUrlCredentials } from '../../domain/redact';
import { eventIdOf } from '../../domain/webhook-events';
import { redeliver, registerWebhook, removeWebhook } from '../../use-cases/webhooks';
import { callerOf } from '../caller';
import { notFound } from '../../domain/problem';
import { Enum, NoContent, Type, errors } from '../schemas/common';
import { DeliveryId, DeliveryList, DeliveryView, NewWebhook, WebhookEventName, WebhookId, WebhookList, WebhookView } from '../schemas/webhooks';

const DEFAULT_DELIVERIES = 50;

function webhookView(w: WebhookRow) {
  return {
    id: w.id,
    // Its query or user name may be the receiver's credentials: every view masks them.
    url: maskUrlCredentials(w.url),
    events: w.events,
    description: w.description,
    createdBy: w.createdBy,
    createdAt: w.createdAt.toISOString(),
  };
}

function deliveryView(d: DeliveryRecord) {
  return {
    id: d.id,
    eventId: eventIdOf(d.eventSeq),
    type: d.eventType,
    subject: d.subject,
    eventAt: d.eventAt.toISOString(),
    status: d.status as DeliveryStatus,
    round: d.round,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    attempts: d.attempts.map((a) => ({ round: a.round, n: a.n, at: a.at.toISOString(), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
  };
}

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/webhooks',
    {
      // The answer holds the secret: not stored with an Idempotency-Key; a repeat is answered afresh (200 without the secret, 404 once deleted).
      config: { access: 'write', answerHoldsSecret: true },
      schema: {
        summary: 'Register a webhook: events are POSTed to its URL, signed with a secret shown in this answer only',
        description:
          'The URL must be http or https, and its host must resolve to public addresses only (loopback, private and link-local addresses are refused with 422 unless the host is in WEBHOOK_ALLOWED_HOSTS); it is checked again before every attempt. ' +
          'The webhook hears the events written after it is registered. See docs/webhooks.md for the body, the signature and the retries. ' +
          'Answers show the URL with the values of its query masked (`?token=***`). ' +
          'A repeat with the same Idempotency-Key registers nothing: it answers 200 with the webhook but not its secret (shown once only; if the first answer was lost, delete the webhook and register another), or 404 once the webhook is deleted.',
        tags: ['webhooks'],
        body: Type.Object(
          {
            url: Type.String({ minLength: 1, maxLength: 2000, description: 'http:// or https:// URL, without user name or password', examples: ['https://payroll.example.com/sifee/events'] }),
            events: Type.Array(WebhookEventName, { minItems: 1, maxItems: 100, description: 'the events to hear, e.g. ["payment.paid", "declaration.*"] or ["*"]' }),
            description: Type.Optional(Type.String({ maxLength: 500, description: 'what the receiver is, for people' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: NewWebhook, 200: WebhookView, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { webhook, secret } = await registerWebhook(app, callerOf(request), request.body);
      if (secret === null) return reply.status(200).header('idempotent-replayed', 'true').send(webhookView(webhook));
      return reply.status(201).send({ ...webhookView(webhook), secret });
    },
  );

  app.get(
    '/webhooks',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The webhooks, newest first (never their secrets)',
        tags: ['webhooks'],
        response: { 200: WebhookList, ...errors(401, 403) },
      },
    },
    async () => ({ webhooks: (await listWebhooks(app.db)).map(webhookView) }),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Delete a webhook: it hears nothing more, and its pending deliveries are cancelled at their next attempt',
        tags: ['webhooks'],
        params: Type.Object({ id: WebhookId }, { additionalProperties: false }),
        response: { 204: NoContent('deleted'), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await removeWebhook(app, callerOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: { access: 'read' },
      schema: {
        summary: 'A webhook’s deliveries, the newest event first, each with its attempts (time, status code or error, duration)',
        tags: ['webhooks'],
        params: Type.Object({ id: WebhookId }, { additionalProperties: false }),
        querystring: Type.Object(
          {
            status: Type.Optional(Enum(DELIVERY_STATUSES, 'only the deliveries in this status')),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_DELIVERIES, description: 'at most this many deliveries' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: DeliveryList, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      if (!(await getWebhook(app.db, request.params.id))) throw notFound('webhook', request.params.id);
      const deliveries = await listDeliveries(app.db, request.params.id, { status: request.query.status, limit: request.query.limit ?? DEFAULT_DELIVERIES });
      return { deliveries: deliveries.map(deliveryView) };
    },
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Send a delivery again: at once if it is still being retried, else as a new round with the whole retry schedule',
        tags: ['webhooks'],
        params: Type.Object({ id: WebhookId, deliveryId: DeliveryId }, { additionalProperties: false }),
        response: { 202: DeliveryView, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const delivery = await redeliver(app, callerOf(request), { webhookId: request.params.id, deliveryId: request.params.deliveryId });
      return reply.status(202).send(deliveryView(delivery));
    },
  );
};

export default webhookRoutes;
