// Declarations (申报, F-2, F-3) and their records (申报记录, F-5): what the routes take and answer.
import { DECLARATION_PAYMENT_STATUSES, DECLARATION_STATUSES, RECORD_ACTIONS } from '../../domain/declaration';
import { DECLARATION_KINDS, INSURANCE_TYPES } from '../../domain/fee-items';
import { HEADCOUNT_WARNING } from '../../domain/notices';
import { DateOnly, Enum, Id, Money, NextCursor, Nullable, PageCursor, Period, Timestamp, Type } from './common';

const Kind = Enum(DECLARATION_KINDS, 'regular 日常申报 or special 特殊缴费申报');
const Status = Enum(
  DECLARATION_STATUSES,
  'submitted 已提交 (waiting for the bureau), accepted 申报成功, rejected 申报失败, result_unknown (no result by the deadline: an operator must look), voiding 作废中, voided 已作废, void_rejected 作废失败 (the declaration stands)',
);

export const DeclareBody = Type.Object(
  {
    kind: Kind,
    itemIds: Type.Array(Type.String({ minLength: 1, maxLength: 100, description: 'fee item id, as GET /api/employers/{id}/fee-items lists it' }), {
      minItems: 1,
      maxItems: 500,
      uniqueItems: true,
    }),
    headcountConfirmed: Type.Boolean({ description: HEADCOUNT_WARNING }),
  },
  { additionalProperties: false },
);

/** How many records a list gives when the query does not say. */
export const LIST_LIMIT = 100;

export const DeclarationQuery = Type.Object(
  {
    employerId: Type.Optional(Type.String({ maxLength: 100, description: 'employer id' })),
    status: Type.Optional(Status),
    declaredFrom: Type.Optional(DateOnly),
    declaredTo: Type.Optional(DateOnly),
    period: Type.Optional({ ...Period, description: 'only declarations with a line of this fee period (费款所属期), YYYY-MM' }),
    cursor: Type.Optional(PageCursor),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: LIST_LIMIT })),
  },
  { additionalProperties: false },
);

/** One line of a declaration: an assessed item as it was declared, and how much of it is paid. */
const DeclarationLine = Type.Object({
  lineId: Id('declaration line'),
  itemId: Id('fee item'),
  insuranceType: Enum(INSURANCE_TYPES, '险种'),
  insuranceName: Type.String({ description: 'the insurance’s Chinese name, as documents print it' }),
  agency: Type.String({ description: '社保经办机构' }),
  period: Period,
  headcount: Type.Integer({ description: '缴费人数' }),
  ...Money('amount'),
  ...Money('paid'),
});

const summaryProperties = {
  id: Id('declaration'),
  employerId: Id('employer'),
  kind: Kind,
  periods: Type.Array(Period, { description: 'the fee periods (费款所属期) of its lines, oldest first' }),
  status: Status,
  paymentStatus: Enum(DECLARATION_PAYMENT_STATUSES, '缴费状态 of the declared amount'),
  ...Money('total'),
  workflowId: Type.String({ description: 'the declaration workflow’s id in Temporal' }),
  declaredBy: Type.String({ description: 'who declared (the API key’s name)' }),
  declaredAt: Timestamp,
  actions: Type.Array(Enum(RECORD_ACTIONS), { description: 'what an operator can do with the record now (F-5.2)' }),
  result: Nullable(
    Type.Object(
      {
        serial: Nullable(Type.String({ description: '申报序号, when accepted' })),
        reason: Nullable(Type.String({ description: 'the bureau’s reason, when rejected (or a void was)' })),
        decidedAt: Nullable(Timestamp),
      },
      { description: 'the bureau’s decision; null while submitted' },
    ),
  ),
};

/** A declaration record as lists show it (申报记录). */
export const DeclarationSummary = Type.Object(summaryProperties);

export const DeclarationList = Type.Object({
  declarations: Type.Array(DeclarationSummary),
  payNowPrompt: Type.Boolean({ description: 'F-5.1: whether any accepted declaration (of this employer, or any) is unpaid or partly paid' }),
  nextCursor: NextCursor,
});

const detailProperties = {
  ...summaryProperties,
  items: Type.Array(DeclarationLine),
  nextFetchAt: Nullable(Type.String({ format: 'date-time', description: 'when the waiting workflow asks the bureau for the result next; null when nothing waits' })),
  lastError: Nullable(
    Type.Object(
      {
        activity: Type.String(),
        attempts: Type.Integer(),
        message: Type.String(),
        at: Timestamp,
      },
      { description: 'a step failing again and again (still retried) or failed for good: what, how often, why' },
    ),
  ),
  payNowPrompt: Type.Boolean({ description: 'F-2.7: ask "pay now?" (accepted and not fully paid)' }),
};

/** One declaration with its items, result and pay-now prompt. */
export const DeclarationDetail = Type.Object(detailProperties);

const workflowStarted = Type.Boolean({ description: 'false: recorded but not started yet (Temporal did not answer); it is started shortly by the reconciler' });

export const DeclarationStarted = Type.Object({ ...detailProperties, workflowStarted }, { description: 'declared: the result follows asynchronously' });

export const DeclarationFetched = Type.Object({
  ...detailProperties,
  resultFetched: Type.Boolean({ description: 'false: the fetch is still to come (e.g. no worker is running); the state is as it was' }),
});

export const VoidStarted = Type.Object(
  { ...detailProperties, voidWorkflowId: Type.String({ description: 'the void workflow’s id in Temporal' }), workflowStarted },
  { description: 'voiding: the result follows asynchronously' },
);
