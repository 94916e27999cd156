// 银行端查询缴费凭证 (F-4.6, F-4.8): issue the voucher, print it, then wait for the bank counter
// until the voucher's deadline (限缴日期). An operator may void it or print it again meanwhile.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { reprintVoucherUpdate, voidVoucherUpdate, voucherStateQuery, type VoucherActionArgs, type VoucherPrintResult, type VoucherView , type VoucherPaymentInput } from '../contracts/payment';
import { LOOKUP, VOUCHER_PRINT, atBureau, database } from './activity-options';
import { setBusinessStatus } from './business-status';

/** What a continued run starts from: the voucher is issued already. */
export interface VoucherResume {
  view: VoucherView;
}

/** Polls per run before continuing as new (each poll adds a timer and an activity to the history). */
const POLLS_PER_RUN = 500;

/** The deadline day (YYYY-MM-DD, China time, UTC+8) is over at `now`. */
export function deadlinePassed(deadline: string, now: number): boolean {
  return now >= Date.parse(`${deadline}T00:00:00+08:00`) + 24 * 3600_000;
}

function messageOf(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

export async function voucherPaymentWorkflow(input: VoucherPaymentInput, resume?: VoucherResume): Promise<VoucherView> {
  const view: VoucherView = resume?.view ?? { paymentId: input.paymentId, voucherId: `V${input.paymentId}`, status: 'issuing', printCount: 0 };
  let voidBy: string | undefined;
  let printing = false;
  const onlyWhileIssued = (_args: VoucherActionArgs) => {
    if (view.status !== 'issued' || voidBy !== undefined) {
      throw new Error(`voucher ${view.voucherNumber ?? view.voucherId} is ${voidBy ? 'being voided' : view.status}: only an issued, unpaid voucher can be voided or printed again`);
    }
  };

  /** One print at a time: the first print and every reprint each get their own number. */
  const print = async (actor: string): Promise<VoucherPrintResult> => {
    while (printing) await condition(() => !printing);
    printing = true;
    try {
      if (view.status !== 'issued') {
        throw ApplicationFailure.nonRetryable(`voucher ${view.voucherNumber} is ${view.status}: it can no longer be printed`, 'VOUCHER_NOT_ISSUED');
      }
      await atBureau(VOUCHER_PRINT).printVoucher({ voucherId: view.voucherId, n: view.printCount + 1, actor });
      view.printCount += 1;
      delete view.lastPrintError;
      return { ...view, printed: true };
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      view.lastPrintError = messageOf(err);
      await database.recordVoucherPrintError({ voucherId: view.voucherId, error: view.lastPrintError, actor });
      return { ...view, printed: false };
    } finally {
      printing = false;
    }
  };

  setHandler(voucherStateQuery, () => ({ ...view }));
  setHandler(
    voidVoucherUpdate,
    async ({ actor }) => {
      voidBy = actor;
      await condition(() => view.status !== 'issued');
      return { ...view };
    },
    { validator: onlyWhileIssued },
  );
  setHandler(
    reprintVoucherUpdate,
    async ({ actor }) => print(actor),
    { validator: onlyWhileIssued },
  );

  const end = async (status: 'paid' | 'voided' | 'expired', extra: { paidAt?: string | undefined; reason?: string; actor?: string }) => {
    await database.finishVoucher({
      voucherId: view.voucherId,
      paymentId: input.paymentId,
      status,
      paidAt: extra.paidAt ?? null,
      reason: extra.reason ?? null,
      actor: extra.actor ?? 'system',
    });
    Object.assign(view, { status, ...(extra.paidAt ? { paidAt: extra.paidAt } : {}), ...(extra.reason ? { reason: extra.reason } : {}) });
    setBusinessStatus(status === 'paid' ? 'paid' : `voucher_${status}`); // as GET /api/payments/:id shows it
    await condition(allHandlersFinished);
    return { ...view };
  };

  if (view.status === 'issuing') {
    try {
      const issued = await atBureau().issueVoucher({
        paymentId: input.paymentId,
        employerId: input.employerId,
        taxpayerId: input.taxpayerId,
        lines: input.lines,
        amountFen: input.amountFen,
        account: input.account,
      });
      Object.assign(view, { status: 'issued', voucherId: issued.voucherId, voucherNumber: issued.voucherNumber, deadline: issued.deadline });
    } catch (err) {
      // The bureau refused to issue (e.g. a line is on another voucher or paid): nothing to wait for.
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (!(cause instanceof ApplicationFailure && cause.nonRetryable)) throw err;
      const reason = `${cause.type ?? 'REFUSED'}: ${cause.message}`;
      await database.finishPayment({ paymentId: input.paymentId, state: 'failed', reason });
      Object.assign(view, { status: 'failed', reason });
      setBusinessStatus('failed');
      return { ...view };
    }
    await print('system');
  }
  const voucherNumber = view.voucherNumber!;
  const deadline = view.deadline!;

  for (let polls = 0; ; polls++) {
    if (voidBy !== undefined) {
      const outcome = await atBureau().voidVoucherAtBureau({ voucherNumber });
      if (outcome.state === 'paid') return end('paid', { paidAt: outcome.paidAt, reason: 'paid at a bank counter before the void reached the bureau' });
      return end('voided', { reason: `voided by ${voidBy}`, actor: voidBy });
    }
    const check = await atBureau(LOOKUP).checkVoucher({ voucherNumber }).catch((err: unknown) => {
      if (err instanceof ActivityFailure) return { state: 'issued' as const, paidAt: undefined }; // not known now: ask again later
      throw err;
    });
    if (check.state === 'paid') return end('paid', { paidAt: check.paidAt });
    if (check.state === 'voided') return end('voided', { reason: 'voided at the bureau' });
    const expiredReason = `not paid by the deadline ${deadline} (限缴日期)`;
    if (check.state === 'expired') return end('expired', { reason: expiredReason });
    if (deadlinePassed(deadline, Date.now())) {
      // Our calendar says it is over while the bureau's does not yet: void it there, so no counter
      // can take money for lines that are free to be paid again.
      const outcome = await atBureau().voidVoucherAtBureau({ voucherNumber });
      if (outcome.state === 'paid') return end('paid', { paidAt: outcome.paidAt });
      return end('expired', { reason: expiredReason });
    }
    if (polls >= POLLS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      // A void asked for meanwhile is done in this run; otherwise hand over once no update runs.
      await condition(() => voidBy !== undefined || (allHandlersFinished() && !printing));
      if (voidBy === undefined) return continueAsNew<typeof voucherPaymentWorkflow>(input, { view: { ...view } });
      continue;
    }
    await condition(() => voidBy !== undefined, `${input.counterPollSeconds} seconds`);
  }
}
