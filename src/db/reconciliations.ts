// Our side of the reconciliation with the bureau (对账): the collections we recorded (successful
// deductions by their idempotency key, counter payments by voucher number), and each day's
// result, kept with an audit entry.
import { and, eq, gte, lt } from 'drizzle-orm';
import type { OurCollection, Reconciliation } from '../domain/reconciliation';
import { appendAudit } from './audit';
import type { Db } from './client';
import { employers, paymentAttempts, payments, reconciliations, vouchers } from './schema';

/** Collections we recorded between these moments. */
export async function ourCollections(db: Db, from: Date, to: Date): Promise<OurCollection[]> {
  const deductions = await db
    .select({ ref: paymentAttempts.deductionKey, at: paymentAttempts.at, amountFen: payments.totalFen, paymentId: payments.id, employerId: payments.employerId, taxpayerId: employers.taxpayerId })
    .from(paymentAttempts)
    .innerJoin(payments, eq(payments.id, paymentAttempts.paymentId))
    .innerJoin(employers, eq(employers.id, payments.employerId))
    .where(and(eq(paymentAttempts.outcome, 'succeeded'), gte(paymentAttempts.at, from), lt(paymentAttempts.at, to)));
  const counter = await db
    .select({ ref: vouchers.voucherNumber, at: vouchers.paidAt, amountFen: vouchers.amountFen, paymentId: vouchers.paymentId, employerId: vouchers.employerId, taxpayerId: employers.taxpayerId })
    .from(vouchers)
    .innerJoin(employers, eq(employers.id, vouchers.employerId))
    .where(and(eq(vouchers.status, 'paid'), gte(vouchers.paidAt, from), lt(vouchers.paidAt, to)));
  return [
    ...deductions.map((d) => ({ ...d, kind: 'deduction' as const, at: d.at.toISOString() })),
    ...counter.map((c) => ({ ...c, kind: 'counter_payment' as const, at: c.at!.toISOString() })),
  ];
}

export interface StoredReconciliation extends Reconciliation {
  ranAt: string;
  ranBy: string;
}

/** Keeps the day's latest result; each run is in the audit log with its counts. */
export async function saveReconciliation(db: Db, r: Reconciliation, actor: string): Promise<StoredReconciliation> {
  const ranAt = new Date();
  const discrepancies = r.missingHere + r.missingAtBureau + r.amountMismatch;
  await db.transaction(async (tx) => {
    const row = { result: r as unknown as Record<string, unknown>, discrepancies, ranBy: actor, ranAt };
    await tx.insert(reconciliations).values({ date: r.date, ...row }).onConflictDoUpdate({ target: reconciliations.date, set: row });
    await appendAudit(tx, {
      actor,
      action: r.clean ? 'reconciliation.clean' : 'reconciliation.discrepancies',
      subject: r.date,
      detail: { matched: r.matched, missingHere: r.missingHere, missingAtBureau: r.missingAtBureau, amountMismatch: r.amountMismatch, bureauTotalFen: r.bureauTotalFen, ourTotalFen: r.ourTotalFen },
    });
  });
  return { ...r, ranAt: ranAt.toISOString(), ranBy: actor };
}

export async function getReconciliation(db: Db, date: string): Promise<StoredReconciliation | undefined> {
  const [row] = await db.select().from(reconciliations).where(eq(reconciliations.date, date));
  return row ? { ...(row.result as unknown as Reconciliation), ranAt: row.ranAt.toISOString(), ranBy: row.ranBy } : undefined;
}
