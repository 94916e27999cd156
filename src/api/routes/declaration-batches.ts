// Batch declarations (批量申报): one period's regular items declared for many employers at once
// (F-2 for each of them), with the progress and each employer's outcome read from the database.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { batchCounts, getBatch, listBatchEntries, listBatches, type BatchEntryRecord, type BatchRow } from '../../db/batches';
import { BATCH_ENTRY_STATUSES, DEFAULT_BATCH_CONCURRENCY, MAX_BATCH_CONCURRENCY, type BatchCounts, type BatchEntryStatus, type BatchStatus } from '../../domain/batch';
import type { DeclarationStatus } from '../../domain/declaration';
import type { Excluded } from '../../domain/fee-items';
import { MAX_BATCH_EMPLOYERS } from '../../domain/batch';
import { startDeclarationBatch } from '../../use-cases/start-declaration-batch';
import { callerOf } from '../caller';
import { pageKey } from '../paging';
import { notFound } from '../../domain/problem';
import { BatchDetail, BatchId, BatchList, StartedBatch } from '../schemas/batches';
import { Enum, Id, PageCursor, Period, Type, errors } from '../schemas/common';
import { money } from '../views';
import { HEADCOUNT_WARNING } from '../../domain/notices';

const DEFAULT_LIST_LIMIT = 50;

function batchView(b: BatchRow, progress: BatchCounts) {
  return {
    id: b.id,
    workflowId: b.workflowId,
    period: b.period,
    status: b.status as BatchStatus,
    total: b.total,
    allEmployers: b.allEmployers,
    concurrency: b.concurrency,
    progress,
    createdBy: b.createdBy,
    createdAt: b.createdAt.toISOString(),
    finishedAt: b.finishedAt?.toISOString() ?? null,
  };
}

function entryView(e: BatchEntryRecord) {
  return {
    n: e.n,
    employerId: e.employerId,
    taxpayerId: e.taxpayerId,
    name: e.employerName,
    status: e.status as BatchEntryStatus,
    declaration:
      e.declarationId && e.declarationStatus
        ? {
            id: e.declarationId,
            status: e.declarationStatus as DeclarationStatus,
            serial: e.declarationSerial,
            reason: e.declarationReason, // the bureau's reason, when rejected
            ...money('total', e.declarationTotalFen ?? 0),
          }
        : null,
    // Why the employer was skipped or failed (F-2.8 reasons for items that cannot be declared).
    // The message and the excluded items are written with the code (finishEntry).
    reason: e.reasonCode ? { code: e.reasonCode, message: e.reason!, excluded: (e.excluded ?? []) as Excluded[] } : null,
    updatedAt: e.updatedAt.toISOString(),
  };
}

const declarationBatchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/declaration-batches',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Declare a period’s regular items for many employers at once (批量申报); progress follows asynchronously',
        description:
          'Every listed employer (or every employer, without `employerIds`) gets one declaration of all its regular items of the period that can be declared. Employers need no sign-in for a batch; an employer whose initial password was never changed is skipped.',
        tags: ['declarations'],
        body: Type.Object(
          {
            period: Period,
            employerIds: Type.Optional(
              Type.Array(Id('employer'), {
                minItems: 1,
                maxItems: MAX_BATCH_EMPLOYERS,
                uniqueItems: true,
                description: 'the employers to declare for; all employers when absent',
              }),
            ),
            headcountConfirmed: Type.Boolean({ description: HEADCOUNT_WARNING }),
            concurrency: Type.Optional(
              Type.Integer({ minimum: 1, maximum: MAX_BATCH_CONCURRENCY, default: DEFAULT_BATCH_CONCURRENCY, description: 'how many employers are declared at the same time' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 202: StartedBatch, ...errors(400, 401, 403, 422, 503) },
      },
    },
    async (request, reply) => {
      const { batch, progress, workflowStarted } = await startDeclarationBatch(app, callerOf(request), request.body);
      return reply.status(202).send({ ...batchView(batch, progress), workflowStarted });
    },
  );

  app.get(
    '/declaration-batches/:id',
    {
      config: { access: 'read' },
      schema: {
        summary: 'A batch declaration: its progress and, per employer, the declaration or why it was skipped or failed',
        tags: ['declarations'],
        params: Type.Object({ id: BatchId }, { additionalProperties: false }),
        querystring: Type.Object({ status: Type.Optional(Enum(BATCH_ENTRY_STATUSES, 'only the employers in this status')) }, { additionalProperties: false }),
        response: { 200: BatchDetail, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const batch = await getBatch(app.db, request.params.id);
      if (!batch) throw notFound('declaration batch', request.params.id);
      const [counts, entries] = await Promise.all([batchCounts(app.db, [batch.id]), listBatchEntries(app.db, batch.id, request.query.status)]);
      return { ...batchView(batch, counts.get(batch.id)!), employers: entries.map(entryView) };
    },
  );

  app.get(
    '/declaration-batches',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Batch declarations, newest first, with their progress',
        description: 'Page with `cursor` = the answer’s `nextCursor`.',
        tags: ['declarations'],
        querystring: Type.Object(
          {
            cursor: Type.Optional(PageCursor),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_LIST_LIMIT, description: 'at most this many batches' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: BatchList, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const page = await listBatches(app.db, { after: pageKey(request.query.cursor), limit: request.query.limit ?? DEFAULT_LIST_LIMIT });
      const counts = await batchCounts(app.db, page.rows.map((b) => b.id));
      return { batches: page.rows.map((b) => batchView(b, counts.get(b.id)!)), nextCursor: page.nextCursor };
    },
  );
};

export default declarationBatchRoutes;
