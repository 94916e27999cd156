// Batch declarations 批量申报 as the API gives them: the batch with its progress, and what became
// of each of its employers.
import { BATCH_ENTRY_STATUSES, BATCH_STATUSES } from '../../domain/batch';
import { DECLARATION_STATUSES } from '../../domain/declaration';
import { Enum, Id, Money, NextCursor, Nullable, Period, Timestamp, Type } from './common';
import { TaxpayerId } from './employers';
import { ExcludedItem } from './fee-items';

export const BatchId = Object.assign(Id('declaration batch'), {
  description: 'declaration batch id: B, the China date it was started (YYYYMMDD), -, 10 hex digits; e.g. B20261015-3f9a0c21de',
});

const BatchEntryStatus = Enum(BATCH_ENTRY_STATUSES, 'pending, declaring (submitted, waiting for the result), done, skipped or failed');

const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const BatchProgress = Type.Object(
  {
    total: Count('employers in the batch'),
    pending: Count('not finished: not looked at yet, or declaring'),
    declaring: Count('submitted, waiting for the bureau’s result'),
    done: Count('their declaration’s workflow ended'),
    skipped: Count('nothing to declare, or may not declare yet'),
    failed: Count('could not be declared: see each one’s reason'),
    accepted: Count('of done: accepted by the bureau'),
    rejected: Count('of done: rejected by the bureau'),
    resultUnknown: Count('of done: no result from the bureau by the deadline'),
  },
  { description: 'employers counted by where they stand' },
);

export const BatchView = Type.Object({
  id: BatchId,
  workflowId: Type.String({ description: 'the batch’s Temporal workflow: declaration-batch-<batch id>' }),
  period: Period,
  status: Enum(BATCH_STATUSES),
  total: Type.Integer({ minimum: 1, description: 'employers in the batch' }),
  allEmployers: Type.Boolean({ description: 'every employer (no employerIds were given)' }),
  concurrency: Type.Integer({ minimum: 1, description: 'employers declared at the same time' }),
  progress: BatchProgress,
  createdBy: Type.String({ description: 'who started it' }),
  createdAt: Timestamp,
  finishedAt: Nullable(Timestamp),
});

export const StartedBatch = Type.Composite([
  BatchView,
  Type.Object({
    workflowStarted: Type.Boolean({ description: 'false when Temporal did not answer: the batch is recorded and the reconciler starts it' }),
  }),
]);

export const BatchEntryView = Type.Object({
  n: Type.Integer({ minimum: 0, description: 'the employer’s place in the batch, from 0' }),
  employerId: Id('employer'),
  taxpayerId: TaxpayerId,
  name: Type.String({ description: 'the employer’s name' }),
  status: BatchEntryStatus,
  declaration: Nullable(
    Type.Object(
      {
        id: Object.assign(Id('declaration'), { description: 'declaration id: <batch id>-<n, 5 digits>' }),
        status: Enum(DECLARATION_STATUSES),
        serial: Nullable(Type.String({ description: 'the bureau’s declaration serial 申报序号, once accepted' })),
        reason: Nullable(Type.String({ description: 'the bureau’s reason, when rejected' })),
        ...Money('total'),
      },
      { description: 'the declaration the batch made for this employer, as it is now' },
    ),
  ),
  reason: Nullable(
    Type.Object(
      {
        code: Type.String({ description: 'e.g. PASSWORD_CHANGE_REQUIRED, NO_ITEMS_FOR_PERIOD, NO_DECLARABLE_ITEMS, BUREAU_UNAVAILABLE, or a bureau code' }),
        message: Type.String(),
        excluded: Type.Array(ExcludedItem, { description: 'for NO_DECLARABLE_ITEMS: each item with its F-2.8 reason' }),
      },
      { description: 'why the employer was skipped or failed' },
    ),
  ),
  updatedAt: Timestamp,
});

export const BatchDetail = Type.Composite([BatchView, Type.Object({ employers: Type.Array(BatchEntryView) })]);

export const BatchList = Type.Object({ batches: Type.Array(BatchView, { description: 'newest first' }), nextCursor: NextCursor });
