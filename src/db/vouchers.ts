// Bank-side vouchers (银行端查询缴费凭证) and their print records (缴费凭证打印记录, F-4.8).
// Only the bank name, the account name and the masked account number are kept: never the full number.
import { and, desc, eq, lt } from 'drizzle-orm';
import type { InsuranceType } from '../domain/fee-items';
import type { PaymentState, VoucherState } from '../domain/payment';
import { appendAudit, audited, auditing } from './audit';
import type { Db } from './client';
import { finishPayment, type VoucherRow } from './payments';
import { declarationLines, employers, paymentLines, vouchers } from './schema';

export type { VoucherRow };
export type VoucherStatus = VoucherState;

/** The vouchers table id of a payment's voucher: one voucher per payment. */
export const voucherIdOf = (paymentId: string): string => `V${paymentId}`;

export interface NewVoucher {
  id: string;
  paymentId: string;
  employerId: string;
  voucherNumber: string;
  amountFen: number;
  issuedAt: Date;
  deadline: string; // 限缴日期, YYYY-MM-DD
  bankName: string | null;
  accountName: string | null;
  accountMasked: string | null;
}

/** Records an issued voucher once; a repeat (a retried activity) answers the stored row. */
export async function insertVoucher(db: Db, v: NewVoucher): Promise<VoucherRow> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(vouchers)
      .values({ ...v, status: 'issued' })
      .onConflictDoNothing({ target: vouchers.id })
      .returning();
    if (inserted[0]) {
      await appendAudit(tx, {
        actor: 'bureau',
        action: 'voucher.issued',
        subject: v.id,
        detail: { paymentId: v.paymentId, voucherNumber: v.voucherNumber, amountFen: v.amountFen, deadline: v.deadline, account: v.accountMasked },
      });
      return inserted[0];
    }
    const [existing] = await tx.select().from(vouchers).where(eq(vouchers.id, v.id));
    return existing!;
  });
}

export async function findVoucher(db: Db, id: string): Promise<VoucherRow | undefined> {
  const [row] = await db.select().from(vouchers).where(eq(vouchers.id, id));
  return row;
}

/** The print records of an employer, newest first. */
export async function listVouchers(db: Db, employerId: string): Promise<VoucherRow[]> {
  return db.select().from(vouchers).where(eq(vouchers.employerId, employerId)).orderBy(desc(vouchers.issuedAt), desc(vouchers.id));
}

export interface VoucherPrintData {
  voucher: VoucherRow;
  employer: { taxpayerId: string; name: string };
  lines: { insuranceType: InsuranceType; period: string; amountFen: number }[];
}

/** What a voucher prints: the row, its employer and the declared lines its payment pays. */
export async function voucherPrintData(db: Db, id: string): Promise<VoucherPrintData | undefined> {
  const voucher = await findVoucher(db, id);
  if (!voucher) return undefined;
  const [employer] = await db.select({ taxpayerId: employers.taxpayerId, name: employers.name }).from(employers).where(eq(employers.id, voucher.employerId));
  const lines = await db
    .select({ insuranceType: declarationLines.insuranceType, period: declarationLines.period, amountFen: paymentLines.amountFen })
    .from(paymentLines)
    .innerJoin(declarationLines, eq(declarationLines.id, paymentLines.lineId))
    .where(eq(paymentLines.paymentId, voucher.paymentId))
    .orderBy(declarationLines.period, declarationLines.itemId);
  return { voucher, employer: employer!, lines: lines.map((l) => ({ ...l, insuranceType: l.insuranceType as InsuranceType })) };
}

/** Print number `n` of a voucher was stored: the file, its SHA-256, the count. A repeat changes nothing. */
export async function recordPrint(db: Db, id: string, p: { n: number; pdfPath: string; sha256: string; actor: string }): Promise<void> {
  const printed = db
    .update(vouchers)
    .set({ pdfPath: p.pdfPath, pdfSha256: p.sha256, printCount: p.n, lastPrintError: null, updatedAt: new Date() })
    .where(and(eq(vouchers.id, id), lt(vouchers.printCount, p.n)))
    .returning({ id: vouchers.id });
  await audited(db, printed, { actor: p.actor, action: p.n > 1 ? 'voucher.reprinted' : 'voucher.printed', subject: id, detail: { n: p.n, sha256: p.sha256 } });
}

/** A print that failed (F-4.8: it can be printed again from the print records). */
export async function recordPrintError(db: Db, id: string, error: string, actor: string): Promise<void> {
  await db
    .with(auditing(db, { actor, action: 'voucher.print_failed', subject: id, detail: { error } }))
    .update(vouchers)
    .set({ lastPrintError: error, updatedAt: new Date() })
    .where(eq(vouchers.id, id));
}

const PAYMENT_STATE_OF: Record<Exclude<VoucherStatus, 'issued'>, PaymentState> = {
  paid: 'paid',
  voided: 'voucher_voided',
  expired: 'voucher_expired',
};

/**
 * Ends a voucher and its payment together: `paid` adds the amounts to the declared lines (see
 * finishPayment), the others let the lines go. Runs once: a repeat changes nothing.
 */
export async function finishVoucher(
  db: Db,
  f: { voucherId: string; paymentId: string; status: Exclude<VoucherStatus, 'issued'>; paidAt: Date | null; reason: string | null; actor: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    await finishPayment(tx, f.paymentId, PAYMENT_STATE_OF[f.status], f.reason, f.actor);
    const ended = tx
      .update(vouchers)
      .set({ status: f.status, paidAt: f.paidAt, updatedAt: new Date() })
      .where(and(eq(vouchers.id, f.voucherId), eq(vouchers.status, 'issued')))
      .returning({ id: vouchers.id });
    await audited(tx, ended, { actor: f.actor, action: `voucher.${f.status}`, subject: f.voucherId, detail: { paymentId: f.paymentId, reason: f.reason, paidAt: f.paidAt?.toISOString() ?? null } });
  });
}

