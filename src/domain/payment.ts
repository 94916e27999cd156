// Payments (缴费, F-4): statuses, the retry schedule of failed deductions, and what a
// payment does to the declarations it pays.
import type { PaymentStatus } from './declaration';
import type { Fen } from './money';


export const PAYMENT_METHODS = ['three_party', 'bank_voucher'] as const; // 三方协议 / 银行端查询缴费凭证
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const PAYMENT_STATES = [
  'deducting', // a real-time deduction (实时扣款) is being made or resolved
  'awaiting_retry', // the last deduction failed for a business reason; the next is scheduled
  'paid',
  'failed', // no retry left before the payment deadline
  'cancelled', // an operator stopped the retries
  'voucher_issued', // waiting for the employer to pay the voucher at a bank counter
  'voucher_voided',
  'voucher_expired',
] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

/** Final states hold no lines: the lines can be paid again unless the payment paid them. */
export const FINAL_PAYMENT_STATES: readonly PaymentState[] = ['paid', 'failed', 'cancelled', 'voucher_voided', 'voucher_expired'];

/** How a deduction attempt ended, as recorded. `unknown` only until the bureau is asked. */
export const ATTEMPT_OUTCOMES = ['succeeded', 'failed', 'unknown'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** A bank-side voucher (银行端查询缴费凭证): waiting at the bank, paid at the counter, voided, or past its 限缴日期. */
export const VOUCHER_STATES = ['issued', 'paid', 'voided', 'expired'] as const;
export type VoucherState = (typeof VOUCHER_STATES)[number];

/** The payment deadline: the end (China time) of the earliest last valid day among the lines. */
export function paymentDeadline(validUntilDates: readonly string[]): Date {
  const earliest = [...validUntilDates].sort()[0];
  if (!earliest) throw new RangeError('a payment needs at least one line');
  return new Date(`${earliest}T23:59:59.999+08:00`);
}

/** F-4, F-2.7: a declaration whose lines are all paid is paid; some paid, partly paid. */
export function declarationPaymentStatus(lines: readonly { amountFen: Fen; paidFen: Fen }[]): PaymentStatus {
  const paid = lines.filter((l) => l.paidFen >= l.amountFen).length;
  if (paid === lines.length && lines.length > 0) return 'paid';
  return paid > 0 || lines.some((l) => l.paidFen > 0) ? 'partially_paid' : 'unpaid';
}

/** Only the last four digits of an account number are ever shown or stored. */
export function maskAccount(accountNumber: string): string {
  return `**** ${accountNumber.slice(-4)}`;
}
