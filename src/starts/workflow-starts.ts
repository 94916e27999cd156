// Crash-safe workflow starts (an outbox). A record that stands for work (declaration, payment,
// void, batch) is written in the same transaction as the request to start its workflow; the
// workflow is then started by the request itself or, if that process died first, by the
// reconciler. Starting is idempotent: the workflow id is fixed in the row, and a second start of
// the same id (running or closed) is refused by Temporal, which here means "already done".
import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { appendAudit, type Transaction } from '../db/audit';
import type { Db } from '../db/client';
import { workflowStarts } from '../db/schema';
import { startAttributes } from '../search-attributes';

export type StartSubject = 'declaration' | 'payment' | 'void' | 'batch' | 'webhook_delivery';

export interface StartRequest {
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  subjectType: StartSubject;
  subjectId: string;
  /** The keyed request that asks for it (see idempotency.ts), or null. */
  requestRef: string | null;
  args: unknown[];
  attributes: { employerId?: string | undefined; period?: string | undefined; status?: string | undefined };
}

export type StartRow = typeof workflowStarts.$inferSelect;

/** A payload as JSON: base64 metadata and data, as the codec left them (encrypted). */
interface SealedPayload {
  metadata: Record<string, string>;
  data: string;
}

const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

/** Arguments sealed by the payload codec: the outbox holds no more in plain text than a history does. */
export async function sealArgs(codec: PayloadCodec, args: unknown[]): Promise<SealedPayload[]> {
  const encoded = await codec.encode(args.map((a) => defaultPayloadConverter.toPayload(a)));
  return encoded.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])), data: b64(p.data) }));
}

export async function openArgs(codec: PayloadCodec, sealed: unknown[]): Promise<unknown[]> {
  const payloads: Payload[] = (sealed as SealedPayload[]).map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, bytes(v)])), data: bytes(p.data) }));
  return (await codec.decode(payloads)).map((p) => defaultPayloadConverter.fromPayload(p));
}

/** Writes the start request inside the transaction that writes its record. */
export async function recordStart(tx: Transaction, codec: PayloadCodec, r: StartRequest): Promise<void> {
  const attributes = Object.fromEntries(Object.entries(r.attributes).filter(([, v]) => typeof v === 'string' && v !== '')) as Record<string, string>;
  await tx.insert(workflowStarts).values({
    workflowId: r.workflowId,
    workflowType: r.workflowType,
    taskQueue: r.taskQueue,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    requestRef: r.requestRef,
    args: await sealArgs(codec, r.args),
    searchAttributes: attributes,
  });
}

/** The start a keyed request recorded before (its first try may have died after recording it). */
export async function findStartByRequest(db: Db, requestRef: string | null | undefined): Promise<StartRow | undefined> {
  if (!requestRef) return undefined;
  const [row] = await db.select().from(workflowStarts).where(eq(workflowStarts.requestRef, requestRef));
  return row;
}

export async function findStart(db: Db, workflowId: string): Promise<StartRow | undefined> {
  const [row] = await db.select().from(workflowStarts).where(eq(workflowStarts.workflowId, workflowId));
  return row;
}

/** Starts the row's workflow unless it was started before; answers whether it runs (or ran) now. */
export async function dispatchStart(temporal: Client, db: Db, codec: PayloadCodec, row: StartRow): Promise<boolean> {
  if (row.startedAt) return true;
  try {
    await temporal.workflow.start(row.workflowType, {
      taskQueue: row.taskQueue,
      workflowId: row.workflowId,
      // A closed workflow of this id is the same work done: never a second run of it.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: startAttributes(row.searchAttributes),
      args: await openArgs(codec, row.args),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      await db
        .update(workflowStarts)
        .set({ startAttempts: sql`${workflowStarts.startAttempts} + 1`, lastError: String((err as Error).message ?? err).slice(0, 500) })
        .where(eq(workflowStarts.workflowId, row.workflowId));
      return false;
    }
  }
  await db.update(workflowStarts).set({ startedAt: new Date(), startAttempts: sql`${workflowStarts.startAttempts} + 1`, lastError: null }).where(eq(workflowStarts.workflowId, row.workflowId));
  return true;
}

export interface ReconcileReport {
  examined: number;
  started: number;
  failed: number;
}

/**
 * The reconciler's pass (Kill Bill's janitor is the model): every start recorded at least
 * `olderThanMs` ago that no request finished is started now, and each repair is in the audit log.
 * Requests normally start their own workflow within milliseconds; the margin keeps the pass from
 * racing them (a race would be harmless, only noisy).
 */
export async function reconcileStarts(temporal: Client, db: Db, codec: PayloadCodec, opts: { olderThanMs: number; limit?: number }): Promise<ReconcileReport> {
  const cutoff = new Date(Date.now() - opts.olderThanMs);
  const pending = await db
    .select()
    .from(workflowStarts)
    .where(and(isNull(workflowStarts.startedAt), lt(workflowStarts.createdAt, cutoff)))
    .orderBy(asc(workflowStarts.createdAt))
    .limit(opts.limit ?? 500);
  const report: ReconcileReport = { examined: pending.length, started: 0, failed: 0 };
  for (const row of pending) {
    const ok = await dispatchStart(temporal, db, codec, row);
    if (!ok) {
      report.failed += 1;
      continue;
    }
    report.started += 1;
    await appendAudit(db, {
      actor: 'reconciler',
      action: 'workflow.start_repaired',
      subject: row.subjectId,
      detail: { workflowId: row.workflowId, workflowType: row.workflowType, subjectType: row.subjectType, recordedAt: row.createdAt.toISOString() },
    });
  }
  return report;
}
