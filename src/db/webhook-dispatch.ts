// The dispatcher's pass: follows the audit chain from its checkpoint and makes one delivery per
// (event, subscribed webhook). Reading the entries, making the deliveries (with their workflow
// starts) and moving the checkpoint are one transaction, so whatever instant the process dies at,
// an entry either has all its deliveries and is behind the checkpoint, or has none and is read
// again: never lost, never doubled (and the unique key would refuse a double anyway).
// The chain is followed by position, which has no gaps and only grows (docs/audit-chain.md): an
// entry committed late is chained late, after the checkpoint, never behind it.
import { asc, eq, gt, isNull } from 'drizzle-orm';
import { subscribes } from '../domain/webhook-events';
import { chainAudit, type Transaction } from './audit';
import type { Db } from './client';
import { auditLog, webhookDeliveries, webhookDispatch, webhooks } from './schema';

const CHECKPOINT = 'audit_log';
/** Entries read per pass (one transaction); a longer backlog is read by the next pass at once. */
export const DISPATCH_BATCH = 500;
/** Deliveries per insert: one statement's parameters are limited. */
const INSERT_SLICE = 1000;

export interface DispatchPass {
  /** Audit entries read. */
  examined: number;
  /** The deliveries made. */
  deliveryIds: string[];
  /** More entries wait: pass again at once. */
  more: boolean;
}

export const deliveryIdOf = (webhookId: string, eventSeq: number) => `${webhookId}-${eventSeq}`;

/**
 * One pass. `recordStart` writes each new delivery's workflow start in the same transaction.
 * A webhook hears the entries chained after its webhook.created entry and before its
 * webhook.deleted one: the chain's own order, whatever the clocks of the processes that wrote them.
 */
export async function dispatchWebhookEvents(db: Db, recordStart: (tx: Transaction, deliveryId: string) => Promise<void>, limit = DISPATCH_BATCH): Promise<DispatchPass> {
  // Entries committed by now get their chain positions (unless a chainer is at it already).
  await chainAudit(db);
  return db.transaction(async (tx) => {
    // Locked: one pass at a time, whichever worker runs it.
    const [checkpoint] = await tx.select().from(webhookDispatch).where(eq(webhookDispatch.id, CHECKPOINT)).for('update');
    if (!checkpoint) throw new Error('webhook_dispatch has no checkpoint row: migration 0011 seeds it');
    const entries = await tx
      .select({ seq: auditLog.seq, chainPos: auditLog.chainPos, at: auditLog.at, action: auditLog.action, subject: auditLog.subject })
      .from(auditLog)
      .where(gt(auditLog.chainPos, checkpoint.afterChainPos))
      .orderBy(asc(auditLog.chainPos))
      .limit(limit);
    if (entries.length === 0) return { examined: 0, deliveryIds: [], more: false };

    const candidates = await tx.select({ id: webhooks.id, events: webhooks.events, listeningFrom: webhooks.listeningFrom }).from(webhooks).where(isNull(webhooks.listeningUntil));
    const known = new Map(candidates.map((w) => [w.id, w]));
    const listening = new Map(candidates.filter((w) => w.listeningFrom !== null).map((w) => [w.id, w]));
    const deliveries: (typeof webhookDeliveries.$inferInsert)[] = [];
    for (const e of entries) {
      const pos = e.chainPos!;
      if (e.action === 'webhook.created' && known.has(e.subject)) {
        listening.set(e.subject, known.get(e.subject)!);
        await tx.update(webhooks).set({ listeningFrom: pos }).where(eq(webhooks.id, e.subject));
      } else if (e.action === 'webhook.deleted' && known.has(e.subject)) {
        listening.delete(e.subject);
        await tx.update(webhooks).set({ listeningUntil: pos }).where(eq(webhooks.id, e.subject));
      } else {
        for (const w of listening.values()) {
          if (!subscribes(w.events, e.action)) continue;
          deliveries.push({ id: deliveryIdOf(w.id, e.seq), webhookId: w.id, eventSeq: e.seq, eventType: e.action, subject: e.subject, eventAt: e.at, status: 'pending' });
        }
      }
    }
    const made: string[] = [];
    for (let i = 0; i < deliveries.length; i += INSERT_SLICE) {
      const rows = await tx.insert(webhookDeliveries).values(deliveries.slice(i, i + INSERT_SLICE)).onConflictDoNothing().returning({ id: webhookDeliveries.id });
      made.push(...rows.map((r) => r.id));
    }
    for (const id of made) await recordStart(tx, id);
    await tx.update(webhookDispatch).set({ afterChainPos: entries.at(-1)!.chainPos!, updatedAt: new Date() }).where(eq(webhookDispatch.id, CHECKPOINT));
    return { examined: entries.length, deliveryIds: made, more: entries.length === limit };
  });
}
