// Crash-safe workflow starts (an outbox). A record that stands for work (declaration, payment,
// void, batch) is written in the same transaction as the request to start its workflow; the
// workflow is then started by the request itself or, if that process died first, by the
// reconciler. Starting is idempotent: the workflow id is fixed in the row, and a second start of
// the same id (running or closed) is refused by Temporal, which here means "already done".
import { and, asc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { appendAudit, type Transaction } from '../db/audit';
import type { WorkflowTypeName } from '../contracts/workflow-types';
import type { Db } from '../db/client';
import { workflowStarts } from '../db/schema';
import { startAttributes } from '../contracts/search-attributes';

export type StartSubject = 'declaration' | 'payment' | 'void' | 'batch' | 'bulk_action' | 'webhook_delivery';

export interface StartRequest {
  workflowId: string;
  workflowType: WorkflowTypeName;
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

export type StartValues = typeof workflowStarts.$inferInsert;

/** The start request as its row: the arguments sealed, the empty search attributes left out. */
export async function startValues(codec: PayloadCodec, r: StartRequest): Promise<StartValues> {
  const attributes = Object.fromEntries(Object.entries(r.attributes).filter(([, v]) => typeof v === 'string' && v !== '')) as Record<string, string>;
  return {
    workflowId: r.workflowId,
    workflowType: r.workflowType,
    taskQueue: r.taskQueue,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    requestRef: r.requestRef,
    args: await sealArgs(codec, r.args),
    searchAttributes: attributes,
  };
}

/** Writes the start request inside the transaction that writes its record. */
export async function recordStart(tx: Transaction, codec: PayloadCodec, r: StartRequest): Promise<void> {
  await tx.insert(workflowStarts).values(await startValues(codec, r));
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
  const outcome = await startWorkflow(temporal, db, row, await openArgs(codec, row.args));
  if (outcome !== 'failed') await markStarted(db, [row.workflowId]);
  return outcome !== 'failed';
}

/**
 * Starts the workflow a request has just recorded, with its arguments in the clear (the request
 * still has them: nothing is read back or opened), and answers whether it runs now. Its row is
 * marked started soon after, together with the others started meanwhile (markStartedSoon).
 */
export async function startJustRecorded(temporal: Client, db: Db, start: StartValues, args: unknown[]): Promise<boolean> {
  const outcome = await startWorkflow(temporal, db, start, args);
  if (outcome === 'failed') return false;
  markStartedSoon(db, start.workflowId);
  return true;
}

type StartOutcome = 'started' | 'running' | 'failed';

/** Starts the workflow: `running` when it had been started before, `failed` (noted on its row) when Temporal did not take it. */
async function startWorkflow(temporal: Client, db: Db, start: Pick<StartRow, 'workflowId' | 'workflowType' | 'taskQueue' | 'searchAttributes'>, args: unknown[]): Promise<StartOutcome> {
  try {
    await temporal.workflow.start(start.workflowType, {
      taskQueue: start.taskQueue,
      workflowId: start.workflowId,
      // A closed workflow of this id is the same work done: never a second run of it.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: startAttributes(start.searchAttributes),
      args,
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'running';
    await db
      .update(workflowStarts)
      .set({ startAttempts: sql`${workflowStarts.startAttempts} + 1`, lastError: String((err as Error).message ?? err).slice(0, 500) })
      .where(eq(workflowStarts.workflowId, start.workflowId));
    return 'failed';
  }
}

async function markStarted(db: Db, workflowIds: string[]): Promise<void> {
  await db.update(workflowStarts).set({ startedAt: new Date(), startAttempts: sql`${workflowStarts.startAttempts} + 1`, lastError: null }).where(inArray(workflowStarts.workflowId, workflowIds));
}

/** Per database: the started workflows whose rows are still to be marked, and whether a mark is being written. */
const unmarked = new WeakMap<Db, { workflowIds: Set<string>; writing: boolean }>();

/**
 * Marks a started workflow's row without making its request wait: every start made while one
 * mark is written is marked by the next, in one UPDATE. A mark lost with its process leaves the
 * row to the reconciler, which finds the workflow running and only marks it.
 */
function markStartedSoon(db: Db, workflowId: string): void {
  let pending = unmarked.get(db);
  if (!pending) unmarked.set(db, (pending = { workflowIds: new Set(), writing: false }));
  pending.workflowIds.add(workflowId);
  if (pending.writing) return;
  pending.writing = true;
  void (async () => {
    while (pending.workflowIds.size > 0) {
      const batch = [...pending.workflowIds];
      pending.workflowIds.clear();
      // A failed mark (the database gone) is the reconciler's to make.
      await markStarted(db, batch).catch(() => {});
    }
    pending.writing = false;
  })();
}

export interface ReconcileReport {
  examined: number;
  /** Started now: the repairs. */
  started: number;
  /** Found running (started by their request, which died before marking them): only marked. */
  running: number;
  failed: number;
}

/**
 * The reconciler's pass (Kill Bill's janitor is the model): every start recorded at least
 * `olderThanMs` ago that no request finished is started now, and each repair is in the audit log
 * (one whose workflow turns out to be running was finished by its request but for the mark).
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
  const report: ReconcileReport = { examined: pending.length, started: 0, running: 0, failed: 0 };
  for (const row of pending) {
    const outcome = await startWorkflow(temporal, db, row, await openArgs(codec, row.args));
    if (outcome === 'failed') {
      report.failed += 1;
      continue;
    }
    await markStarted(db, [row.workflowId]);
    report[outcome] += 1;
    if (outcome === 'running') continue;
    await appendAudit(db, {
      actor: 'reconciler',
      action: 'workflow.start_repaired',
      subject: row.subjectId,
      detail: { workflowId: row.workflowId, workflowType: row.workflowType, subjectType: row.subjectType, recordedAt: row.createdAt.toISOString() },
    });
  }
  return report;
}
