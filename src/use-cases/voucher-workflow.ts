// An operator's action on a bank-side voucher (void, 补打) is an update of its payment's workflow,
// which does the bureau call and the record: what its refusals mean to the caller.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { VoucherRow } from '../db/vouchers';
import { Problem } from '../domain/problem';
import type { Services } from './context';
import { paymentOr404, voucherOr404 } from './payment-records';

/** How long an operator's void or reprint waits for the workflow before answering 503. */
const UPDATE_WAIT_MS = 60_000;

/**
 * Runs an update of the voucher's workflow. Its validator's refusal and a finished workflow are
 * 409s with this code and title; no answer in time is a 503 (the outcome shows on the payment).
 */
export async function updateVoucherWorkflow<T>(services: Services, voucher: VoucherRow, refusal: { code: string; title: string }, run: (h: WorkflowHandle) => Promise<T>): Promise<T> {
  const payment = await paymentOr404(services, voucher.paymentId);
  try {
    return await services.temporal.connection.withDeadline(Date.now() + UPDATE_WAIT_MS, () => run(services.temporal.workflow.getHandle(payment.workflowId)));
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new Problem(409, refusal.code, refusal.title, err.cause?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError || /already completed/i.test((err as Error).message)) {
      const now = await voucherOr404(services, voucher.id);
      throw new Problem(409, refusal.code, refusal.title, `voucher ${now.voucherNumber} is ${now.status}`);
    }
    throw new Problem(503, 'TEMPORAL_UNAVAILABLE', 'The voucher’s workflow did not answer in time', `read GET /api/payments/${voucher.paymentId} for the outcome, or try again`);
  }
}
