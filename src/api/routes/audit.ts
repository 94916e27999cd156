// The auditor's tools: running and finished work from Temporal's visibility (by type, status,
// employer, period, business status), each workflow's history as a replayable JSON file (from
// Temporal while it keeps it, then from the archive), a replay of histories against the current
// workflow code, the archive with its check against the audit chain, and the hash-chained audit
// log with its check. Reads: the work is in src/api/workflow-histories.ts, src/db/archive.ts and src/db/audit.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CloneType } from '@sinclair/typebox';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { ARCHIVED_ACTION, listArchived, type ArchivedSummary } from '../../db/archive';
import { verifyArchiveAndRecords } from '../../use-cases/verify-archive';
import { queryAudit, verifyAuditLog } from '../../db/audit';
import { BusinessStatus, EmployerId, FeePeriod } from '../../contracts/search-attributes';
import { historyToJSON } from '../../temporal/history-json';
import { SHORT_WORKFLOW_TYPES, type WorkflowTypeName } from '../../contracts/workflow-types';
import { ARCHIVER_WORKFLOW_TYPE, TYPE_NAMES, visibilityQuery } from '../../temporal/visibility';
import { Problem } from '../../domain/problem';
import {
  ArchiveCheck,
  ArchivePage,
  ArchiveRun,
  AuditPage,
  ChainCheck,
  EXECUTION_STATUS_NAMES,
  HISTORY_SOURCES,
  HistoryFile,
  ReplayAnswer,
  WorkflowList,
  type ExecutionStatusName,
} from '../schemas/audit';
import { Enum, Period, Type, errors } from '../schemas/common';
import { DEFAULT_REPLAY_LIMIT, listWorkflows, locateHistory, replayWorkflows } from '../workflow-histories';

export { visibilityQuery };

export interface AuditRoutesOptions {
  /** The current workflow code, prebuilt (tests bundle once per run); otherwise bundled at the first replay. */
  workflowBundle?: { code: string } | undefined;
}

const ID_PATTERN = '^[A-Za-z0-9_:.-]+$';
const WorkflowIdParam = Type.String({ minLength: 1, maxLength: 200, pattern: ID_PATTERN, description: 'workflow id' });

/** `YYYY-MM-DD` is a day in China time (the bureau's calendar); `to` of a day includes it. */
/** The times PostgreSQL and toISOString() agree on: years 1 to 9999 (JavaScript parses 99999-01-01 too). */
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

function parseTime(value: string | undefined, name: 'from' | 'to'): Date | undefined {
  if (value === undefined) return undefined;
  let t = Number.NaN;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(`${value}T00:00:00+08:00`);
    // A day that does not exist (2026-02-30) is refused, not read as one in the next month.
    const real = Number.isFinite(start) && new Date(start + 8 * 3600_000).toISOString().slice(0, 10) === value;
    t = !real ? Number.NaN : name === 'to' ? start + 24 * 3600_000 : start;
  } else {
    t = Date.parse(value);
  }
  if (Number.isFinite(t) && t >= EARLIEST && t <= LATEST) return new Date(t);
  throw new Problem(400, 'VALIDATION_FAILED', 'The request is not valid', `${name} must be an ISO 8601 time or a date YYYY-MM-DD, got "${value}"`);
}

/** A seq or chain position: PostgreSQL's bigint holds more, JavaScript numbers only this many exactly. */
const Position = (minimum: number, description: string) => Type.Optional(Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER, description }));

const DEFAULT_LIMIT = 100;
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_LIMIT, description: 'at most this many' }));
const TimeRange = {
  from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 time, or a day YYYY-MM-DD (China time): from its start' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 time (exclusive), or a day YYYY-MM-DD (China time): to its end' })),
};
/** Whether a list for people includes the service's own upkeep; `false` leaves it out. */
const Routine = (what: string) => Type.Optional(Type.Boolean({ default: true, description: `false: without ${what}` }));
/** The audit entries of the service's own upkeep: each archived history (the chain keeps them all). */
const ROUTINE_AUDIT_ACTIONS = [ARCHIVED_ACTION];

const TypeFilter = Type.Optional(
  Enum(TYPE_NAMES, `a short name (${Object.keys(SHORT_WORKFLOW_TYPES).join(', ')}) or the workflow type`),
);
const EmployerFilter = Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: ID_PATTERN, description: 'employer id' }));
const Source = Type.Optional(
  CloneType(Enum(['any', ...HISTORY_SOURCES], 'Temporal while it holds the history, then the archive (`any`), or only one of them'), { default: 'any' }),
);

