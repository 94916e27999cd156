// The payment workflows (缴费): what they are started with (money in fen; no password ever, the
// API checks it with the bureau before starting; an account number only inside encrypted
// payloads), and the updates and queries the API sends them.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PaymentLine, VoucherAccount } from '../bureau/contract';
import type { PaymentTiming } from '../config';
import type { PaymentState } from '../domain/payment';

export interface ThreePartyPaymentInput {
  paymentId: string;
  taxpayerId: string;
  agreementId: string; // 三方协议号
  lines: PaymentLine[];
  amountFen: number;
  retryScheduleSeconds: number[]; // waits between failed deductions
  deadline: string; // ISO time: no retry after it (the fees' payment deadline)
  statusPollSeconds: number; // while an attempt's outcome is unknown, ask the bureau this often
}

export interface VoucherPaymentInput {
  paymentId: string;
  employerId: string;
  taxpayerId: string;
  lines: PaymentLine[];
  amountFen: number;
  account: VoucherAccount | null; // typed in by the operator, or a reported account; null: the bureau's default
  counterPollSeconds: number; // how often to ask the bureau whether the voucher was paid at a counter
}

/** A three-party payment's input: the lines at what is still due on each, and their total. */
export function threePartyPaymentInput(p: {
  paymentId: string;
  taxpayerId: string;
  agreementId: string;
  lines: readonly { itemId: string; dueFen: number }[];
  deadline: Date;
  timing: PaymentTiming;
}): ThreePartyPaymentInput {
  const lines = p.lines.map((l) => ({ itemId: l.itemId, amountFen: l.dueFen }));
  return {
    paymentId: p.paymentId,
    taxpayerId: p.taxpayerId,
    agreementId: p.agreementId,
    lines,
    amountFen: lines.reduce((sum, l) => sum + l.amountFen, 0),
    retryScheduleSeconds: p.timing.retryScheduleSeconds,
    deadline: p.deadline.toISOString(),
    statusPollSeconds: p.timing.statusPollSeconds,
  };
}

export interface PaymentView {
  paymentId: string;
  status: PaymentState;
  attempts: number; // deduction attempts made so far
  nextRetryAt?: string;
  reason?: string;
}

/** Three-party payments: try a failed deduction now instead of at the scheduled time (F-4.7). */
export const retryPaymentNowUpdate = defineUpdate<PaymentView>('retryPaymentNow');
/** Three-party payments: stop retrying; the lines can be paid again. */
export const cancelPaymentUpdate = defineUpdate<PaymentView>('cancelPayment');
export const paymentStateQuery = defineQuery<PaymentView>('paymentState');

/** Bank-side voucher (银行端查询缴费凭证, F-4.6, F-4.8): where its workflow stands. */
export type VoucherWorkflowStatus = 'issuing' | 'issued' | 'paid' | 'voided' | 'expired' | 'failed';

export interface VoucherView {
  paymentId: string;
  voucherId: string; // the vouchers table id
  status: VoucherWorkflowStatus;
  voucherNumber?: string; // 凭证序号, once issued
  deadline?: string; // 限缴日期, YYYY-MM-DD
  printCount: number; // successful prints so far (the first print and every 补打)
  lastPrintError?: string;
  paidAt?: string;
  reason?: string;
}

/** The answer of a (re)print: the voucher after it, and whether the PDF was made. */
export interface VoucherPrintResult extends VoucherView {
  printed: boolean;
}

/** Who asks: recorded in the audit log. */
export interface VoucherActionArgs {
  actor: string;
}

/** F-4.8: void an issued, unpaid voucher; answers the final state (`paid` when the counter was faster). */
export const voidVoucherUpdate = defineUpdate<VoucherView, [VoucherActionArgs]>('voidVoucher');
/** F-4.8: print the same voucher again (补打), e.g. after a failed print; only while it is issued. */
export const reprintVoucherUpdate = defineUpdate<VoucherPrintResult, [VoucherActionArgs]>('reprintVoucher');
export const voucherStateQuery = defineQuery<VoucherView>('voucherState');
