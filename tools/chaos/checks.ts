// The invariants a chaos run must end with, checked against our database, the bureau's ledger
// and state, and Temporal: nothing lost, nothing charged twice, every payment settled with its
// reason, the ledger and the database reconciled line by line, and nothing a killed API process
// left half done (a record without its workflow, a start never made, a key without its answer,
// a client never answered, an item declared twice).
import type { Client } from '@temporalio/client';
import type { BureauLedgerEntry, VoucherState } from '../../src/bureau/contract';
import type { Db } from '../../src/db/client';
import { eq, isNull, sql } from 'drizzle-orm';
import { auditLog, declarationBatches, declarationLines, declarations, idempotencyKeys, paymentAttempts, paymentLines, payments, vouchers, workflowStarts } from '../../src/db/schema';
import type { ClientStats } from './http';
import { FINAL_PAYMENT_STATES, declarationPaymentStatus, type PaymentState } from '../../src/domain/payment';
import type { VoucherAction } from './setup';
import { inPool } from './setup';

/** What the run knows of a payment the API accepted (202). */
export interface AcceptedPayment {
  id: string;
  workflowId: string;
  method: 'three_party' | 'bank_voucher';
  taxpayerId: string;
  voucherAction?: VoucherAction;
  /** What the harness did to its voucher and how that was answered. */
  voucherOutcome?: 'paid_at_counter' | 'voided' | 'void_refused' | 'raced' | 'left' | 'not_issued';
}

/** The part of GET /admin/state the checks read. */
export interface BureauSnapshot {
  items: Record<string, { itemId: string; taxpayerId: string; payment?: { at: string; ref: string } }>;
  vouchers: Record<string, { voucherNumber: string; paidAt?: string; voidedAt?: string; deadline: string; request: { key: string } }>;
}

export const AWAITING_STATES: readonly PaymentState[] = ['awaiting_retry', 'voucher_issued'];

export interface CheckInput {
  db: Db;
  temporal: Client;
  accepted: ReadonlyMap<string, AcceptedPayment>;
  ledger: readonly BureauLedgerEntry[];
  bureau: BureauSnapshot;
  /** What the run's API clients went through. */
  clients: ClientStats;
}

export interface CheckResult {
  violations: string[];
  figures: {
    acceptedPayments: number;
    paymentsInDb: number;
    paymentsLost: number;
    orphanWorkflows: number;
    workflows: Record<string, number>;
    statuses: Record<string, number>;
    byMethod: Record<string, Record<string, number>>;
    chargedTwice: number;
    ledgerEntries: number;
    ledgerLines: number;
    reconciledPayments: number;
    reconciledLines: number;
    attempts: Record<string, number>;
    /** Attempts once recorded as 交易结果未知 (no answer after sending), from the audit log. */
    unknownOutcomes: number;
    paidFen: number;
    declarations: number;
    /** Declarations, voids, payments and batches whose workflow Temporal does not know. */
    orphanRecords: number;
    /** Recorded workflow starts never made. */
    unstartedStarts: number;
    /** Idempotency keys without their stored answer. */
    stuckKeys: number;
    neverAnswered: number;
    itemsDeclaredTwice: number;
  };
}

/** Map.groupBy, which Node 20 lacks. */
function groupBy<T>(values: Iterable<T>, key: (v: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const v of values) {
    const k = key(v);
    const group = groups.get(k);
    if (group) group.push(v);
    else groups.set(k, [v]);
  }
  return groups;
}

const count = (into: Record<string, number>, key: string) => {
  into[key] = (into[key] ?? 0) + 1;
};

/** The payment a ledger entry belongs to: a deduction's key is `<payment id>-<n>`, a counter payment's is the payment id. */
export function paymentOfLedgerEntry(entry: BureauLedgerEntry): string {
  return entry.kind === 'deduction' ? entry.key.replace(/-\d+$/, '') : entry.key;
}

