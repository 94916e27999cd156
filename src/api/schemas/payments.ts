// What the payment routes (F-4) take and answer: payables, the pay request, a payment with its
// attempts and voucher.
import { INSURANCE_TYPES } from '../../domain/fee-items';
import { AMOUNT_CHECK } from '../../domain/notices';
import { ATTEMPT_OUTCOMES, PAYMENT_METHODS, PAYMENT_STATES, VOUCHER_STATES } from '../../domain/payment';
import { DateOnly, Enum, Id, Money, NextCursor, Nullable, PageCursor, Period, Timestamp, Type, type Static } from './common';

export const PaymentState = Enum(PAYMENT_STATES, 'deducting and awaiting_retry (三方协议) or voucher_issued (银行端凭证) while running; paid, failed, cancelled, voucher_voided or voucher_expired at the end');
export const PaymentMethod = Enum(PAYMENT_METHODS, 'three_party: real-time deduction by a three-party agreement (三方协议); bank_voucher: a voucher paid at a bank counter (银行端查询缴费凭证)');
export const VoucherState = Enum(VOUCHER_STATES, 'issued: waiting at the bank; paid at the counter; voided (作废); expired after its 限缴日期');

/** A declared line's id, as GET /api/employers/{id}/payables lists it. */
const LineId = Type.String({ minLength: 1, maxLength: 200, description: 'declaration line id (lineId of a payable)' });
const AgreementId = Type.String({ minLength: 1, maxLength: 100, description: 'three-party agreement id (三方协议号), one of the employer’s agreements' });

export const Payable = Type.Object({
  lineId: Id('declaration line'),
  declarationId: Id('declaration'),
  itemId: Id('fee item'),
  insuranceType: Enum(INSURANCE_TYPES),
  insuranceName: Type.String({ description: '险种, e.g. 企业职工基本养老保险' }),
  agency: Type.String({ description: 'the collecting agency (经办机构)' }),
  period: Period,
  headcount: Type.Integer({ description: 'insured people on the line' }),
  ...Money('amount'),
  ...Money('paid'),
  ...Money('due'),
  validUntil: { ...DateOnly, description: 'last day the collection order (征收单) is valid, YYYY-MM-DD (China): the payment deadline' },
});

export const PayablesAnswer = Type.Object({
  payables: Type.Array(Payable, { description: 'declared, unpaid lines free of another running payment' }),
  ...Money('total'),
});

export const PayBody = Type.Object(
  {
    lineIds: Type.Array(LineId, { minItems: 1, maxItems: 200, uniqueItems: true }),
    amountConfirmed: Type.Boolean({ description: AMOUNT_CHECK }),
    password: Type.String({ minLength: 1, maxLength: 64, description: '申报密码' }),
    method: PaymentMethod,
    agreementId: Type.Optional({ ...AgreementId, description: 'three_party: the agreement (三方协议) to deduct by' }),
    // oneOf as before: a choice of a reported account or one typed in, never both.
    account: Type.Optional(
      Type.Unsafe<{ accountId: string } | { bankName: string; accountName: string; accountNumber: string }>({
        oneOf: [
          Type.Object({ accountId: Type.String({ minLength: 1, maxLength: 100, description: 'reported deposit account id' }) }, { additionalProperties: false }),
          Type.Object(
            {
              bankName: Type.String({ minLength: 2, maxLength: 100 }),
              accountName: Type.String({ minLength: 2, maxLength: 100 }),
              accountNumber: Type.String({ pattern: '^[0-9]{10,30}$' }),
            },
            { additionalProperties: false },
          ),
        ],
        description: 'a reported deposit account (存款账户账号报告) by id, or one typed in',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PayBody = Static<typeof PayBody>;

/** How many payments GET /api/payments answers when the query does not say. */
export const PAYMENTS_LIMIT = 100;

export const PaymentsQuery = Type.Object(
  {
    employerId: Type.Optional(Type.String({ maxLength: 100, description: 'employer id' })),
    status: Type.Optional(PaymentState),
    period: Type.Optional({ ...Period, description: 'only payments with a line of this fee period (费款所属期), YYYY-MM' }),
    cursor: Type.Optional(PageCursor),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: PAYMENTS_LIMIT })),
  },
  { additionalProperties: false },
);

/** An activity failing again and again (still retried): what it is, how often it failed, why. */
export const ActivityFailure = Type.Object({
  activity: Type.String({ description: 'the activity type' }),
  attempts: Type.Integer({ description: 'failed attempts in a row' }),
  message: Type.String({ description: 'its last error' }),
  at: Timestamp,
});

export const PaymentView = Type.Object({
  id: Id('payment'),
  employerId: Id('employer'),
  method: PaymentMethod,
  status: PaymentState,
  ...Money('total'),
  periods: Type.Array(Period, { description: 'the fee periods (费款所属期) of its lines, oldest first' }),
  lines: Type.Array(
    Type.Object({
      lineId: Id('declaration line'),
      itemId: Id('fee item'),
      declarationId: Id('declaration'),
      period: Period,
      insuranceName: Type.String({ description: 'the insurance’s Chinese name, as documents print it' }),
      ...Money('amount'),
    }),
  ),
  agreementId: Nullable({ ...AgreementId, description: 'three_party: the agreement deducted by' }),
  account: Nullable(Type.String({ description: 'bank_voucher: the bank and the masked account, e.g. 中国工商银行 **** 1234' })),
  attempts: Type.Array(
    Type.Object({
      n: Type.Integer({ description: '1, 2, … : the deduction attempt (实时扣款)' }),
      at: Timestamp,
      outcome: Enum(ATTEMPT_OUTCOMES, 'unknown only until the bureau is asked'),
      code: Nullable(Type.String({ description: 'the bureau’s code, e.g. 90000 or INSUFFICIENT_BALANCE' })),
      reason: Nullable(Type.String()),
    }),
    { description: 'three_party: every deduction attempt, oldest first' },
  ),
  nextRetryAt: Nullable({ ...Timestamp, description: 'awaiting_retry: when the deduction is tried again (F-4.7)' }),
  reason: Nullable(Type.String({ description: 'why it failed, was cancelled, voided or expired' })),
  lastError: Nullable(ActivityFailure),
  deadline: { ...Timestamp, description: 'the payment deadline: no retry after it' },
  workflowId: Type.String({ description: 'its Temporal workflow' }),
  createdBy: Type.String({ description: 'the operator who started it' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  voucher: Nullable(
    Type.Object({
      id: Id('voucher'),
      voucherNumber: Type.String({ description: '凭证序号' }),
      status: VoucherState,
      deadline: { ...DateOnly, description: '限缴日期, YYYY-MM-DD (China)' },
      pdf: Nullable(Type.String({ description: 'the latest print, once there is one' })),
      lastPrintError: Nullable(Type.String({ description: 'why the last print failed' })),
    }),
  ),
});

export const PaymentStarted = Type.Composite([
  PaymentView,
  Type.Object({ workflowStarted: Type.Boolean({ description: 'false: Temporal did not answer; the payment is recorded and the reconciler starts it' }) }),
]);

export const PaymentList = Type.Object({ payments: Type.Array(PaymentView, { description: 'newest first' }), nextCursor: NextCursor });
