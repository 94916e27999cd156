// Signals, queries and updates of the workflows, as exported constants shared with the API.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeclarationStatus } from '../domain/declaration';
import type { PaymentState } from '../domain/payment';

export interface DeclarationView {
  declarationId: string;
  status: DeclarationStatus;
  serial?: string; // 申报序号, once accepted
  reason?: string; // the bureau's reason, once rejected
  fetches: number; // how often the result was fetched from the bureau
  nextFetchAt?: string; // when the result will be fetched next without an operator asking
}

/** F-2.6 立即获取: fetch the result now; answers the state after that fetch. */
export const fetchResultNowUpdate = defineUpdate<DeclarationView>('fetchResultNow');
export const declarationStateQuery = defineQuery<DeclarationView>('declarationState');

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

/** 批量申报: where a batch declaration stands, as its workflow knows it. */
export interface BatchProgressView {
  batchId: string;
  status: 'running' | 'completed';
  period: string;
  total: number;
  cursor: number; // employers before this place were taken up by earlier runs
  run: number; // 1 for the first run, +1 at each continue-as-new
  inFlight: number[]; // places of the employers being prepared now
  declaring: number; // declarations started and waiting for their result, as last counted
  done: number; // declarations whose workflow ended
  accepted: number;
  rejected: number;
  resultUnknown: number;
  skipped: number;
  failed: number;
  pending: number; // not finished yet
}

export const batchProgressQuery = defineQuery<BatchProgressView>('batchProgress');

/** A webhook delivery waiting for its next attempt: try at once (a redelivery asked meanwhile). */
export const deliverNowSignal = defineSignal('deliverNow');