const auditRoutes: FastifyPluginAsyncTypebox<AuditRoutesOptions> = async (app, opts) => {
  const uiBase = `http://127.0.0.1:${app.config.temporalUiPort}/namespaces/${encodeURIComponent(app.config.temporalNamespace)}/workflows`;

  function workflowView(info: WorkflowExecutionInfo) {
    const attrs = info.typedSearchAttributes;
    return {
      workflowId: info.workflowId,
      runId: info.runId,
      type: info.type as WorkflowTypeName,
      status: info.status.name.toLowerCase() as ExecutionStatusName,
      businessStatus: attrs.get(BusinessStatus) ?? null,
      employerId: attrs.get(EmployerId) ?? null,
      period: attrs.get(FeePeriod) ?? null,
      startTime: info.startTime.toISOString(),
      closeTime: info.closeTime?.toISOString() ?? null,
      historyLength: info.historyLength,
      parentWorkflowId: info.parentExecution?.workflowId ?? null,
      historyUrl: `/api/workflows/${encodeURIComponent(info.workflowId)}/history?runId=${info.runId}`,
      temporalUiUrl: `${uiBase}/${encodeURIComponent(info.workflowId)}/${info.runId}`,
    };
  }

  app.get(
    '/workflows',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Running and finished workflows of this service, newest first, from Temporal visibility',
        description:
          'Filters are ANDed. Visibility is eventually consistent: a workflow started a moment ago may show up a second later. ' +
          'Within the newest `limit` workflows as Temporal lists them (running ones first, then by close time), sorted by start time, newest first.',
        tags: ['audit'],
        querystring: Type.Object(
          {
            type: TypeFilter,
            routine: Routine('the service’s own upkeep (reconciler, archiver, webhook dispatcher)'),
            status: Type.Optional(Enum([...EXECUTION_STATUS_NAMES, 'closed'], 'the execution status; `closed`: anything but running')),
            employerId: EmployerFilter,
            period: Type.Optional(Period),
            businessStatus: Type.Optional(Type.String({ minLength: 1, maxLength: 60, pattern: ID_PATTERN, description: 'e.g. accepted, awaiting_retry, voucher_issued' })),
            limit: Limit,
          },
          { additionalProperties: false },
        ),
        response: { 200: WorkflowList, ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const { limit = DEFAULT_LIMIT, ...filter } = request.query;
      const query = visibilityQuery(app.config.taskQueue, filter);
      const workflows = await listWorkflows(app, request.log, query, limit);
      return { workflows: workflows.map(workflowView), query };
    },
  );

  app.get(
    '/workflows/:workflowId/history',
    {
      config: { access: 'read' },
      schema: {
        summary: 'A workflow’s history as JSON, as the Temporal CLI and UI write it (replayable as it is)',
        description:
          'Proto3 JSON, the format of `temporal workflow show --output json` and the UI’s download; an attachment `<workflowId>.json`. ' +
          'Payloads stay encrypted: replay it with the service’s codec keys (`npm run replay`), or read it through the codec endpoint. ' +
          'From Temporal while it keeps the history (TEMPORAL_RETENTION), from the archive afterwards, byte for byte what was archived; ' +
          'the header `x-history-source` says which.',
        tags: ['audit'],
        params: Type.Object({ workflowId: WorkflowIdParam }, { additionalProperties: false }),
        querystring: Type.Object(
          {
            runId: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F-]{36}$', description: 'a run; the latest run when left out' })),
            source: Source,
          },
          { additionalProperties: false },
        ),
        response: { 200: HistoryFile, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { workflowId } = request.params;
      const { runId, source = 'any' } = request.query;
      const found = await locateHistory(app, workflowId, runId, source);
      if (!found) {
        throw new Problem(404, 'WORKFLOW_NOT_FOUND', 'No such workflow', `no workflow ${workflowId}${runId ? ` with run ${runId}` : ''} in Temporal or the archive`);
      }
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${workflowId}.json"`)
        .header('x-history-source', found.source)
        .send(found.source === 'temporal' ? historyToJSON(found.history) : found.row.history);
    },
  );

  app.post(
    '/audit/replay',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Replay workflow histories against the current workflow code',
        description:
          'Each history is replayed with the code the workers run now (Worker.runReplayHistories): `ok: false` means the code no longer ' +
          'explains what happened (a non-deterministic change) or the history cannot be decrypted. Without `workflowIds`: the newest ' +
          `\`limit\` (default ${DEFAULT_REPLAY_LIMIT}) closed workflows of this service (with \`source: "archive"\`: the newest archived). ` +
          'Each history comes from Temporal while it holds it and from the archive afterwards (`source` in each result). Reads only; changes nothing.',
        tags: ['audit'],
        body: Type.Object(
          {
            workflowIds: Type.Optional(Type.Array(WorkflowIdParam, { minItems: 1, maxItems: DEFAULT_REPLAY_LIMIT, uniqueItems: true, description: 'their latest runs' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: DEFAULT_REPLAY_LIMIT })),
            source: Source,
          },
          { additionalProperties: false },
        ),
        response: { 200: ReplayAnswer, ...errors(400, 401, 403, 503) },
      },
    },
    // An empty POST (no body) replays the newest closed workflows too.
    async (request) => replayWorkflows(app, request.log, request.body ?? {}, opts.workflowBundle),
  );

  function archivedView(r: ArchivedSummary) {
    return {
      workflowId: r.workflowId,
      runId: r.runId,
      type: r.workflowType as WorkflowTypeName,
      status: r.status as ExecutionStatusName,
      businessStatus: r.businessStatus,
      employerId: r.employerId,
      period: r.period,
      startTime: r.startTime.toISOString(),
      closeTime: r.closeTime.toISOString(),
      historyLength: r.historyLength,
      archivedAt: r.archivedAt.toISOString(),
      sha256: r.sha256,
      bytes: r.bytes,
      historyUrl: `/api/workflows/${encodeURIComponent(r.workflowId)}/history?runId=${r.runId}&source=archive`,
    };
  }

  app.get(
    '/audit/archive',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The archived workflow histories, newest archived first',
        description:
          'Every closed workflow’s history is copied here soon after it closes (the archiver schedule, ARCHIVE_EVERY) and kept after Temporal deletes it. ' +
          '`from`/`to` select by close time (China days). Page with `cursor` = the answer’s `nextCursor`. Each `historyUrl` answers the history.',
        tags: ['audit'],
        querystring: Type.Object(
          {
            type: TypeFilter,
            employerId: EmployerFilter,
            ...TimeRange,
            cursor: Position(1, 'entries archived before this one'),
            limit: Limit,
          },
          { additionalProperties: false },
        ),
        response: { 200: ArchivePage, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { type, limit = DEFAULT_LIMIT, ...q } = request.query;
      const rows = await listArchived(app.db, {
        workflowTypes: type ? [SHORT_WORKFLOW_TYPES[type] ?? type] : undefined,
        employerId: q.employerId,
        from: parseTime(q.from, 'from'),
        to: parseTime(q.to, 'to'),
        cursor: q.cursor,
        limit,
      });
      return { histories: rows.map(archivedView), nextCursor: rows.length === limit ? rows.at(-1)!.seq : null };
    },
  );

  app.get(
    '/audit/archive/verify',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Hash every archived history again and compare with the SHA-256 the audit chain recorded when it was archived',
        description:
          '`changed`: a history (or its stored hash) differs from what the chain recorded; `missing`: a recorded history is gone; ' +
          '`unrecorded`: a history the archiver never recorded; `lost`: a declaration, payment, void, batch, webhook delivery or certificate ' +
          'whose workflow is neither in Temporal nor in the archive (deleted before it was archived). ' +
          '`chain` is the audit log’s own check: the recorded hashes are only as good as it.',
        tags: ['audit'],
        response: { 200: ArchiveCheck, ...errors(401, 403) },
      },
    },
    async () => verifyArchiveAndRecords(app),
  );

  app.post(
    '/audit/archive/run',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Archive the workflows that closed since the last run, now (the archiver schedule does it every ARCHIVE_EVERY)',
        description: 'Runs the archiver workflow and waits for it; a run already going on is joined. Answers how many histories it archived.',
        tags: ['audit'],
        response: { 200: ArchiveRun, ...errors(401, 403) },
      },
    },
    async () => {
      const workflowId = `archive-now-${app.config.taskQueue}`;
      const handle = await app.temporal.workflow.start(ARCHIVER_WORKFLOW_TYPE, { workflowId, taskQueue: app.config.taskQueue, args: [], workflowIdConflictPolicy: 'USE_EXISTING' });
      const { archived } = (await handle.result()) as { archived: number };
      return { archived, workflowId };
    },
  );

  app.get(
    '/audit/log',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The audit log: who did what and when',
        description: 'Every state change, chained by hash, in chain order (`chainPos`). Page with `cursor` = the answer’s `nextCursor`.',
        tags: ['audit'],
        querystring: Type.Object(
          {
            ...TimeRange,
            actor: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'an API key name, `system` or `bureau`' })),
            action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'a prefix, e.g. `payment.` or `declaration.accepted`' })),
            subject: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the id of what was acted on' })),
            routine: Routine(`the service’s own upkeep (${ROUTINE_AUDIT_ACTIONS.join(', ')})`),
            cursor: Position(0, 'entries after this chainPos (asc) or before it (desc)'),
            order: Type.Optional(CloneType(Enum(['asc', 'desc'], 'chain order, or newest first'), { default: 'asc' })),
            limit: Limit,
          },
          { additionalProperties: false },
        ),
        response: { 200: AuditPage, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { from, to, limit = DEFAULT_LIMIT, order = 'asc', routine, ...q } = request.query;
      const rows = await queryAudit(app.db, { ...q, from: parseTime(from, 'from'), to: parseTime(to, 'to'), order, limit, ...(routine === false ? { excludeActions: ROUTINE_AUDIT_ACTIONS } : {}) });
      return {
        entries: rows.map((r) => ({ ...r, at: r.at.toISOString(), detail: r.detail as Record<string, unknown> })),
        nextCursor: rows.length === limit ? rows.at(-1)!.chainPos : null,
      };
    },
  );

  app.get(
    '/audit/log/verify',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Recompute the audit log’s hash chain: is it intact, and if not, where it first breaks',
        description:
          '`edited`: an entry no longer matches its hash (or was hashed again); `deleted`: an entry is gone; `inserted`: entries were put in or moved. ' +
          'Entries cut off the end leave no trace in the chain: keep `head` elsewhere and compare.',
        tags: ['audit'],
        response: { 200: ChainCheck, ...errors(401, 403) },
      },
    },
    async () => verifyAuditLog(app.db),
  );
};

export default auditRoutes;
