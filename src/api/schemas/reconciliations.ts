// The answers of the reconciliation routes (对账): a day's collections at the bureau against our payments.
import { RECONCILIATION_STATUSES } from '../../domain/reconciliation';
import { Enum, Id, Nullable, Timestamp, Type } from './common';

const Fen = (description: string) => Type.Integer({ description: `${description}, fen (分)` });

export const ReconciliationItem = Type.Object({
  status: Enum(RECONCILIATION_STATUSES, 'matched; missingHere: collected by the bureau, not recorded by us; missingAtBureau: recorded by us as paid, not in the bureau’s ledger; amountMismatch'),
  ref: Type.String({ description: 'the deduction’s idempotency key, or the voucher number of a counter payment' }),
  kind: Enum(['deduction', 'counter_payment'], 'deduction: a three-party deduction (三方协议扣款); counter_payment: a bank-side voucher paid at the bank'),
  taxpayerId: Type.String({ description: '纳税人识别号' }),
  paymentId: Nullable(Id('payment')),
  employerId: Nullable(Id('employer')),
  ourAmountFen: Nullable(Fen('what we recorded')),
  bureauAmountFen: Nullable(Fen('what the bureau collected')),
  ourAt: Nullable(Type.String({ description: 'when we recorded it (ISO 8601)' })),
  bureauAt: Nullable(Type.String({ description: 'when the bureau collected it (ISO 8601)' })),
});

export const ReconciliationView = Type.Object({
  date: Type.String({ description: 'the day reconciled, China time, YYYY-MM-DD' }),
  clean: Type.Boolean({ description: 'every collection matched' }),
  matched: Type.Integer(),
  missingHere: Type.Integer({ description: 'collected by the bureau, not recorded by us' }),
  missingAtBureau: Type.Integer({ description: 'recorded by us as paid, not in the bureau’s ledger' }),
  amountMismatch: Type.Integer(),
  bureauTotalFen: Fen('the bureau’s collections'),
  ourTotalFen: Fen('our collections'),
  items: Type.Array(ReconciliationItem, { description: 'discrepancies first, then by time' }),
  ranAt: Timestamp,
  ranBy: Type.String({ description: 'who ran it: an API key name, or `system` for the nightly schedule' }),
});
