// Declarations (F-2 daily, F-3 special, F-5.2 records): declare selected items, fetch the result
// now, list the records, void (F-5.3). Starting a declaration or a void is a use case
// (src/use-cases); here: the schema, the access, the call and the answer.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import { pageKey } from '../paging';
import { latestFailures } from '../../db/activity-failures';
import { hasUnpaidDeclarations, listDeclarations, type DeclarationRecord } from '../../db/declarations';
import { payNowPrompt } from '../../domain/declaration';
import { declarationOr404, startDeclaration } from '../../use-cases/start-declaration';
import { voidDeclaration } from '../../use-cases/void-declaration';
import { declarationStateQuery, fetchResultNowUpdate } from '../../contracts/declaration';
import { callerOf } from '../caller';
import { Problem } from '../../domain/problem';
import { DeclarationDetail, DeclarationFetched, DeclarationList, DeclarationQuery, DeclarationStarted, DeclareBody, LIST_LIMIT, VoidStarted } from '../schemas/declarations';
import { IdParams, errors } from '../schemas/common';
import { activityFailureView, declarationLineView, declarationView } from '../views';

/** How long "fetch now" waits for the workflow's fetch before answering the state as it is. */
const FETCH_NOW_WAIT_MS = 5_000;

/**
 * What the answer may take as known instead of asking: `new`, recorded and started by this
 * request (its first fetch is the automatic wait away, and nothing has run to fail yet);
 * `started`, started by this request or an earlier try of it (its first fetch is the automatic
 * wait away: asking it would only wait for its first workflow task).
 */
type Known = 'new' | 'started';

/** The list's and the export's declared range: a start after its end is a client's mistake. */
export function checkDeclaredRange(q: { declaredFrom?: string | undefined; declaredTo?: string | undefined }): void {
  if (q.declaredFrom && q.declaredTo && q.declaredFrom > q.declaredTo) {
    throw new Problem(400, 'DATE_RANGE_INVALID', 'declaredFrom is after declaredTo', 'give a range whose start is not after its end');
  }
}

const declarationRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
  async function fetchNow(log: FastifyBaseLogger, record: DeclarationRecord): Promise<boolean> {
    const waiting = waitingWorkflow(record);
    if (!waiting) return true;
    return askWorkflow(waiting, FETCH_NOW_WAIT_MS, (h) => h.executeUpdate(fetchResultNowUpdate)).then(
      () => true,
      (err: unknown) => {
        // A workflow that has just finished cannot take the update, but its result is recorded.
        if (err instanceof WorkflowNotFoundError || /already completed/i.test((err as Error).message)) return true;
        log.warn({ err, declarationId: record.id }, 'fetch-now did not complete; answering the current state');
        return false;
      },
    );
  }

  async function present(record: DeclarationRecord, known?: Known) {
    const waiting = waitingWorkflow(record);
    let nextFetchAt: string | null = null;
    if (waiting && known) {
      nextFetchAt = new Date(record.declaredAt.getTime() + app.config.declaration.resultWaitSeconds * 1000).toISOString();
    } else if (waiting) {
      // Best effort: the running workflow knows when it will fetch next.
      nextFetchAt = await askWorkflow(waiting, 1000, (h) => h.query(declarationStateQuery))
        .then((s) => s.nextFetchAt ?? null)
        .catch(() => null);
    }
    const failing = known === 'new' ? new Map() : await latestFailures(app.db, [record.workflowId, ...(record.voidWorkflowId ? [record.voidWorkflowId] : [])]);
    const view = declarationView({ ...record, periods: [...new Set(record.lines.map((l) => l.period))].sort() });
    return {
      ...view,
      items: record.lines.map(declarationLineView),
      nextFetchAt,
      lastError: activityFailureView(failing.get(waiting ?? record.workflowId)),
      payNowPrompt: payNowPrompt([view]),
    };
  }

  app.post(
    '/employers/:id/declarations',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Declare selected fee items (F-2.4, F-2.5); the result follows asynchronously',
        tags: ['declarations'],
        params: IdParams('employer'),
        body: DeclareBody,
        response: { 202: DeclarationStarted, ...errors(400, 401, 403, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const started = await startDeclaration(app, callerOf(request), { employerId: request.params.id, ...request.body });
      const answer = await present(started.record, started.recordedNow ? 'new' : 'started');
      return reply.status(202).send({ ...answer, workflowStarted: started.workflowStarted });
    },
  );

  app.get(
    '/declarations/:id',
    {
      config: { access: 'read' },
      schema: {
        summary: 'One declaration with its items, result and pay-now prompt (F-2.7)',
        tags: ['declarations'],
        params: IdParams('declaration'),
        response: { 200: DeclarationDetail, ...errors(401, 403, 404) },
      },
    },
    async (request) => present(await declarationOr404(app, request.params.id)),
  );

  app.post(
    '/declarations/:id/fetch-result',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Fetch the declaration result now (立即获取, F-2.6) and answer the state',
        tags: ['declarations'],
        params: IdParams('declaration'),
        response: { 200: DeclarationFetched, ...errors(401, 403, 404, 503) },
      },
    },
    async (request) => {
      const record = await declarationOr404(app, request.params.id);
      const resultFetched = await fetchNow(request.log, record);
      return { ...(await present(await declarationOr404(app, record.id))), resultFetched };
    },
  );

  app.get(
    '/declarations',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Declaration records (申报记录, F-5.1, F-5.2), newest first, with the pay-now prompt',
        tags: ['declarations'],
        querystring: DeclarationQuery,
        response: { 200: DeclarationList, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      checkDeclaredRange(q);
      // The schema's default fills a missing limit in; TypeScript cannot know that.
      const [page, unpaid] = await Promise.all([listDeclarations(app.db, { ...q, limit: q.limit ?? LIST_LIMIT, after: pageKey(q.cursor) }), hasUnpaidDeclarations(app.db, q.employerId)]);
      return { declarations: page.rows.map(declarationView), payNowPrompt: unpaid, nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/declarations/:id/void',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Void an unpaid declaration (申报作废, F-5.3); the result follows asynchronously',
        tags: ['declarations'],
        params: IdParams('declaration'),
        response: { 202: VoidStarted, ...errors(401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const started = await voidDeclaration(app, callerOf(request), request.params.id);
      const answer = await present(started.record);
      return reply.status(202).send({ ...answer, voidWorkflowId: started.voidWorkflowId, workflowStarted: started.workflowStarted });
    },
  );

  app.post(
    '/declarations/:id/void/fetch-result',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Fetch the void result now (立即获取, F-5.3) and answer the state',
        tags: ['declarations'],
        params: IdParams('declaration'),
        response: { 200: DeclarationFetched, ...errors(401, 403, 404, 503) },
      },
    },
    async (request) => {
      const record = await declarationOr404(app, request.params.id);
      const resultFetched = record.status === 'voiding' ? await fetchNow(request.log, record) : true;
      return { ...(await present(await declarationOr404(app, record.id))), resultFetched };
    },
  );
};

export default declarationRoutes;
