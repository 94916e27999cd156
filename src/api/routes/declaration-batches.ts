// Batch declarations (批量申报): one period's regular items declared for many employers at once
// (F-2 for each of them), with the progress and each employer's outcome read from the database.
import { callerOf } from '../caller';
import type { FastifyInstance } from 'fastify';
import {
  batchCounts,
  getBatch,
  insertBatch,
  knownEmployerIds,
  listBatchEntries,
  listBatches,
  type BatchEntryRecord,
  type BatchRow,
} from '../../db/batches';
import { listEmployers } from '../../db/employers';
import {
  BATCH_ENTRY_STATUSES,
  DEFAULT_BATCH_CONCURRENCY,
  DEFAULT_CONTINUE_AS_NEW_EVERY,
  MAX_BATCH_CONCURRENCY,
  countBatch,
  type BatchCounts,
  type BatchEntryStatus,
} from '../../domain/batch';
import type { BatchDeclarationInput } from '../../workflows/batch-declaration';
import { earlierStart, newWorkId, recordStartOf, startRecorded } from '../../use-cases/start-work';
import { Problem, notFound } from '../problem';
import { money } from '../views';
import { errors, idParams, periodSchema } from './common';
import { HEADCOUNT_WARNING } from './declarations';

/** Employers in one batch at most; more go into several batches. */
const MAX_BATCH_EMPLOYERS = 10_000;

interface BatchBody {
  period: string;
  employerIds?: string[];
  headcountConfirmed: boolean;
  concurrency?: number;
}

function batchView(b: BatchRow, progress: BatchCounts) {
  return {
    id: b.id,
    workflowId: b.workflowId,
    period: b.period,
    status: b.status,
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
            status: e.declarationStatus,
            serial: e.declarationSerial,
            reason: e.declarationReason, // the bureau's reason, when rejected
            ...money('total', e.declarationTotalFen ?? 0),
          }
        : null,
    // Why the employer was skipped or failed (F-2.8 reasons for items that cannot be declared).
    reason: e.reasonCode ? { code: e.reasonCode, message: e.reason, excluded: e.excluded ?? [] } : null,
    updatedAt: e.updatedAt.toISOString(),
  };
}

export default async function declarationBatchRoutes(app: FastifyInstance) {
  app.post<{ Body: BatchBody }>(
    '/declaration-batches',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Declare a period’s regular items for many employers at once (批量申报); progress follows asynchronously',
        description:
          'Every listed employer (or every employer, without `employerIds`) gets one declaration of all its regular items of the period that can be declared. Employers need no sign-in for a batch; an employer whose initial password was never changed is skipped.',
        tags: ['declarations'],
        body: {
          type: 'object',
          properties: {
            period: periodSchema,
            employerIds: {
              type: 'array',
              items: idParams.properties.id,
              minItems: 1,
              maxItems: MAX_BATCH_EMPLOYERS,
              uniqueItems: true,
              description: 'the employers to declare for; all employers when absent',
            },
            headcountConfirmed: { type: 'boolean', description: HEADCOUNT_WARNING },
            concurrency: {
              type: 'integer',
              minimum: 1,
              maximum: MAX_BATCH_CONCURRENCY,
              default: DEFAULT_BATCH_CONCURRENCY,
              description: 'how many employers are declared at the same time',
            },
          },
          required: ['period', 'headcountConfirmed'],
          additionalProperties: false,
        },
        response: errors(400, 401, 403, 422, 503),
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.headcountConfirmed !== true) {
        throw new Problem(422, 'HEADCOUNT_NOT_CONFIRMED', 'Confirm the headcount before declaring', HEADCOUNT_WARNING);
      }
      const earlier = await earlierStart(app, callerOf(request), 'batch');
      if (earlier) {
        const batch = (await getBatch(app.db, earlier.subjectId))!;
        const counts = await batchCounts(app.db, [batch.id]);
        return reply.status(202).send({ ...batchView(batch, counts.get(batch.id)!), workflowStarted: earlier.started });
      }
      let employerIds: string[];
      if (body.employerIds) {
        const known = await knownEmployerIds(app.db, body.employerIds);
        const unknown = body.employerIds.filter((id) => !known.has(id));
        if (unknown.length > 0) {
          throw new Problem(422, 'UNKNOWN_EMPLOYERS', 'Some employers are not known here', `add them first (POST /api/employers): ${unknown.slice(0, 20).join(', ')}`, { employerIds: unknown });
        }
        employerIds = body.employerIds;
      } else {
        employerIds = (await listEmployers(app.db)).map((e) => e.id);
        if (employerIds.length === 0) throw new Problem(422, 'NO_EMPLOYERS', 'There are no employers to declare for', 'add employers first (POST /api/employers)');
        if (employerIds.length > MAX_BATCH_EMPLOYERS) {
          throw new Problem(422, 'BATCH_TOO_LARGE', 'Too many employers for one batch', `at most ${MAX_BATCH_EMPLOYERS}: list them in several batches with employerIds`);
        }
      }

      const id = newWorkId(callerOf(request), 'B');
      const workflowId = `declaration-batch-${id}`;
      const concurrency = body.concurrency ?? DEFAULT_BATCH_CONCURRENCY;
      const input: BatchDeclarationInput = {
        batchId: id,
        period: body.period,
        total: employerIds.length,
        concurrency,
        continueAsNewEvery: DEFAULT_CONTINUE_AS_NEW_EVERY,
        timing: app.config.declaration,
      };
      const batch = await insertBatch(
        app.db,
        { id, period: body.period, employerIds, allEmployers: !body.employerIds, concurrency, workflowId, actor: request.actor!.name },
        recordStartOf(app, callerOf(request), { workflowId, workflowType: 'batchDeclarationWorkflow', subjectType: 'batch', subjectId: id, attributes: { period: body.period, status: 'running' }, args: [input] }),
      );
      const started = await startRecorded(app, callerOf(request), workflowId);
      const progress = countBatch([{ status: 'pending', weight: employerIds.length }]);
      return reply.status(202).send({ ...batchView(batch, progress), workflowStarted: started });
    },
  );

  app.get<{ Params: { id: string }; Querystring: { status?: BatchEntryStatus } }>(
    '/declaration-batches/:id',
    {
      config: { access: 'read' },
      schema: {
        summary: 'A batch declaration: its progress and, per employer, the declaration or why it was skipped or failed',
        tags: ['declarations'],
        params: idParams,
        querystring: {
          type: 'object',
          properties: { status: { type: 'string', enum: BATCH_ENTRY_STATUSES, description: 'only the employers in this status' } },
          additionalProperties: false,
        },
        response: errors(400, 401, 403, 404),
      },
    },
    async (request) => {
      const batch = await getBatch(app.db, request.params.id);
      if (!batch) throw notFound('declaration batch', request.params.id);
      const [counts, entries] = await Promise.all([batchCounts(app.db, [batch.id]), listBatchEntries(app.db, batch.id, request.query.status)]);
      return { ...batchView(batch, counts.get(batch.id)!), employers: entries.map(entryView) };
    },
  );

  app.get<{ Querystring: { limit: number } }>(
    '/declaration-batches',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Batch declarations, newest first, with their progress',
        tags: ['declarations'],
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
          additionalProperties: false,
        },
        response: errors(400, 401, 403),
      },
    },
    async (request) => {
      const batches = await listBatches(app.db, request.query.limit);
      const counts = await batchCounts(app.db, batches.map((b) => b.id));
      return { batches: batches.map((b) => batchView(b, counts.get(b.id)!)) };
    },
  );
}
