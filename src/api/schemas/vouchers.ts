// What the voucher routes answer: a bank-side voucher (银行端查询缴费凭证) as its print record
// (缴费凭证打印记录, F-4.8).
import { DateOnly, Id, Money, Nullable, Timestamp, Type } from './common';
import { VoucherState } from './payments';

export const VoucherView = Type.Object({
  id: Id('voucher'),
  paymentId: Id('payment'),
  employerId: Id('employer'),
  voucherNumber: Type.String({ description: '凭证序号' }),
  status: VoucherState,
  ...Money('amount'),
  issuedAt: { ...Timestamp, description: '填开日期' },
  deadline: { ...DateOnly, description: '限缴日期, YYYY-MM-DD (China)' },
  paidAt: Nullable({ ...Timestamp, description: 'when the bank counter took it' }),
  bankName: Nullable(Type.String()),
  accountName: Nullable(Type.String()),
  account: Nullable(Type.String({ description: 'masked: only the last four digits' })),
  printCount: Type.Integer({ description: 'successful prints: the first and every 补打' }),
  lastPrintError: Nullable(Type.String({ description: 'why the last print failed; print again with POST /api/vouchers/{id}/reprint' })),
  pdf: Nullable(Type.String({ description: 'the latest print, once there is one' })),
  pdfSha256: Nullable(Type.String({ description: 'SHA-256 of the latest print, hex' })),
  updatedAt: Timestamp,
});

export const VoucherList = Type.Object({ vouchers: Type.Array(VoucherView, { description: 'newest first' }) });

export const VoucherReprinted = Type.Composite([
  VoucherView,
  Type.Object({ printed: Type.Boolean({ description: 'false: this print failed too; see lastPrintError' }) }),
]);
