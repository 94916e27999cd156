// 缴费证明 (F-6) and 完税证明 (F-7): what they print, read from our own records, and the
// certificates printed, each with its file's SHA-256. Every print is audited with its row.
import { and, desc, eq, getTableColumns } from 'drizzle-orm';
import type { PeriodLine, PrintedCertificate } from '../domain/certificates';
import type { InsuranceType } from '../domain/fee-items';
import { appendAudit } from './audit';
import type { Db } from './client';
import { afterKey, keyText, pageOf, type PageKey } from './paging';
import { certificates, declarationLines, declarations, employers, paymentAttempts, paymentLines, payments, vouchers } from './schema';

export type CertificateRow = typeof certificates.$inferSelect;
export type CertificateKind = CertificateRow['kind'];

export interface CertificateEmployer {
  taxpayerId: string;
  unitNumber: string;
  name: string;
  taxOfficeName: string;
}

/** A declared line of an accepted declaration of the period, with what was paid of it. */
export interface DeclaredLine extends PeriodLine {
  lineId: string;
  insuranceType: InsuranceType;
  period: string;
  baseFen: number;
  employerFen: number;
  employeeFen: number;
  collectionOrder: string; // 征集单号
}

/** One paid payment of one line: a row of the tax certificate. */
export interface PaidLine {
  lineId: string;
  insuranceType: InsuranceType;
  period: string;
  amountFen: number;
  /** 原凭证号: the bank-side voucher's number, or the successful deduction's key. */
  originalVoucher: string;
  paidAt: Date;
}

export async function certificateEmployer(db: Db, employerId: string): Promise<CertificateEmployer | undefined> {
  const [row] = await db
    .select({ taxpayerId: employers.taxpayerId, unitNumber: employers.unitNumber, name: employers.name, taxOfficeName: employers.taxOfficeName })
    .from(employers)
    .where(eq(employers.id, employerId));
  return row;
}

/** The lines of the employer's accepted declarations for the period. */
export async function declaredLines(db: Db, employerId: string, period: string): Promise<DeclaredLine[]> {
  const rows = await db
    .select({ line: declarationLines })
    .from(declarationLines)
    .innerJoin(declarations, eq(declarations.id, declarationLines.declarationId))
    .where(and(eq(declarations.employerId, employerId), eq(declarations.status, 'accepted'), eq(declarationLines.period, period)))
    .orderBy(declarationLines.itemId);
  return rows.map(({ line }) => ({
    lineId: line.id,
    insuranceType: line.insuranceType as InsuranceType,
    period: line.period,
    baseFen: line.baseFen,
    employerFen: line.employerFen,
    employeeFen: line.employeeFen,
    amountFen: line.amountFen,
    paidFen: line.paidFen,
    collectionOrder: line.collectionOrder,
  }));
}

/** Every paid payment of the period's lines, with its original voucher number and the date paid. */
export async function paidLines(db: Db, employerId: string, period: string): Promise<PaidLine[]> {
  const rows = await db
    .select({
      lineId: declarationLines.id,
      itemId: declarationLines.itemId,
      insuranceType: declarationLines.insuranceType,
      period: declarationLines.period,
      amountFen: paymentLines.amountFen,
      voucherNumber: vouchers.voucherNumber,
      voucherPaidAt: vouchers.paidAt,
      deductionKey: paymentAttempts.deductionKey,
      deductedAt: paymentAttempts.at,
      paymentUpdatedAt: payments.updatedAt,
    })
    .from(paymentLines)
    .innerJoin(payments, eq(payments.id, paymentLines.paymentId))
    .innerJoin(declarationLines, eq(declarationLines.id, paymentLines.lineId))
    .innerJoin(declarations, eq(declarations.id, declarationLines.declarationId))
    .leftJoin(vouchers, eq(vouchers.paymentId, payments.id))
    .leftJoin(paymentAttempts, and(eq(paymentAttempts.paymentId, payments.id), eq(paymentAttempts.outcome, 'succeeded')))
    .where(and(eq(payments.employerId, employerId), eq(payments.status, 'paid'), eq(declarations.status, 'accepted'), eq(declarationLines.period, period)))
    .orderBy(declarationLines.itemId, payments.createdAt);
  return rows.map((r) => ({
    lineId: r.lineId,
    insuranceType: r.insuranceType as InsuranceType,
    period: r.period,
    amountFen: r.amountFen,
    originalVoucher: r.voucherNumber ?? r.deductionKey ?? '',
    paidAt: r.voucherPaidAt ?? r.deductedAt ?? r.paymentUpdatedAt,
  }));
}

export async function findCertificate(db: Db, id: string): Promise<CertificateRow | undefined> {
  const [row] = await db.select().from(certificates).where(eq(certificates.id, id));
  return row;
}

/** A page of what was printed for the employer, newest first. */
export async function listCertificates(
  db: Db,
  employerId: string,
  f: { after?: PageKey | undefined; limit: number },
): Promise<{ rows: CertificateRow[]; nextCursor: string | null }> {
  const rows = await db
    .select({ ...getTableColumns(certificates), pageAt: keyText(certificates.createdAt) })
    .from(certificates)
    .where(and(eq(certificates.employerId, employerId), afterKey(certificates.createdAt, certificates.id, f.after, 'desc')))
    .orderBy(desc(certificates.createdAt), desc(certificates.id))
    .limit(f.limit + 1);
  return pageOf(rows, f.limit);
}

/** The employer's tax certificates, as the eligibility rules see them. */
export async function printedTaxCertificates(db: Db, employerId: string): Promise<PrintedCertificate[]> {
  const rows = await db
    .select()
    .from(certificates)
    .where(and(eq(certificates.employerId, employerId), eq(certificates.kind, 'tax')))
    .orderBy(certificates.createdAt);
  return rows.map((r) => ({ id: r.id, kind: r.kind, period: r.period, issueDate: r.issueDate, reprintOf: r.reprintOf }));
}

export type NewCertificate = Omit<CertificateRow, 'createdAt'>;

/**
 * Records a printed certificate with its audit entry. A repeat of the same id (a retried
 * activity) answers 'exists'; another first print of the same tax period answers 'conflict'.
 */
export async function insertCertificate(db: Db, c: NewCertificate): Promise<'inserted' | 'exists' | 'conflict'> {
  return db.transaction(async (tx) => {
    const inserted = await tx.insert(certificates).values(c).onConflictDoNothing().returning({ id: certificates.id });
    if (inserted.length === 0) {
      const [same] = await tx.select({ id: certificates.id }).from(certificates).where(eq(certificates.id, c.id));
      return same ? 'exists' : 'conflict';
    }
    const action = `certificate.${c.kind}.${c.reprintOf ? 'reprinted' : 'printed'}`;
    await appendAudit(tx, {
      actor: c.createdBy,
      action,
      subject: c.id,
      detail: {
        employerId: c.employerId,
        kind: c.kind,
        period: c.period,
        certificateNumber: c.certificateNumber,
        issueDate: c.issueDate,
        reprintOf: c.reprintOf,
        sha256: c.pdfSha256,
      },
    });
    return 'inserted';
  });
}

