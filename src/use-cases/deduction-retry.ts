// A three-party deduction awaiting its retry (F-4.7): the operator tries it again now, or stops
// the retries so that its lines can be paid again. Both are updates of the payment's workflow,
// whose validator refuses them once the payment moved on.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { PaymentRecord } from '../db/payments';
import { cancelPaymentUpdate, retryPaymentNowUpdate } from '../contracts/payment';
import { Problem } from '../domain/problem';
import type { Caller, Services } from './context';
import { paymentOr404 } from './payment-records';

export type DeductionAction = 'retry' | 'cancel';

const UPDATES = { retry: retryPaymentNowUpdate, cancel: cancelPaymentUpdate } as const;

/** Retries (`retry`) or cancels (`cancel`) the awaiting deduction of this payment: the payment after it. */
export async function actOnAwaitingDeduction(services: Services, caller: Caller, input: { paymentId: string; action: DeductionAction }): Promise<PaymentRecord> {
  const { action } = input;
  const payment = await paymentOr404(services, input.paymentId);
  // The repeat of a keyed request whose first try did it and died before answering: the state it led to.
  const doneBefore = action === 'cancel' ? payment.status === 'cancelled' : payment.status !== 'awaiting_retry';
  if (payment.method === 'three_party' && caller.idempotency?.resumed && doneBefore) return payment;
  if (payment.method !== 'three_party' || payment.status !== 'awaiting_retry') {
    throw new Problem(409, 'PAYMENT_NOT_AWAITING_RETRY', `Only a deduction awaiting its retry can be ${action === 'retry' ? 'retried now' : 'cancelled'}`, `payment ${payment.id} is ${payment.status}`);
  }
  try {
    await services.temporal.connection.withDeadline(Date.now() + 30_000, () => services.temporal.workflow.getHandle(payment.workflowId).executeUpdate(UPDATES[action]));
  } catch (err) {
    // The validator's answer when the state moved on meanwhile.
    if (err instanceof WorkflowUpdateFailedError) throw new Problem(409, 'PAYMENT_NOT_AWAITING_RETRY', 'The payment is no longer awaiting a retry', err.cause?.message ?? err.message);
    throw err;
  }
  return paymentOr404(services, payment.id);
}
