// Declarations (F-2 daily, F-3 special, F-5.2 records): declare selected items, fetch the result now.
import { callerOf } from '../caller';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  ItemsAlreadyDeclaredError,
  getDeclaration,
  hasUnpaidDeclarations,
  insertDeclaration,
  listDeclarations,
  type DeclarationRecord,
} from '../../db/declarations';
import { VoidRefusedError, startVoid } from '../../db/voids';
import type { VoidInput } from '../../workflows/void-declaration';
import { openEmployer } from '../../use-cases/employer-access';
import { DECLARATION_STATUSES, payNowPrompt, type DeclarationStatus } from '../../domain/declaration';
import { DECLARATION_KINDS, type DeclarationKind } from '../../domain/fee-items';
import type { DeclarationInput } from '../../workflows/declaration';
import { declarationStateQuery, fetchResultNowUpdate } from '../../workflows/messages';
import { singlePeriod } from '../../search-attributes';
import { earlierStart, newWorkId, recordStartOf, startRecorded } from '../../use-cases/start-work';
import { Problem, notFound } from '../problem';
import { pageKey } from '../paging';
import { activityFailureView, declarationLineView, declarationView } from '../views';
import { latestFailures } from '../../db/activity-failures';
import { dateSchema, errors, idParams } from './common';
import { loadFeeItems } from './fee-items';

/** F-2.4, the warning shown before declaring. */
export const HEADCOUNT_WARNING =
  '请核对缴费人数，如有人员减少，请先到社保经办机构办理减员后再申报。Check the headcount: if staff left, register the reduction with the agency before declaring.';

/** How long "fetch now" waits for the workflow's fetch before answering the state as it is. */
const FETCH_NOW_WAIT_MS = 5_000;

