// What the database says about the work done, read at scrape time. The API and the workers may
// be separate processes (and several of each): counting rows is right for all of them at once,
// where in-process counters would only see their own process.
import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { countFailingWorkflows } from '../db/activity-failures';
import type { Db } from '../db/client';
import { countDeliveries } from '../db/webhooks';
import { auditLog, certificates, declarationBatches, declarations, paymentAttempts, payments, vouchers, workflowStarts } from '../db/schema';

/** The workflow types as the metrics name them. */
export const WORKFLOW_TYPES = ['declaration', 'void', 'three_party_payment', 'voucher_payment', 'certificate', 'declaration_batch'] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

export interface WorkStats {
  /** Workflows started, by type. */
  started: Map<WorkflowType, number>;
  /** Workflows that ended, by type and outcome (`type|outcome` keys, see {@link finishedKey}). */
  finished: Map<string, number>;
  /** Real-time deduction attempts (实时扣款), by outcome: succeeded, failed, unknown. */
  attempts: Map<string, number>;
  /** Three-party payments waiting for their next scheduled deduction. */
  retriesPending: number;
  /** Declarations by status and payment status, as they stand now. */
  declarations: Map<string, number>; // `status|paymentStatus`
  /** Payments by method and status, as they stand now. */
  payments: Map<string, number>; // `method|status`
  /** Vouchers by status, as they stand now. */
  vouchers: Map<string, number>;
  /** Workflows with an activity that has failed FAILING_ATTEMPTS times in a row and is still retried. */
  failingWorkflows: number;
  /** Workflow starts the reconciler made because the process that recorded them died first. */
  startsRepaired: number;
  /** Workflow starts recorded and not made yet (normally 0 but for the instant of a request). */
  startsPending: number;
  /** Webhook deliveries by status: pending, delivered, failed, cancelled. */
  webhookDeliveries: Map<string, number>;
}

export const finishedKey = (type: WorkflowType, outcome: string) => `${type}|${outcome}`;

/** The final declaration statuses (the workflow ended) and the outcome each counts as. */
const DECLARATION_OUTCOME: Record<string, string | undefined> = {
  accepted: 'accepted',
  // Voided or being voided: the declaration's own workflow ended accepted.
  voiding: 'accepted',
  voided: 'accepted',
  void_rejected: 'accepted',
  rejected: 'rejected',
  // submitted and result_unknown: the workflow still waits (for the bureau, or an operator).
};

const THREE_PARTY_FINAL = new Set(['paid', 'failed', 'cancelled']);
const VOUCHER_FINAL = new Set(['paid', 'failed', 'voucher_voided', 'voucher_expired']);

function add<K>(map: Map<K, number>, key: K, n: number): void {
  if (n > 0) map.set(key, (map.get(key) ?? 0) + n);
}

/**
 * Reads the counts. Voids: each try is its own workflow `void-<declaration>-<n>`, and only the
 * latest id is kept, so a declaration whose latest void is number n had n voids started; every
 * one before the latest ended `void_rejected` (only a rejected void can be tried again).
 */
export async function readWorkStats(db: Db): Promise<WorkStats> {
  const voidNumber = sql<number>`coalesce(substring(${declarations.voidWorkflowId} from '-([0-9]+)$')::int, 0)`;
  const [declarationRows, voidRows, paymentRows, attemptRows, voucherRows, certificateRows, batchRows, failingWorkflows, [repaired], [pending], webhookDeliveries] = await Promise.all([
    db
      .select({ status: declarations.status, paymentStatus: declarations.paymentStatus, n: count() })
      .from(declarations)
      .groupBy(declarations.status, declarations.paymentStatus),
    db
      .select({ status: declarations.status, voids: sql<number>`sum(${voidNumber})`.mapWith(Number), n: count() })
      .from(declarations)
      .where(sql`${declarations.voidWorkflowId} is not null`)
      .groupBy(declarations.status),
    db.select({ method: payments.method, status: payments.status, n: count() }).from(payments).groupBy(payments.method, payments.status),
    db.select({ outcome: paymentAttempts.outcome, n: count() }).from(paymentAttempts).groupBy(paymentAttempts.outcome),
    db.select({ status: vouchers.status, n: count() }).from(vouchers).groupBy(vouchers.status),
    db.select({ kind: certificates.kind, n: count() }).from(certificates).groupBy(certificates.kind),
    db.select({ status: declarationBatches.status, n: count() }).from(declarationBatches).groupBy(declarationBatches.status),
    countFailingWorkflows(db),
    db.select({ n: count() }).from(auditLog).where(and(eq(auditLog.actor, 'reconciler'), eq(auditLog.action, 'workflow.start_repaired'))),
    db.select({ n: count() }).from(workflowStarts).where(isNull(workflowStarts.startedAt)),
    countDeliveries(db),
  ]);

  const stats: WorkStats = {
    started: new Map(WORKFLOW_TYPES.map((t) => [t, 0])),
    finished: new Map(),
    attempts: new Map(),
    retriesPending: 0,
    declarations: new Map(),
    payments: new Map(),
    vouchers: new Map(),
    failingWorkflows,
    startsRepaired: repaired?.n ?? 0,
    startsPending: pending?.n ?? 0,
    webhookDeliveries,
  };
  const started = (type: WorkflowType, n: number) => add(stats.started, type, n);
  const finished = (type: WorkflowType, outcome: string, n: number) => add(stats.finished, finishedKey(type, outcome), n);

  for (const r of declarationRows) {
    started('declaration', r.n);
    const outcome = DECLARATION_OUTCOME[r.status];
    if (outcome) finished('declaration', outcome, r.n);
    add(stats.declarations, `${r.status}|${r.paymentStatus}`, r.n);
  }
  for (const r of voidRows) {
    started('void', r.voids);
    finished('void', 'void_rejected', r.voids - r.n); // the tries before the latest
    if (r.status === 'voided' || r.status === 'void_rejected') finished('void', r.status, r.n);
  }
  for (const r of paymentRows) {
    const type: WorkflowType = r.method === 'three_party' ? 'three_party_payment' : 'voucher_payment';
    started(type, r.n);
    if ((type === 'three_party_payment' ? THREE_PARTY_FINAL : VOUCHER_FINAL).has(r.status)) finished(type, r.status, r.n);
    if (r.status === 'awaiting_retry') stats.retriesPending += r.n;
    add(stats.payments, `${r.method}|${r.status}`, r.n);
  }
  for (const r of attemptRows) add(stats.attempts, r.outcome, r.n);
  for (const r of voucherRows) add(stats.vouchers, r.status, r.n);
  // A certificate row exists once its print is stored: refusals (409) and failed prints leave none.
  for (const r of certificateRows) {
    started('certificate', r.n);
    finished('certificate', `printed_${r.kind}`, r.n);
  }
  for (const r of batchRows) {
    started('declaration_batch', r.n);
    if (r.status === 'completed') finished('declaration_batch', 'completed', r.n);
  }
  return stats;
}
