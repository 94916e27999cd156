// Payments, their lines, attempts and vouchers. A line is held by one open payment at a time
// (unique index), and paying is recorded once, so nothing is paid twice here either.
import { and, desc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { AttemptOutcome, PaymentMethod, PaymentState } from '../domain/payment';
import { declarationPaymentStatus, FINAL_PAYMENT_STATES } from '../domain/payment';
import { sumFen } from '../domain/money';
import { latestFailures, type ActivityFailureRow } from './activity-failures';
import { appendAudit, audited, auditing, type Transaction } from './audit';
import type { Db } from './client';
import { isUniqueViolation } from './errors';
import { afterKey, keyText, pageOf, type PageKey } from './paging';
import { declarationLines, declarations, paymentAttempts, paymentLines, payments, vouchers } from './schema';

export type PaymentRow = typeof payments.$inferSelect;
export type AttemptRow = typeof paymentAttempts.$inferSelect;
export type VoucherRow = typeof vouchers.$inferSelect;
export type PaymentLineRow = typeof paymentLines.$inferSelect;

/** A declared line that can be paid now (F-4.1). */
export interface Payable {
  lineId: string;
  declarationId: string;
  itemId: string;
  insuranceType: string;
  agency: string;
  period: string;
  headcount: number;
  amountFen: number;
  paidFen: number;
  dueFen: number;
  validUntil: string;
}

export class LinesNotPayableError extends Error {
  constructor(readonly lineIds: string[], readonly why: 'unknown' | 'in_payment') {
    super(`${why === 'unknown' ? 'not payable' : 'already in a payment'}: ${lineIds.join(', ')}`);
  }
}

const openLineIds = sql`(select ${paymentLines.lineId} from ${paymentLines} where ${paymentLines.open})`;

/** Accepted declarations' lines not yet paid and not held by a running payment. */
export async function listPayables(db: Db, employerId: string): Promise<Payable[]> {
  const rows = await db
    .select({ line: declarationLines })
    .from(declarationLines)
    .innerJoin(declarations, eq(declarations.id, declarationLines.declarationId))
    .where(
      and(
        eq(declarations.employerId, employerId),
        eq(declarations.status, 'accepted'),
        sql`${declarationLines.paidFen} < ${declarationLines.amountFen}`,
        sql`${declarationLines.id} not in ${openLineIds}`,
      ),
    )
    .orderBy(declarationLines.period, declarationLines.id);
  return rows.map(({ line }) => ({
    lineId: line.id,
    declarationId: line.declarationId,
    itemId: line.itemId,
    insuranceType: line.insuranceType,
    agency: line.agency,
    period: line.period,
    headcount: line.headcount,
    amountFen: line.amountFen,
    paidFen: line.paidFen,
    dueFen: line.amountFen - line.paidFen,
    validUntil: line.validUntil,
  }));
}

export interface NewPayment {
  id: string;
  employerId: string;
  method: PaymentMethod;
  lines: Payable[];
  agreementId: string | null;
  accountMasked: string | null;
  workflowId: string;
  deadline: Date;
  actor: string;
}

/** Holds the lines for a new payment; refuses lines another open payment holds. */
export async function createPayment(db: Db, p: NewPayment, alsoRecord: (tx: Transaction) => Promise<void> = async () => {}): Promise<PaymentRow> {
  try {
    return await db.transaction(async (tx) => {
      // Lock the declarations first, as a void does: a void and a payment cannot both start.
      const declarationIds = [...new Set(p.lines.map((l) => l.declarationId))];
      const locked = await tx.select({ id: declarations.id, status: declarations.status }).from(declarations).where(inArray(declarations.id, declarationIds)).for('update');
      const notAccepted = locked.filter((d) => d.status !== 'accepted');
      if (notAccepted.length > 0) throw new LinesNotPayableError(p.lines.map((l) => l.lineId), 'unknown');
      const totalFen = sumFen(p.lines.map((l) => l.dueFen));
      const started = auditing(tx, {
        actor: p.actor,
        action: 'payment.started',
        subject: p.id,
        detail: { employerId: p.employerId, method: p.method, lineIds: p.lines.map((l) => l.lineId), totalFen, agreementId: p.agreementId },
      });
      const [row] = await tx
        .with(started)
        .insert(payments)
        .values({
          id: p.id,
          employerId: p.employerId,
          method: p.method,
          status: p.method === 'three_party' ? 'deducting' : 'voucher_issued',
          totalFen,
          lineIds: p.lines.map((l) => l.lineId),
          periods: [...new Set(p.lines.map((l) => l.period))].sort(),
          agreementId: p.agreementId,
          accountMasked: p.accountMasked,
          workflowId: p.workflowId,
          deadline: p.deadline,
          createdBy: p.actor,
        })
        .returning();
      await tx.insert(paymentLines).values(p.lines.map((l) => ({ paymentId: p.id, lineId: l.lineId, itemId: l.itemId, amountFen: l.dueFen })));
      await alsoRecord(tx);
      return row!;
    });
  } catch (err) {
    if (err instanceof LinesNotPayableError) throw err;
    if (isUniqueViolation(err, 'payment_lines_open_uq')) throw new LinesNotPayableError(p.lines.map((l) => l.lineId), 'in_payment');
    throw err;
  }
}

export async function recordAttempt(
  db: Db,
  a: { paymentId: string; n: number; deductionKey: string; outcome: AttemptOutcome; code?: string | undefined; reason?: string | undefined },
): Promise<void> {
  // An attempt first recorded as unknown gets its real outcome later; a repeat changes nothing.
  const written = db
    .insert(paymentAttempts)
    .values({ paymentId: a.paymentId, n: a.n, deductionKey: a.deductionKey, outcome: a.outcome, code: a.code, reason: a.reason })
    .onConflictDoUpdate({
      target: [paymentAttempts.paymentId, paymentAttempts.n],
      set: { outcome: a.outcome, code: a.code ?? null, reason: a.reason ?? null },
      setWhere: sql`${paymentAttempts.outcome} = 'unknown' and ${a.outcome} <> 'unknown'`,
    })
    .returning({ n: paymentAttempts.n });
  await audited(db, written, { actor: 'bureau', action: `deduction.${a.outcome}`, subject: a.paymentId, detail: { n: a.n, key: a.deductionKey, code: a.code, reason: a.reason } });
}

/** Moves a payment to a non-final state (deducting, awaiting_retry) with its reason and next retry. */
export async function setPaymentState(
  db: Db,
  id: string,
  state: 'deducting' | 'awaiting_retry',
  extra: { reason?: string | null; nextRetryAt?: Date | null; actor?: string } = {},
): Promise<void> {
  const moved = db
    .update(payments)
    .set({ status: state, reason: extra.reason ?? null, nextRetryAt: extra.nextRetryAt ?? null, updatedAt: new Date() })
    .where(and(eq(payments.id, id), sql`${payments.status} not in ${FINAL_PAYMENT_STATES}`))
    .returning({ id: payments.id });
  await audited(db, moved, { actor: extra.actor ?? 'system', action: `payment.${state}`, subject: id, detail: { reason: extra.reason ?? null, nextRetryAt: extra.nextRetryAt?.toISOString() ?? null } });
}

/**
 * Ends a payment. `paid` adds its amounts to the declared lines and updates the declarations'
 * payment status; every final state lets the lines go. Runs once: a repeat changes nothing.
 */
export async function finishPayment(db: Db, id: string, state: PaymentState, reason: string | null, actor = 'system'): Promise<boolean> {
  if (!FINAL_PAYMENT_STATES.includes(state)) throw new Error(`${state} is not a final payment state`);
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(payments)
      .set({ status: state, reason, nextRetryAt: null, updatedAt: new Date() })
      .where(and(eq(payments.id, id), sql`${payments.status} not in ${FINAL_PAYMENT_STATES}`))
      .returning();
    if (updated.length === 0) return false;
    if (state === 'paid') {
      // Lock the declarations first, in id order: another payment of the same declaration that
      // finishes now must see these lines paid when it derives the declaration's payment status.
      await tx
        .select({ id: declarations.id })
        .from(declarations)
        .where(inArray(declarations.id, tx.select({ id: declarationLines.declarationId }).from(declarationLines).innerJoin(paymentLines, eq(paymentLines.lineId, declarationLines.id)).where(eq(paymentLines.paymentId, id))))
        .orderBy(declarations.id)
        .for('update');
    }
    const lines = await tx.update(paymentLines).set({ open: false }).where(eq(paymentLines.paymentId, id)).returning();
    if (state === 'paid') {
      for (const line of lines) {
        await tx
          .update(declarationLines)
          .set({ paidFen: sql`${declarationLines.paidFen} + ${line.amountFen}` })
          .where(eq(declarationLines.id, line.lineId));
      }
      const touched = await tx
        .selectDistinct({ id: declarationLines.declarationId })
        .from(declarationLines)
        .where(inArray(declarationLines.id, lines.map((l) => l.lineId)));
      for (const { id: declarationId } of touched) {
        const all = await tx.select().from(declarationLines).where(eq(declarationLines.declarationId, declarationId));
        await tx
          .update(declarations)
          .set({ paymentStatus: declarationPaymentStatus(all), updatedAt: new Date() })
          .where(eq(declarations.id, declarationId));
      }
    }
    await appendAudit(tx, { actor, action: `payment.${state}`, subject: id, detail: { reason, totalFen: updated[0]!.totalFen } });
    return true;
  });
}

