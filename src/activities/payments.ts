// Payment activities: deductions at the bureau and the records of them. A deduction is sent
// once per key; when its answer is lost, the bureau is asked, never sent the same request again.
import { Context } from '@temporalio/activity';
import { BureauTimeoutError, BureauUnavailableError } from '../bureau/client';
import type { DeductionResult, PaymentLine } from '../bureau/contract';
import { finishPayment, recordAttempt, setPaymentState } from '../db/payments';
import type { PaymentState } from '../domain/payment';
import { callBureau } from './bureau-errors';
import type { ActivityDeps } from './deps';

export type DeductionOutcome =
  | { outcome: 'succeeded' }
  | { outcome: 'failed'; code: string; reason: string }
  | { outcome: 'unknown' }
  | { outcome: 'not_applied' };

interface AttemptInput {
  paymentId: string;
  n: number;
  key: string;
  taxpayerId: string;
  agreementId: string;
  lines: PaymentLine[];
  amountFen: number;
}

export function paymentActivities({ db, bureau }: ActivityDeps) {
  async function record(input: { paymentId: string; n: number; key: string }, result: DeductionResult): Promise<DeductionOutcome> {
    if (result.result === 'succeeded') {
      await recordAttempt(db, { paymentId: input.paymentId, n: input.n, deductionKey: input.key, outcome: 'succeeded', code: result.code });
      return { outcome: 'succeeded' };
    }
    await recordAttempt(db, { paymentId: input.paymentId, n: input.n, deductionKey: input.key, outcome: 'failed', code: result.code, reason: result.reason });
    return { outcome: 'failed', code: result.code, reason: result.reason };
  }

  /** What the bureau knows of a key; `null` when it cannot be asked right now. */
  async function askBureau(input: { paymentId: string; n: number; key: string }): Promise<DeductionOutcome | null> {
    const status = await bureau.getDeductionStatus(input.key).catch((err: unknown) => {
      if (err instanceof BureauTimeoutError || err instanceof BureauUnavailableError) return null;
      throw err;
    });
    if (!status) return null;
    if (status.state === 'not_found') return { outcome: 'not_applied' };
    return record(input, status.result);
  }

  return {
    /** One real-time deduction (实时扣款). A retried activity may have sent it already: ask first. */
    async attemptDeduction(input: AttemptInput): Promise<DeductionOutcome> {
      if (Context.current().info.attempt > 1) {
        const known = await askBureau(input);
        if (known === null) throw new BureauUnavailableError('cannot ask the bureau about an earlier try of this attempt');
        if (known.outcome !== 'not_applied') return known;
      }
      try {
        const result = await callBureau(() =>
          bureau.deduct({ key: input.key, taxpayerId: input.taxpayerId, agreementId: input.agreementId, lines: input.lines, amountFen: input.amountFen }),
        );
        return await record(input, result);
      } catch (err) {
        // Sent, but no answer: the money may have moved. Record it and find out; never resend.
        if ((err as { type?: string }).type === 'BUREAU_TIMEOUT') {
          await recordAttempt(db, { paymentId: input.paymentId, n: input.n, deductionKey: input.key, outcome: 'unknown', reason: 'no answer from the bureau (交易结果未知): asking for the result' });
          return { outcome: 'unknown' };
        }
        throw err;
      }
    },

    /** Asks the bureau how an attempt with an unknown outcome ended. */
    async resolveDeduction(input: { paymentId: string; n: number; key: string }): Promise<DeductionOutcome> {
      const known = await askBureau(input);
      if (known?.outcome === 'not_applied') {
        await recordAttempt(db, { paymentId: input.paymentId, n: input.n, deductionKey: input.key, outcome: 'failed', code: 'NOT_APPLIED', reason: 'the bureau never applied this attempt (交易未发生)' });
      }
      return known ?? { outcome: 'unknown' };
    },

    async updatePaymentState(input: { paymentId: string; state: 'deducting' | 'awaiting_retry'; reason: string | null; nextRetryAt: string | null }): Promise<void> {
      await setPaymentState(db, input.paymentId, input.state, { reason: input.reason, nextRetryAt: input.nextRetryAt ? new Date(input.nextRetryAt) : null });
    },

    async finishPayment(input: { paymentId: string; state: PaymentState; reason: string | null }): Promise<void> {
      await finishPayment(db, input.paymentId, input.state, input.reason);
    },
  };
}