export default async function declarationRoutes(app: FastifyInstance) {
  async function declarationOr404(id: string): Promise<DeclarationRecord> {
    const record = await getDeclaration(app.db, id);
    if (!record) throw notFound('declaration', id);
    return record;
  }

  /** Asks the running workflow, giving up after `ms`: a stopped worker must not stall the API. */
  function askWorkflow<T>(workflowId: string, ms: number, ask: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<T>): Promise<T> {
    return app.temporal.connection.withDeadline(Date.now() + ms, () => ask(app.temporal.workflow.getHandle(workflowId)));
  }

  /** The workflow waiting for a bureau result on this declaration, if any. */
  function waitingWorkflow(record: DeclarationRecord): string | null {
    if (record.status === 'submitted' || record.status === 'result_unknown') return record.workflowId;
    if (record.status === 'voiding') return record.voidWorkflowId;
    return null;
  }

  /** F-2.6 / F-5.3 立即获取: has the waiting workflow fetch now; answers whether it did. */
  async function fetchNow(request: FastifyRequest, record: DeclarationRecord): Promise<boolean> {
    const waiting = waitingWorkflow(record);
    if (!waiting) return true;
    return askWorkflow(waiting, FETCH_NOW_WAIT_MS, (h) => h.executeUpdate(fetchResultNowUpdate)).then(
      () => true,
      (err: unknown) => {
        // A workflow that has just finished cannot take the update, but its result is recorded.
        if (err instanceof WorkflowNotFoundError || /already completed/i.test((err as Error).message)) return true;
        request.log.warn({ err, declarationId: record.id }, 'fetch-now did not complete; answering the current state');
        return false;
      },
    );
  }

  /** `justStarted`: the workflow was started by this request, so its first fetch is the automatic wait away (asking it would only wait for its first task). */
  async function present(record: DeclarationRecord, extra: Record<string, unknown> = {}, justStarted = false) {
    let nextFetchAt: string | null = null;
    const waiting = waitingWorkflow(record);
    if (waiting && justStarted) {
      nextFetchAt = new Date(record.declaredAt.getTime() + app.config.declaration.resultWaitSeconds * 1000).toISOString();
    } else if (waiting) {
      // Best effort: the running workflow knows when it will fetch next.
      nextFetchAt = await askWorkflow(waiting, 1000, (h) => h.query(declarationStateQuery))
        .then((s) => s.nextFetchAt ?? null)
        .catch(() => null);
    }
    const failing = await latestFailures(app.db, [record.workflowId, ...(record.voidWorkflowId ? [record.voidWorkflowId] : [])]);
    return {
      ...declarationView(record),
      items: record.lines.map(declarationLineView),
      nextFetchAt,
      lastError: activityFailureView(failing.get(waiting ?? record.workflowId)),
      payNowPrompt: payNowPrompt([{ status: record.status as DeclarationStatus, paymentStatus: record.paymentStatus as 'unpaid' }]),
      ...extra,
    };
  }

  app.post<{ Params: { id: string }; Body: { kind: DeclarationKind; itemIds: string[]; headcountConfirmed: boolean } }>(
    '/employers/:id/declarations',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Declare selected fee items (F-2.4, F-2.5); the result follows asynchronously',
        tags: ['declarations'],
        params: idParams,
        body: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: DECLARATION_KINDS },
            itemIds: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, minItems: 1, maxItems: 500, uniqueItems: true },
            headcountConfirmed: { type: 'boolean', description: HEADCOUNT_WARNING },
          },
          required: ['kind', 'itemIds', 'headcountConfirmed'],
          additionalProperties: false,
        },
        response: errors(400, 401, 403, 404, 409, 422, 503),
      },
    },
    async (request, reply) => {
      const { kind, itemIds, headcountConfirmed } = request.body;
      if (headcountConfirmed !== true) {
        throw new Problem(422, 'HEADCOUNT_NOT_CONFIRMED', 'Confirm the headcount before declaring', HEADCOUNT_WARNING);
      }
      // A repeat whose first try recorded the declaration (and maybe died): the same declaration.
      const earlier = await earlierStart(app, callerOf(request), 'declaration');
      if (earlier) return reply.status(202).send(await present(await declarationOr404(earlier.subjectId), { workflowStarted: earlier.started }, true));

      const employer = await openEmployer(app, request.params.id);
      const { all, items, excluded } = await loadFeeItems(app, employer, { kind });
      const known = new Set(all.map((i) => i.itemId));
      const unknown = itemIds.filter((id) => !known.has(id));
      if (unknown.length > 0) {
        throw new Problem(422, 'UNKNOWN_ITEMS', 'Some items are not assessed for this employer', `not among the ${kind} items of ${employer.taxpayerId}: ${unknown.join(', ')}`, { itemIds: unknown });
      }
      const blocked = excluded.filter((e) => itemIds.includes(e.itemId));
      if (blocked.length > 0) {
        const onlyDeclared = blocked.every((b) => b.reason === 'ALREADY_DECLARED');
        throw new Problem(
          409,
          onlyDeclared ? 'ALREADY_DECLARED' : 'ITEM_NOT_DECLARABLE',
          onlyDeclared ? 'These items are declared already' : 'Some items cannot be declared',
          blocked.map((b) => `${b.itemId}: ${b.explanation}`).join('; '),
          { excluded: blocked },
        );
      }
      const selected = items.filter((i) => itemIds.includes(i.itemId));
      const id = newWorkId(callerOf(request), 'D');
      const workflowId = `declaration-${id}`;
      let record: DeclarationRecord;
      try {
        record = await insertDeclaration(
          app.db,
          { id, employerId: employer.id, kind, workflowId, actor: request.actor!.name, items: selected },
          recordStartOf(app, callerOf(request), {
            workflowId,
            workflowType: 'declarationWorkflow',
            subjectType: 'declaration',
            subjectId: id,
            attributes: { employerId: employer.id, period: singlePeriod(selected.map((i) => i.period)), status: 'submitted' },
            args: [{ declarationId: id, taxpayerId: employer.taxpayerId, kind, itemIds: selected.map((i) => i.itemId), timing: app.config.declaration } satisfies DeclarationInput],
          }),
        );
      } catch (err) {
        if (err instanceof ItemsAlreadyDeclaredError) {
          throw new Problem(409, 'ALREADY_DECLARED', 'These items are declared already', `held by another declaration: ${err.itemIds.join(', ')}`, { itemIds: err.itemIds });
        }
        throw err;
      }
      const started = await startRecorded(app, callerOf(request), workflowId);
      return reply.status(202).send(await present(record, { workflowStarted: started }, true));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/declarations/:id',
    {
      config: { access: 'read' },
      schema: { summary: 'One declaration with its items, result and pay-now prompt (F-2.7)', tags: ['declarations'], params: idParams, response: errors(401, 403, 404) },
    },
    async (request) => present(await declarationOr404(request.params.id)),
  );

  app.post<{ Params: { id: string } }>(
    '/declarations/:id/fetch-result',
    {
      config: { access: 'write' },
      schema: { summary: 'Fetch the declaration result now (立即获取, F-2.6) and answer the state', tags: ['declarations'], params: idParams, response: errors(401, 403, 404, 503) },
    },
    async (request) => {
      const record = await declarationOr404(request.params.id);
      // `resultFetched: false` says the fetch is still to come (e.g. no worker is running).
      const fetched = await fetchNow(request, record);
      return present(await declarationOr404(request.params.id), { resultFetched: fetched });
    },
  );

  app.get<{ Querystring: { employerId?: string; status?: DeclarationStatus; declaredFrom?: string; declaredTo?: string; cursor?: string; limit: number } }>(
    '/declarations',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Declaration records (申报记录, F-5.1, F-5.2), newest first, with the pay-now prompt',
        tags: ['declarations'],
        querystring: {
          type: 'object',
          properties: {
            employerId: { type: 'string', maxLength: 100 },
            status: { type: 'string', enum: DECLARATION_STATUSES },
            declaredFrom: dateSchema,
            declaredTo: dateSchema,
            cursor: { type: 'string', minLength: 1, maxLength: 400, description: 'the previous page’s `nextCursor`; absent for the first page' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
          additionalProperties: false,
        },
        response: errors(400, 401, 403),
      },
    },
    async (request) => {
      const q = request.query;
      if (q.declaredFrom && q.declaredTo && q.declaredFrom > q.declaredTo) {
        throw new Problem(400, 'DATE_RANGE_INVALID', 'declaredFrom is after declaredTo', 'give a range whose start is not after its end');
      }
      const [page, unpaid] = await Promise.all([listDeclarations(app.db, { ...q, after: pageKey(q.cursor) }), hasUnpaidDeclarations(app.db, q.employerId)]);
      return { declarations: page.rows.map(declarationView), payNowPrompt: unpaid, nextCursor: page.nextCursor };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/declarations/:id/void',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Void an unpaid declaration (申报作废, F-5.3); the result follows asynchronously',
        tags: ['declarations'],
        params: idParams,
        response: errors(401, 403, 404, 409, 503),
      },
    },
    async (request, reply) => {
      const earlier = await earlierStart(app, callerOf(request), 'void');
      if (earlier) return reply.status(202).send(await present(await declarationOr404(earlier.subjectId), { voidWorkflowId: earlier.workflowId, workflowStarted: earlier.started }));
      const record = await declarationOr404(request.params.id);
      let workflowId: string;
      try {
        workflowId = await startVoid(
          app.db,
          record.id,
          request.actor!.name,
          (n) => `void-${record.id}-${n}`,
          (tx, voidWorkflowId) =>
            recordStartOf(app, callerOf(request), {
              workflowId: voidWorkflowId,
              workflowType: 'voidDeclarationWorkflow',
              subjectType: 'void',
              subjectId: record.id,
              attributes: { employerId: record.employerId, period: singlePeriod(record.lines.map((l) => l.period)), status: 'voiding' },
              args: [{ declarationId: record.id, voidRequestId: voidWorkflowId, timing: app.config.declaration } satisfies VoidInput],
            })(tx),
        );
      } catch (err) {
        if (err instanceof VoidRefusedError) throw new Problem(err.reason === 'NOT_FOUND' ? 404 : 409, err.reason, 'This declaration cannot be voided now', err.message);
        throw err;
      }
      const started = await startRecorded(app, callerOf(request), workflowId);
      return reply.status(202).send(await present(await declarationOr404(record.id), { voidWorkflowId: workflowId, workflowStarted: started }));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/declarations/:id/void/fetch-result',
    {
      config: { access: 'write' },
      schema: { summary: 'Fetch the void result now (立即获取, F-5.3) and answer the state', tags: ['declarations'], params: idParams, response: errors(401, 403, 404, 503) },
    },
    async (request) => {
      const record = await declarationOr404(request.params.id);
      const fetched = record.status === 'voiding' ? await fetchNow(request, record) : true;
      return present(await declarationOr404(request.params.id), { resultFetched: fetched });
    },
  );
}
