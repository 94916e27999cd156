// Bulk actions from the month view (批量操作): pay every accepted declaration of a period by its
// three-party agreement, or print every certificate of a period, for the selected employers.
// Each employer is one entry of the action, handled as one payment or one print would be, with
// its outcome kept so the report accounts for every employer once.
import { paymentDeadline } from './payment';

export const BULK_ACTION_KINDS = ['pay', 'print_payment_certificates', 'print_tax_certificates'] as const;
export type BulkActionKind = (typeof BULK_ACTION_KINDS)[number];

/** pending: not handled yet; done: its payment started or its certificate printed. */
export const BULK_ENTRY_STATUSES = ['pending', 'done', 'skipped', 'failed'] as const;
export type BulkEntryStatus = (typeof BULK_ENTRY_STATUSES)[number];

/** Why an employer was skipped or failed, for the report. */
export interface BulkReason {
  code: string;
  message: string;
}

/** An entry's fixed id (its payment or certificate): a retried step finds what it made instead of making another. */
export function bulkEntryId(bulkId: string, n: number): string {
  return `${bulkId}-${String(n).padStart(5, '0')}`;
}

/** Employers in one bulk payment at most: each one's declaration password is checked while the request waits. */
export const MAX_BULK_PAYMENT_EMPLOYERS = 200;
/** Employers in one bulk print at most. */
export const MAX_BULK_PRINT_EMPLOYERS = 10_000;

interface PayableLine {
  lineId: string;
  period: string;
  validUntil: string; // YYYY-MM-DD, the collection order's last valid day
}

interface Agreement {
  agreementId: string;
  status: 'valid' | 'expired' | 'unverified';
}

export type BulkPaymentPlan<L extends PayableLine> =
  | { action: 'pay'; lines: L[]; agreementId: string; deadline: Date }
  | { action: 'skip'; reason: BulkReason };

/**
 * What a bulk payment does for one employer (F-4.1, F-4.9): every payable line of the period in
 * one three-party payment by the employer's valid agreement (the first, by id, when there are
 * several), unless there is nothing to pay, no valid agreement, or the deadline has passed.
 */
export function planBulkPayment<L extends PayableLine>(payables: readonly L[], period: string, agreements: readonly Agreement[], now: Date): BulkPaymentPlan<L> {
  const lines = payables.filter((l) => l.period === period);
  if (lines.length === 0) {
    return { action: 'skip', reason: { code: 'NOTHING_TO_PAY', message: `nothing of ${period} is accepted and unpaid (it may be paid, or being paid already)` } };
  }
  if (agreements.length === 0) {
    return { action: 'skip', reason: { code: 'NO_AGREEMENT', message: 'this employer has signed no three-party agreement (三方协议): pay by bank-side voucher' } };
  }
  const valid = agreements.filter((a) => a.status === 'valid').sort((a, b) => a.agreementId.localeCompare(b.agreementId));
  if (valid.length === 0) {
    return { action: 'skip', reason: { code: 'AGREEMENT_INVALID', message: `no agreement is verified and valid (${agreements.map((a) => `${a.agreementId} ${a.status}`).join(', ')})` } };
  }
  const deadline = paymentDeadline(lines.map((l) => l.validUntil));
  if (deadline.getTime() < now.getTime()) {
    return { action: 'skip', reason: { code: 'PAYMENT_DEADLINE_PASSED', message: 'the collection order is no longer valid: ask the agency to assess the fees again' } };
  }
  return { action: 'pay', lines, agreementId: valid[0]!.agreementId, deadline };
}

export interface BulkCounts {
  total: number;
  pending: number;
  done: number;
  skipped: number;
  failed: number;
}

export function countBulk(statuses: readonly { status: BulkEntryStatus; n: number }[]): BulkCounts {
  const c: BulkCounts = { total: 0, pending: 0, done: 0, skipped: 0, failed: 0 };
  for (const s of statuses) {
    c[s.status] += s.n;
    c.total += s.n;
  }
  return c;
}
