// 三方协议缴费 (F-4.5, F-4.7): real-time deductions until one succeeds, the operator cancels, or
// no retry is left before the payment deadline. An attempt whose outcome is unknown is never
// sent again: the bureau is asked about its key until the answer is definite.
import { ActivityFailure, ApplicationFailure, condition, setHandler, sleep } from '@temporalio/workflow';
import { atBureau, database } from './activity-options';
import { nextRetryAt } from '../domain/retry-schedule';
import { cancelPaymentUpdate, paymentStateQuery, retryPaymentNowUpdate, type PaymentView , type ThreePartyPaymentInput } from '../contracts/payment';

import { setBusinessStatus } from './business-status';

export async function threePartyPaymentWorkflow(input: ThreePartyPaymentInput): Promise<PaymentView> {
  const view: PaymentView = { paymentId: input.paymentId, status: 'deducting', attempts: 0 };
  let retryNow = false;
  let cancelRequested = false;
  const onlyWhileAwaitingRetry = () => {
    if (view.status !== 'awaiting_retry') throw new Error(`the payment is ${view.status}; only a payment awaiting retry can be retried now or cancelled`);
  };
  setHandler(paymentStateQuery, () => ({ ...view }));
  setHandler(
    retryPaymentNowUpdate,
    async () => {
      retryNow = true;
      await condition(() => view.status !== 'awaiting_retry');
      return { ...view };
    },
    { validator: onlyWhileAwaitingRetry },
  );
  setHandler(
    cancelPaymentUpdate,
    async () => {
      cancelRequested = true;
      await condition(() => view.status === 'cancelled');
      return { ...view };
    },
    { validator: onlyWhileAwaitingRetry },
  );

  const finish = async (status: 'paid' | 'failed' | 'cancelled', reason: string | null): Promise<PaymentView> => {
    await database.finishPayment({ paymentId: input.paymentId, state: status, reason });
    Object.assign(view, { status, reason: reason ?? undefined, nextRetryAt: undefined });
    setBusinessStatus(status);
    return { ...view };
  };

  let failedAttempts = 0;
  for (let n = 1; ; n++) {
    const key = `${input.paymentId}-${n}`;
    // The view changes before the record, so an operator's update never meets a stale view.
    Object.assign(view, { status: 'deducting', attempts: n, nextRetryAt: undefined });
    setBusinessStatus('deducting');
    if (n > 1) await database.updatePaymentState({ paymentId: input.paymentId, state: 'deducting', reason: null, nextRetryAt: null });

    let outcome;
    try {
      outcome = await atBureau().attemptDeduction({ ...input, n, key });
      while (outcome.outcome === 'unknown') {
        await sleep(`${input.statusPollSeconds} seconds`);
        outcome = await atBureau().resolveDeduction({ paymentId: input.paymentId, n, key });
      }
    } catch (err) {
      // The bureau refused the request itself (e.g. a line is paid already): no retry can help.
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.nonRetryable) return finish('failed', `${cause.type ?? 'REFUSED'}: ${cause.message}`);
      throw err;
    }

    if (outcome.outcome === 'succeeded') return finish('paid', null);
    if (outcome.outcome === 'not_applied') continue; // definitely not applied: a new attempt is safe

    failedAttempts++;
    const reason = `${outcome.code}: ${outcome.reason}`;
    const next = nextRetryAt(failedAttempts, new Date(), input.retryScheduleSeconds, new Date(input.deadline));
    if (!next) return finish('failed', `${reason}; no retry is left before the payment deadline ${input.deadline}`);
    retryNow = false;
    Object.assign(view, { status: 'awaiting_retry', reason, nextRetryAt: next.toISOString() });
    await database.updatePaymentState({ paymentId: input.paymentId, state: 'awaiting_retry', reason, nextRetryAt: next.toISOString() });
    setBusinessStatus('awaiting_retry');
    await condition(() => retryNow || cancelRequested, next.getTime() - Date.now());
    if (cancelRequested) return finish('cancelled', `cancelled by an operator after: ${reason}`);
  }
}
