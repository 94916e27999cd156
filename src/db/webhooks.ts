// Webhooks, their deliveries and each delivery's attempts. Every change to a webhook is in the
// audit log; deliveries are made by the dispatcher (webhook-dispatch.ts) and recorded by the
// delivery workflow's activity, one attempt at a time.
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { appendAudit, type Transaction } from './audit';
import type { Db } from './client';
import { auditLog, webhookAttempts, webhookDeliveries, webhooks, type StoredWebhookSecret } from './schema';

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AttemptRow = typeof webhookAttempts.$inferSelect;
export type DeliveryRecord = DeliveryRow & { attempts: AttemptRow[] };

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A delivery's workflow: one per round (the first delivery, then each redelivery). */
export const deliveryWorkflowId = (deliveryId: string, round: number) => `webhook-delivery-${deliveryId}-${round}`;

/** The URL as the audit log keeps it: no query, which may carry a token of the receiver's. */
function auditedUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

export async function insertWebhook(
  db: Db,
  w: { id: string; url: string; events: string[]; description: string | null; secret: StoredWebhookSecret; requestRef: string | null; createdBy: string },
): Promise<WebhookRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(webhooks).values(w).returning();
    // The dispatcher starts delivering to the webhook at this entry's place in the chain.
    await appendAudit(tx, { actor: w.createdBy, action: 'webhook.created', subject: w.id, detail: { url: auditedUrl(w.url), events: w.events, description: w.description } });
    return row!;
  });
}

/** The webhook a keyed request registered (deleted or not). */
export async function findWebhookByRequest(db: Db, requestRef: string): Promise<WebhookRow | undefined> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.requestRef, requestRef));
  return row;
}

/** Webhooks whose secret is sealed the old way, as codec payloads (a JSON array); deleted ones too. */
export async function legacySealedSecrets(db: Db): Promise<{ id: string; secret: StoredWebhookSecret }[]> {
  return db.select({ id: webhooks.id, secret: webhooks.secret }).from(webhooks).where(sql`jsonb_typeof(${webhooks.secret}) = 'array'`);
}

/** Writes a webhook's re-sealed secret, unless another process did first; true when this one did. */
export async function replaceLegacySecret(db: Db, id: string, secret: StoredWebhookSecret): Promise<boolean> {
  const updated = await db
    .update(webhooks)
    .set({ secret })
    .where(and(eq(webhooks.id, id), sql`jsonb_typeof(${webhooks.secret}) = 'array'`))
    .returning({ id: webhooks.id });
  return updated.length > 0;
}

export async function getWebhook(db: Db, id: string): Promise<WebhookRow | undefined> {
  const [row] = await db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, id), isNull(webhooks.deletedAt)));
  return row;
}

export async function listWebhooks(db: Db): Promise<WebhookRow[]> {
  return db.select().from(webhooks).where(isNull(webhooks.deletedAt)).orderBy(desc(webhooks.createdAt), desc(webhooks.id));
}

/** Deletes a webhook (kept, with its deliveries, for the record); false when there is none. */
export async function deleteWebhook(db: Db, id: string, actor: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(webhooks)
      .set({ deletedAt: new Date(), deletedBy: actor })
      .where(and(eq(webhooks.id, id), isNull(webhooks.deletedAt)))
      .returning({ id: webhooks.id });
    if (updated.length === 0) return false;
    // The dispatcher stops delivering to the webhook at this entry; pending deliveries are cancelled at their next attempt.
    await appendAudit(tx, { actor, action: 'webhook.deleted', subject: id, detail: {} });
    return true;
  });
}

async function withAttempts(db: Db, rows: DeliveryRow[]): Promise<DeliveryRecord[]> {
  if (rows.length === 0) return [];
  const attempts = await db
    .select()
    .from(webhookAttempts)
    .where(
      inArray(
        webhookAttempts.deliveryId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(webhookAttempts.at), asc(webhookAttempts.round), asc(webhookAttempts.n));
  return rows.map((r) => ({ ...r, attempts: attempts.filter((a) => a.deliveryId === r.id) }));
}

/** A webhook's deliveries, the newest event first. */
export async function listDeliveries(db: Db, webhookId: string, q: { status?: DeliveryStatus | undefined; limit: number }): Promise<DeliveryRecord[]> {
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.webhookId, webhookId), q.status ? eq(webhookDeliveries.status, q.status) : undefined))
    .orderBy(desc(webhookDeliveries.eventSeq))
    .limit(q.limit);
  return withAttempts(db, rows);
}