/** A paid line with the declaration it belongs to and its fee period. */
export type PaymentLine = PaymentLineRow & { declarationId: string; period: string; insuranceType: string };

export interface PaymentRecord extends PaymentRow {
  attempts: AttemptRow[];
  lines: PaymentLine[];
  voucher: VoucherRow | null;
  /** Its workflow's activity that is failing and being retried, if any. */
  failing: ActivityFailureRow | null;
}

export async function getPayment(db: Db, id: string): Promise<PaymentRecord | undefined> {
  const [row] = await db.select().from(payments).where(eq(payments.id, id));
  return row ? (await withDetails(db, [row]))[0] : undefined;
}

/** Payments with their attempts, lines, voucher and failing activity: four queries for any number of them. */
async function withDetails(db: Db, rows: PaymentRow[]): Promise<PaymentRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [attempts, lines, voucherRows, failing] = await Promise.all([
    db.select().from(paymentAttempts).where(inArray(paymentAttempts.paymentId, ids)).orderBy(paymentAttempts.n),
    db
      .select({ ...getTableColumns(paymentLines), declarationId: declarationLines.declarationId, period: declarationLines.period, insuranceType: declarationLines.insuranceType })
      .from(paymentLines)
      .innerJoin(declarationLines, eq(declarationLines.id, paymentLines.lineId))
      .where(inArray(paymentLines.paymentId, ids))
      .orderBy(paymentLines.lineId),
    db.select().from(vouchers).where(inArray(vouchers.paymentId, ids)),
    latestFailures(db, rows.map((r) => r.workflowId)),
  ]);
  return rows.map((row) => ({
    ...row,
    attempts: attempts.filter((a) => a.paymentId === row.id),
    lines: lines.filter((l) => l.paymentId === row.id),
    voucher: voucherRows.find((v) => v.paymentId === row.id) ?? null,
    failing: failing.get(row.workflowId) ?? null,
  }));
}

/** A page of payments with their details, newest first; each filter has an index ending in (created_at, id). */
export async function listPayments(
  db: Db,
  q: { employerId?: string | undefined; status?: PaymentState | undefined; period?: string | undefined; after?: PageKey | undefined; limit: number },
): Promise<{ rows: PaymentRecord[]; nextCursor: string | null }> {
  const rows = await db
    .select({ ...getTableColumns(payments), pageAt: keyText(payments.createdAt) })
    .from(payments)
    .where(
      and(
        q.employerId ? eq(payments.employerId, q.employerId) : undefined,
        q.status ? eq(payments.status, q.status) : undefined,
        q.period
          ? sql`${payments.periods} @> array[${q.period}]::text[]`
          : undefined,
        afterKey(payments.createdAt, payments.id, q.after, 'desc'),
      ),
    )
    .orderBy(desc(payments.createdAt), desc(payments.id))
    .limit(q.limit + 1);
  const page = pageOf(rows, q.limit);
  return { rows: await withDetails(db, page.rows), nextCursor: page.nextCursor };
}
