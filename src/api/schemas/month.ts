// The month at a glance (本月进度) and its bulk actions (批量操作) as the API gives them.
import { BULK_ACTION_KINDS, BULK_ENTRY_STATUSES, MAX_BULK_PRINT_EMPLOYERS } from '../../domain/bulk-action';
import { MONTH_SORTS, MONTH_STATES, MONTH_STATE_WORDS } from '../../domain/month';
import { PAYMENT_STATES } from '../../domain/payment';
import { Enum, Id, Money, NextCursor, Nullable, Period, Timestamp, Type } from './common';
import { TaxpayerId } from './employers';

export const MONTH_LIMIT = 100;
export const MAX_MONTH_PERIODS = 6;

const MonthState = Enum(MONTH_STATES, Object.entries(MONTH_STATE_WORDS).map(([s, w]) => `${s}: ${w}`).join('; '));
const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const MonthQuery = Type.Object(
  {
    period: Period,
    periods: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MONTH_PERIODS, default: 2, description: 'how many periods, the chosen one and those before it' })),
    state: Type.Optional(Enum(MONTH_STATES, 'only employers whose chosen period is in this state')),
    needsMe: Type.Optional(Type.Boolean({ description: 'only employers whose chosen period waits for the operator (只看待办): to declare, to look at, to pay, to print' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'part of the name, taxpayer ID or unit number' })),
    sort: Type.Optional(Enum(MONTH_SORTS, 'name (default), state (in the month’s order), amount or unpaid (largest first); by the chosen period')),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: MONTH_LIMIT })),
  },
  { additionalProperties: false },
);

const MonthCell = Type.Object({
  period: Period,
  state: MonthState,
  ...Money('amount'),
  ...Money('paid'),
  ...Money('unpaid'),
  declarations: Count('declarations of the period that stand, wait for a result or were rejected'),
  payments: Count('payments of the period under way or failed'),
  certificates: Count('certificates printed for the period'),
});

const MonthTotals = Type.Object({
  period: Period,
  employers: Count('employers counted'),
  byState: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'employers by state' }),
  ...Money('declared'),
  ...Money('paid'),
  ...Money('unpaid'),
});

export const MonthAnswer = Type.Object({
  periods: Type.Array(Period, { description: 'newest first; the first is the chosen one' }),
  states: Type.Array(Type.Object({ state: MonthState, words: Type.String(), needsMe: Type.Boolean() }), { description: 'every state in the month’s order, with its words' }),
  totals: Type.Array(MonthTotals, { description: 'each period over every employer (the filters leave none out)' }),
  matching: Count('employers the filters keep'),
  rows: Type.Array(
    Type.Object({
      employer: Type.Object({ id: Id('employer'), name: Type.String(), taxpayerId: TaxpayerId, unitNumber: Type.String() }),
      cells: Type.Array(MonthCell),
    }),
  ),
  nextCursor: NextCursor,
});

export const BulkActionId = Object.assign(Id('bulk action'), { description: 'bulk action id: M, the China date (YYYYMMDD), -, 10 hex digits' });

export const BulkActionBody = Type.Object(
  {
    kind: Enum(BULK_ACTION_KINDS, 'pay: every accepted, unpaid line of the period by each employer’s three-party agreement; print_payment_certificates (缴费证明, F-6); print_tax_certificates (完税证明, F-7.1)'),
    period: Period,
    employers: Type.Array(
      Type.Object(
        {
          employerId: Id('employer'),
          password: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'pay: the employer’s declaration password (申报密码), checked by the bureau and never stored' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_BULK_PRINT_EMPLOYERS },
    ),
    amountConfirmed: Type.Optional(Type.Boolean({ description: 'pay, F-4.2: the insurance types and amounts were checked' })),
  },
  { additionalProperties: false },
);

const BulkProgress = Type.Object({
  total: Count('employers in the action'),
  pending: Count('not handled yet'),
  done: Count('payment started, or certificate printed'),
  skipped: Count('nothing to do: see each one’s reason'),
  failed: Count('could not be done: see each one’s reason'),
});

export const BulkActionView = Type.Object({
  id: BulkActionId,
  kind: Enum(BULK_ACTION_KINDS),
  period: Period,
  status: Enum(['running', 'completed'] as const),
  workflowId: Type.String({ description: 'its Temporal workflow: bulk-action-<id>' }),
  progress: BulkProgress,
  createdBy: Type.String({ description: 'who asked for it' }),
  createdAt: Timestamp,
  finishedAt: Nullable(Timestamp),
});

export const StartedBulkAction = Type.Composite([
  BulkActionView,
  Type.Object({ workflowStarted: Type.Boolean({ description: 'false when Temporal did not answer: the action is recorded and the reconciler starts it' }) }),
]);

export const BulkActionReport = Type.Composite([
  BulkActionView,
  Type.Object({
    employers: Type.Array(
      Type.Object({
        n: Type.Integer({ minimum: 0 }),
        employerId: Id('employer'),
        name: Type.String(),
        status: Enum(BULK_ENTRY_STATUSES),
        payment: Nullable(Type.Object({ id: Id('payment'), status: Enum(PAYMENT_STATES), ...Money('total') })),
        certificate: Nullable(Type.Object({ id: Id('certificate'), pdf: Type.String({ description: 'the printed file' }) })),
        reason: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
      }),
    ),
  }),
]);

export const BulkActionList = Type.Object({ bulkActions: Type.Array(BulkActionView) });
