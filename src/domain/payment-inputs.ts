// What the payment workflows are started with. Money in fen; no password ever (the API checks it
// with the bureau before starting); an account number only inside encrypted payloads.
import type { PaymentLine, VoucherAccount } from '../bureau/contract';
import type { PaymentTiming } from '../config';

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