export async function getDelivery(db: Db, webhookId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhookId)));
  return (await withAttempts(db, rows))[0];
}

/** What an attempt sends: the delivery, its webhook (deleted or not) and the event it carries. */
export async function deliveryToSend(db: Db, deliveryId: string) {
  const [row] = await db
    .select({ delivery: webhookDeliveries, webhook: webhooks, event: { seq: auditLog.seq, at: auditLog.at, actor: auditLog.actor, action: auditLog.action, subject: auditLog.subject, detail: auditLog.detail } })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .innerJoin(auditLog, eq(auditLog.seq, webhookDeliveries.eventSeq))
    .where(eq(webhookDeliveries.id, deliveryId));
  return row;
}

export async function getAttempt(db: Db, deliveryId: string, round: number, n: number): Promise<AttemptRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookAttempts)
    .where(and(eq(webhookAttempts.deliveryId, deliveryId), eq(webhookAttempts.round, round), eq(webhookAttempts.n, n)));
  return row;
}

/**
 * Records an attempt and where the delivery stands after it: delivered on a 2xx, else pending
 * until `nextAttemptAt`, or failed when no attempt is left. Only the current round moves the
 * delivery (a redelivery may have started a newer one). A repeat of the same attempt changes nothing.
 */
export async function recordDeliveryAttempt(db: Db, a: Omit<AttemptRow, 'at'> & { at: Date; nextAttemptAt: Date | null }): Promise<void> {
  const delivered = a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300;
  const status: DeliveryStatus = delivered ? 'delivered' : a.nextAttemptAt ? 'pending' : 'failed';
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(webhookAttempts)
      .values({ deliveryId: a.deliveryId, round: a.round, n: a.n, at: a.at, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })
      .onConflictDoNothing()
      .returning({ n: webhookAttempts.n });
    if (inserted.length === 0) return;
    await tx
      .update(webhookDeliveries)
      .set({ status, nextAttemptAt: delivered ? null : a.nextAttemptAt, deliveredAt: delivered ? a.at : undefined, updatedAt: new Date() })
      .where(and(eq(webhookDeliveries.id, a.deliveryId), eq(webhookDeliveries.round, a.round)));
  });
}

/** A delivery whose webhook was deleted: not sent any more. */
export async function cancelDelivery(db: Db, deliveryId: string, round: number): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: 'cancelled', nextAttemptAt: null, updatedAt: new Date() })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.round, round), eq(webhookDeliveries.status, 'pending')));
}

/**
 * Starts the next round of a delivery (a redelivery): pending again, its workflow start recorded
 * in the same transaction. Undefined when another redelivery moved it past `fromRound` first.
 */
export async function startDeliveryRound(
  db: Db,
  d: { deliveryId: string; fromRound: number; actor: string },
  alsoRecord: (tx: Transaction, round: number) => Promise<void>,
): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookDeliveries)
      .set({ round: sql`${webhookDeliveries.round} + 1`, status: 'pending', nextAttemptAt: null, updatedAt: new Date() })
      .where(and(eq(webhookDeliveries.id, d.deliveryId), eq(webhookDeliveries.round, d.fromRound)))
      .returning({ round: webhookDeliveries.round });
    if (!row) return undefined;
    await appendAudit(tx, { actor: d.actor, action: 'webhook.redelivered', subject: d.deliveryId, detail: { round: row.round } });
    await alsoRecord(tx, row.round);
    return row.round;
  });
}

/** A redelivery asked of a delivery still being retried: its workflow tries at once. */
export async function auditDeliverNow(db: Db, deliveryId: string, round: number, actor: string): Promise<void> {
  await appendAudit(db, { actor, action: 'webhook.redelivered', subject: deliveryId, detail: { round, now: true } });
}

/** Deliveries by status, for /metrics. */
export async function countDeliveries(db: Db): Promise<Map<string, number>> {
  const rows = await db.select({ status: webhookDeliveries.status, n: sql<number>`count(*)`.mapWith(Number) }).from(webhookDeliveries).groupBy(webhookDeliveries.status);
  return new Map(rows.map((r) => [r.status, r.n]));
}