const lineKey = (l: { itemId: string; amountFen: number }) => `${l.itemId}:${l.amountFen}`;
const sameLines = (a: readonly { itemId: string; amountFen: number }[], b: readonly { itemId: string; amountFen: number }[]) =>
  JSON.stringify(a.map(lineKey).sort()) === JSON.stringify(b.map(lineKey).sort());

function voucherStateAtBureau(v: BureauSnapshot['vouchers'][string], today: string): VoucherState {
  if (v.voidedAt) return 'voided';
  if (v.paidAt) return 'paid';
  return today > v.deadline ? 'expired' : 'issued';
}

export async function checkInvariants(input: CheckInput): Promise<CheckResult> {
  const { db, temporal, accepted, ledger, bureau, clients } = input;
  const violations: string[] = [];
  const fail = (message: string) => {
    if (violations.length < 200) violations.push(message);
    else if (violations.length === 200) violations.push('… more violations left out');
  };

  const [paymentRows, lineRows, attemptRows, voucherRows, declLineRows, declRows, [unknown]] = await Promise.all([
    db.select().from(payments),
    db.select().from(paymentLines),
    db.select().from(paymentAttempts),
    db.select().from(vouchers),
    db.select().from(declarationLines),
    db.select().from(declarations),
    db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(eq(auditLog.action, 'deduction.unknown')),
  ]);
  const paymentById = new Map(paymentRows.map((p) => [p.id, p]));
  const linesOf = groupBy(lineRows, (l) => l.paymentId);
  const attemptsOf = groupBy(attemptRows, (a) => a.paymentId);
  const voucherOf = new Map(voucherRows.map((v) => [v.paymentId, v]));

  // 1. Payments lost: every accepted payment is in our database, its workflow running or closed.
  let lost = 0;
  const workflows: Record<string, number> = {};
  await inPool([...accepted.values()], 8, async (a) => {
    const row = paymentById.get(a.id);
    if (!row) {
      lost++;
      fail(`lost: payment ${a.id} was accepted (202) but is not in the database`);
      return;
    }
    const status = await temporal.workflow
      .getHandle(a.workflowId)
      .describe()
      .then((d) => d.status.name, (err: unknown) => `MISSING (${(err as Error).message})`);
    count(workflows, status.split(' ')[0] as string);
    if (status !== 'RUNNING' && status !== 'COMPLETED') {
      lost++;
      fail(`lost: the workflow ${a.workflowId} of accepted payment ${a.id} is ${status}`);
    }
    if (status === 'RUNNING' && FINAL_PAYMENT_STATES.includes(row.status as PaymentState)) {
      fail(`payment ${a.id} is ${row.status} in the database while its workflow still runs`);
    }
  });
  for (const row of paymentRows) {
    if (!accepted.has(row.id)) fail(`payment ${row.id} is in the database but the API never accepted it`);
  }
  // Payment workflows nobody accepted (e.g. a start that timed out at the API but reached Temporal).
  let orphans = 0;
  for await (const w of temporal.workflow.list({ query: `WorkflowType = 'threePartyPaymentWorkflow' OR WorkflowType = 'voucherPaymentWorkflow'` })) {
    const id = w.workflowId.replace(/^payment-/, '');
    if (!accepted.has(id)) {
      orphans++;
      fail(`orphan workflow ${w.workflowId} (${w.status.name}): no accepted payment ${id}${paymentById.has(id) ? '' : ', none in the database either'}`);
    }
  }

  // 2. Charged twice: at most one ledger entry per payment and per line item.
  let chargedTwice = 0;
  const ledgerByPayment = groupBy(ledger, paymentOfLedgerEntry);
  for (const [paymentId, entries] of ledgerByPayment) {
    if (entries.length > 1) {
      chargedTwice++;
      fail(`charged twice: payment ${paymentId} has ${entries.length} ledger entries (${entries.map((e) => e.key).join(', ')})`);
    }
  }
  const ledgerByItem = groupBy(ledger.flatMap((e) => e.lines.map((l) => ({ itemId: l.itemId, key: e.key }))), (l) => l.itemId);
  for (const [itemId, entries] of ledgerByItem) {
    if (entries.length > 1) {
      chargedTwice++;
      fail(`charged twice: item ${itemId} is in ${entries.length} ledger entries (${entries.map((e) => e.key).join(', ')})`);
    }
  }

  // 3. Every payment final or awaiting, with a reason where it is not paid.
  const statuses: Record<string, number> = {};
  const byMethod: Record<string, Record<string, number>> = {};
  const attempts: Record<string, number> = {};
  for (const a of attemptRows) count(attempts, a.outcome === 'failed' ? `failed:${a.code ?? '?'}` : a.outcome);
  for (const p of paymentRows) {
    count(statuses, p.status);
    count((byMethod[p.method] ??= {}), p.status);
    const state = p.status as PaymentState;
    const voucher = voucherOf.get(p.id);
    const open = (linesOf.get(p.id) ?? []).filter((l) => l.open);
    if (FINAL_PAYMENT_STATES.includes(state)) {
      if (state !== 'paid' && !p.reason) fail(`payment ${p.id} is ${state} without a reason`);
      if (open.length > 0) fail(`payment ${p.id} is ${state} but still holds ${open.length} line(s)`);
    } else if (state === 'awaiting_retry') {
      if (!p.reason) fail(`payment ${p.id} awaits a retry without a reason`);
      if (!p.nextRetryAt) fail(`payment ${p.id} awaits a retry without a time for it`);
    } else if (state === 'voucher_issued') {
      if (!voucher) fail(`payment ${p.id} is voucher_issued but no voucher was issued (still issuing)`);
      else if (voucher.printCount < 1 && !voucher.lastPrintError) fail(`voucher ${voucher.id} of payment ${p.id} was neither printed nor recorded as failing to print`);
    } else {
      fail(`payment ${p.id} is ${state}: neither final nor awaiting`);
    }
    if (p.method === 'three_party' && (attemptsOf.get(p.id) ?? []).some((a) => a.outcome === 'unknown') && state !== 'deducting') {
      fail(`payment ${p.id} is ${state} with an attempt whose outcome is still recorded unknown`);
    }
  }

  // 4. The ledger and the database, line by line.
  let reconciledPayments = 0;
  let reconciledLines = 0;
  let paidFen = 0;
  for (const p of paymentRows) {
    const entries = ledgerByPayment.get(p.id) ?? [];
    const lines = (linesOf.get(p.id) ?? []).map((l) => ({ itemId: l.itemId, amountFen: l.amountFen }));
    const a = accepted.get(p.id);
    if (p.status !== 'paid') {
      if (entries.length > 0) fail(`payment ${p.id} is ${p.status} but the bureau took money for it (${entries.map((e) => e.key).join(', ')})`);
      continue;
    }
    const entry = entries[0];
    if (!entry) {
      fail(`payment ${p.id} is paid but the bureau's ledger has no entry for it`);
      continue;
    }
    let ok = true;
    const wrong = (what: string) => {
      ok = false;
      fail(`payment ${p.id} and its ledger entry ${entry.key} differ: ${what}`);
    };
    if (entry.amountFen !== p.totalFen) wrong(`amount ${entry.amountFen} at the bureau, ${p.totalFen} here`);
    if (!sameLines(entry.lines, lines)) wrong(`lines ${entry.lines.map(lineKey).join(' ')} at the bureau, ${lines.map(lineKey).join(' ')} here`);
    if (a && entry.taxpayerId !== a.taxpayerId) wrong(`taxpayer ${entry.taxpayerId} at the bureau, ${a.taxpayerId} here`);
    if (p.method === 'three_party') {
      if (entry.kind !== 'deduction') wrong(`a ${entry.kind} for a three-party payment`);
      const succeeded = (attemptsOf.get(p.id) ?? []).filter((x) => x.outcome === 'succeeded');
      if (succeeded.length !== 1 || succeeded[0]?.deductionKey !== entry.key) {
        wrong(`succeeded attempts here: ${succeeded.map((x) => x.deductionKey).join(', ') || 'none'}`);
      }
      if (entry.agreementId !== p.agreementId) wrong(`agreement ${entry.agreementId} at the bureau, ${p.agreementId} here`);
    } else {
      const voucher = voucherOf.get(p.id);
      if (entry.kind !== 'counter_payment') wrong(`a ${entry.kind} for a voucher payment`);
      if (!voucher || voucher.voucherNumber !== entry.voucherNumber) wrong(`voucher ${entry.voucherNumber} at the bureau, ${voucher?.voucherNumber ?? 'none'} here`);
      if (voucher && voucher.status !== 'paid') wrong(`its voucher is ${voucher.status} here`);
    }
    if (ok) {
      reconciledPayments++;
      reconciledLines += lines.length;
      paidFen += p.totalFen;
    }
  }
  for (const [paymentId, entries] of ledgerByPayment) {
    const p = paymentById.get(paymentId);
    if (!p || p.status !== 'paid') fail(`ledger entry ${entries.map((e) => e.key).join(', ')} has no paid payment here (${p ? p.status : 'no such payment'})`);
  }

  // Vouchers: ours and the bureau's agree; what the harness did to each shows in its outcome.
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const expectedVoucherStatus: Record<string, string> = { paid: 'paid', voucher_voided: 'voided', voucher_expired: 'expired', voucher_issued: 'issued' };
  for (const v of voucherRows) {
    const p = paymentById.get(v.paymentId);
    const atBureau = bureau.vouchers[v.voucherNumber];
    if (!atBureau) {
      fail(`voucher ${v.voucherNumber} is recorded here but unknown at the bureau`);
      continue;
    }
    if (atBureau.request.key !== v.paymentId) fail(`voucher ${v.voucherNumber} was issued at the bureau for ${atBureau.request.key}, here for ${v.paymentId}`);
    const bureauState = voucherStateAtBureau(atBureau, today);
    if (bureauState !== v.status) fail(`voucher ${v.voucherNumber} is ${v.status} here but ${bureauState} at the bureau`);
    if (p && expectedVoucherStatus[p.status] !== v.status) fail(`voucher ${v.voucherNumber} is ${v.status} but its payment ${p.id} is ${p.status}`);
  }
  for (const a of accepted.values()) {
    const p = paymentById.get(a.id);
    if (!p || a.method !== 'bank_voucher') continue;
    if (a.voucherOutcome === 'paid_at_counter' && p.status !== 'paid') fail(`voucher payment ${a.id} was paid at the counter but is ${p.status}`);
    if (a.voucherOutcome === 'voided' && p.status !== 'voucher_voided') fail(`voucher payment ${a.id} was voided through the API (200) but is ${p.status}`);
    if (a.voucherOutcome === 'left' && p.status !== 'voucher_issued') fail(`voucher payment ${a.id} was left unpaid but is ${p.status}`);
  }

  // Declarations: each line's paid amount is what paid payments paid for it; the status follows.
  const paidByLine = new Map<string, number>();
  for (const l of lineRows) {
    if (paymentById.get(l.paymentId)?.status === 'paid') paidByLine.set(l.lineId, (paidByLine.get(l.lineId) ?? 0) + l.amountFen);
  }
  const declLinesOf = groupBy(declLineRows, (l) => l.declarationId);
  for (const l of declLineRows) {
    const expected = paidByLine.get(l.id) ?? 0;
    if (l.paidFen !== expected) fail(`declared line ${l.id} (${l.itemId}) has paid ${l.paidFen} fen, its paid payments ${expected}`);
    if (l.paidFen > l.amountFen) fail(`declared line ${l.id} (${l.itemId}) is paid ${l.paidFen} fen of ${l.amountFen}`);
    const item = bureau.items[l.itemId];
    if (!item) fail(`declared line ${l.id}: item ${l.itemId} is unknown at the bureau`);
    else if (Boolean(item.payment) !== l.paidFen > 0) fail(`item ${l.itemId} is ${item.payment ? 'paid' : 'unpaid'} at the bureau but paid ${l.paidFen} fen here`);
  }
  for (const d of declRows) {
    const expected = declarationPaymentStatus(declLinesOf.get(d.id) ?? []);
    if (d.paymentStatus !== expected) fail(`declaration ${d.id} is ${d.paymentStatus}; its lines say ${expected}`);
  }

  // 5. Nothing a killed API left half done.
  const [batchRows, [unstarted], [stuck]] = await Promise.all([
    db.select({ id: declarationBatches.id, workflowId: declarationBatches.workflowId }).from(declarationBatches),
    db.select({ n: sql<number>`count(*)::int` }).from(workflowStarts).where(isNull(workflowStarts.startedAt)),
    db.select({ n: sql<number>`count(*)::int` }).from(idempotencyKeys).where(isNull(idempotencyKeys.statusCode)),
  ]);
  const records = [
    ...paymentRows.map((p) => ({ what: `payment ${p.id}`, workflowId: p.workflowId })),
    ...declRows.map((d) => ({ what: `declaration ${d.id}`, workflowId: d.workflowId })),
    ...declRows.filter((d) => d.voidWorkflowId).map((d) => ({ what: `void of declaration ${d.id}`, workflowId: d.voidWorkflowId! })),
    ...batchRows.map((b) => ({ what: `batch ${b.id}`, workflowId: b.workflowId })),
  ];
  let orphanRecords = 0;
  await inPool(records, 8, async (r) => {
    const known = await temporal.workflow.getHandle(r.workflowId).describe().then(() => true, () => false);
    if (!known) {
      orphanRecords++;
      fail(`orphan record: ${r.what} has no workflow ${r.workflowId}`);
    }
  });
  if ((unstarted?.n ?? 0) > 0) fail(`${unstarted?.n} recorded workflow starts were never made`);
  if ((stuck?.n ?? 0) > 0) fail(`${stuck?.n} idempotency keys have no answer`);
  if (clients.neverAnswered > 0) fail(`${clients.neverAnswered} client requests were never answered`);
  const liveDeclarations = new Set(declRows.filter((d) => d.status !== 'rejected' && d.status !== 'voided').map((d) => d.id));
  let itemsDeclaredTwice = 0;
  for (const [itemId, held] of groupBy(declLineRows.filter((l) => liveDeclarations.has(l.declarationId)), (l) => l.itemId)) {
    if (held.length > 1) {
      itemsDeclaredTwice++;
      fail(`item ${itemId} is declared twice (${held.map((l) => l.declarationId).join(', ')})`);
    }
  }

  return {
    violations,
    figures: {
      acceptedPayments: accepted.size,
      paymentsInDb: paymentRows.length,
      paymentsLost: lost,
      orphanWorkflows: orphans,
      workflows,
      statuses,
      byMethod,
      chargedTwice,
      ledgerEntries: ledger.length,
      ledgerLines: ledger.reduce((n, e) => n + e.lines.length, 0),
      reconciledPayments,
      reconciledLines,
      attempts,
      unknownOutcomes: unknown?.n ?? 0,
      paidFen,
      declarations: declRows.length,
      orphanRecords,
      unstartedStarts: unstarted?.n ?? 0,
      stuckKeys: stuck?.n ?? 0,
      neverAnswered: clients.neverAnswered,
      itemsDeclaredTwice,
    },
  };
}
