// The auditor's tools: running and finished work from Temporal's visibility (by type, status,
// employer, period, business status), each workflow's history as a replayable JSON file (from
// Temporal while it keeps it, then from the archive), a replay of histories against the current
// workflow code, the archive with its check against the audit chain, and the hash-chained audit
// log with its check.
import type { FastifyInstance } from 'fastify';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { getArchived, listArchived, verifyArchive, type ArchivedRow } from '../../db/archive';
import { queryAudit, verifyAuditLog } from '../../db/audit';
import { PERIOD_PATTERN } from '../../domain/fee-items';
import { historyFromJSON, historyToJSON, type History } from '../../worker/history-json';
import { BusinessStatus, EmployerId, FeePeriod } from '../../search-attributes';
import { ARCHIVER_WORKFLOW_TYPE, EXECUTION_STATUSES, TYPE_NAMES, WORKFLOW_TYPES, visibilityQuery, type WorkflowFilter } from '../../worker/visibility';
import { Problem } from '../problem';
import { errors } from './common';

export { visibilityQuery, WORKFLOW_TYPES };

export interface AuditRoutesOptions {
  /** Decrypts payloads while replaying: the app's codec. */
  codec: PayloadCodec;
  /** The current workflow code, prebuilt (tests bundle once per run); otherwise bundled at the first replay. */
  workflowBundle?: { code: string } | undefined;
}

/** At most this many workflows a replay takes by default (the newest closed ones). */
export const DEFAULT_REPLAY_LIMIT = 200;
const FETCH_CONCURRENCY = 8;

const ID_PATTERN = '^[A-Za-z0-9_:.-]+$';
const workflowIdSchema = { type: 'string', minLength: 1, maxLength: 200, pattern: ID_PATTERN } as const;

/** `YYYY-MM-DD` is a day in China time (the bureau's calendar); `to` of a day includes it. */
function parseTime(value: string | undefined, name: 'from' | 'to'): Date | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(`${value}T00:00:00+08:00`);
    if (Number.isFinite(start)) return new Date(name === 'to' ? start + 24 * 3600_000 : start);
  } else {
    const t = Date.parse(value);
    if (Number.isFinite(t)) return new Date(t);
  }
  throw new Problem(400, 'VALIDATION_FAILED', 'The request is not valid', `${name} must be an ISO 8601 time or a date YYYY-MM-DD, got "${value}"`);
}

const limitSchema = { type: 'integer', minimum: 1, maximum: 1000, default: 100 } as const;
const timeRangeProperties = {
  from: { type: 'string', maxLength: 40, description: 'ISO 8601 time, or a day YYYY-MM-DD (China time): from its start' },
  to: { type: 'string', maxLength: 40, description: 'ISO 8601 time (exclusive), or a day YYYY-MM-DD (China time): to its end' },
} as const;
/** A page of a list: its items and the cursor of the next page (null on the last). */
const pageOf = (key: string, items: object) => ({ type: 'object', properties: { [key]: { type: 'array', items }, nextCursor: { type: ['integer', 'null'] } } }) as const;

const workflowSchema = {
  type: 'object',
  properties: {
    workflowId: { type: 'string' },
    runId: { type: 'string' },
    type: { type: 'string', description: 'the Temporal workflow type, e.g. declarationWorkflow' },
    status: { type: 'string', description: 'the execution status: running, completed, failed, cancelled, terminated, continued_as_new, timed_out' },
    businessStatus: { type: ['string', 'null'], description: 'the status the API shows for the workflow’s resource (search attribute BusinessStatus)' },
    employerId: { type: ['string', 'null'] },
    period: { type: ['string', 'null'] },
    startTime: { type: 'string', format: 'date-time' },
    closeTime: { type: ['string', 'null'], format: 'date-time' },
    historyLength: { type: 'integer' },
    parentWorkflowId: { type: ['string', 'null'] },
    historyUrl: { type: 'string', description: 'GET: the history as JSON' },
    temporalUiUrl: { type: 'string', description: 'the workflow in the Temporal UI' },
  },
} as const;

const replayResultSchema = {
  type: 'object',
  properties: {
    workflowId: { type: 'string' },
    runId: { type: ['string', 'null'] },
    ok: { type: 'boolean' },
    error: { type: 'string' },
    source: { type: 'string', enum: ['temporal', 'archive'], description: 'where the history came from' },
  },
} as const;

const archivedSchema = {
  type: 'object',
  properties: {
    workflowId: { type: 'string' },
    runId: { type: 'string' },
    type: { type: 'string' },
    status: { type: 'string', description: 'how the run closed: completed, failed, terminated, …' },
    businessStatus: { type: ['string', 'null'] },
    employerId: { type: ['string', 'null'] },
    period: { type: ['string', 'null'] },
    startTime: { type: 'string', format: 'date-time' },
    closeTime: { type: 'string', format: 'date-time' },
    historyLength: { type: 'integer' },
    archivedAt: { type: 'string', format: 'date-time' },
    sha256: { type: 'string', description: 'of the history as GET historyUrl answers it; also in the audit chain (workflow.archived)' },
    bytes: { type: 'integer' },
    historyUrl: { type: 'string' },
  },
} as const;

const auditEntrySchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    chainPos: { type: 'integer', description: 'the place in the hash chain (its order); seq is the order entries were begun in' },
    at: { type: 'string', format: 'date-time' },
    actor: { type: 'string', description: 'the API key name, or `system` for workflows' },
    action: { type: 'string' },
    subject: { type: 'string', description: 'the id of what was acted on' },
    detail: { type: 'object', additionalProperties: true },
    prevHash: { type: 'string' },
    hash: { type: 'string' },
  },
} as const;

/** Where a history is read from: `any` is Temporal while it holds the run, the archive afterwards. */
type HistorySource = 'any' | 'temporal' | 'archive';
const sourceSchema = { type: 'string', enum: ['any', 'temporal', 'archive'], default: 'any', description: 'Temporal while it holds the history, then the archive (`any`), or only one of them' } as const;
type Located = { source: 'temporal'; history: History } | { source: 'archive'; row: ArchivedRow };

let sharedBundle: Promise<{ code: string }> | undefined;

export default async function auditRoutes(app: FastifyInstance, opts: AuditRoutesOptions) {
  const namespace = app.config.temporalNamespace;
  const uiBase = `http://127.0.0.1:${app.config.temporalUiPort}/namespaces/${encodeURIComponent(namespace)}/workflows`;
  const dataConverter = { payloadCodecs: [opts.codec] };

  function workflowBundle(): Promise<{ code: string }> {
    if (opts.workflowBundle) return Promise.resolve(opts.workflowBundle);
    sharedBundle ??= import('../../worker/replay').then((m) => m.bundleWorkflows());
    sharedBundle.catch(() => {
      sharedBundle = undefined; // try again next time
    });
    return sharedBundle;
  }

  function view(info: WorkflowExecutionInfo) {
    const attrs = info.typedSearchAttributes;
    return {
      workflowId: info.workflowId,
      runId: info.runId,
      type: info.type,
      status: info.status.name.toLowerCase(),
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

  /** Up to `limit` workflows matching the query, newest start first. */
  async function listWorkflows(query: string, limit: number): Promise<WorkflowExecutionInfo[]> {
    const found: WorkflowExecutionInfo[] = [];
    try {
      for await (const info of app.temporal.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
        found.push(info);
        if (found.length >= limit) break;
      }
    } catch (err) {
      app.log.warn({ err, query }, 'visibility query failed');
      throw new Problem(503, 'TEMPORAL_UNAVAILABLE', 'The workflow list is not available', 'Temporal did not answer the visibility query; try again');
    }
    return found.sort((a, b) => b.startTime.getTime() - a.startTime.getTime() || a.workflowId.localeCompare(b.workflowId));
  }

  /** A run's history (the latest run without `runId`); undefined when there is no such workflow. */
  async function fetchHistory(workflowId: string, runId?: string): Promise<History | undefined> {
    try {
      return await app.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
    } catch (err) {
      if ((err as { code?: number }).code === 5 /* NOT_FOUND */) return undefined;
      if ((err as { code?: number }).code === 3 /* INVALID_ARGUMENT, e.g. a malformed run id */) return undefined;
      throw err;
    }
  }

  /** A run's history from Temporal while it holds it, from the archive afterwards (or from the one asked for). */
  async function locate(workflowId: string, runId: string | undefined, source: HistorySource): Promise<Located | undefined> {
    if (source !== 'archive') {
      const history = await fetchHistory(workflowId, runId);
      if (history && (history.events ?? []).length > 0) return { source: 'temporal', history };
    }
    if (source !== 'temporal') {
      const row = await getArchived(app.db, workflowId, runId);
      if (row) return { source: 'archive', row };
    }
    return undefined;
  }

  async function mapBounded<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
    const out = new Array<R>(items.length);
    let next = 0;
    const lanes = Array.from({ length: Math.min(FETCH_CONCURRENCY, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    });
    await Promise.all(lanes);
    return out;
  }

  // One replay at a time per process: it is CPU work in this process.
  let replayQueue: Promise<unknown> = Promise.resolve();
  function serially<T>(work: () => Promise<T>): Promise<T> {
    const run = replayQueue.then(work, work);
    replayQueue = run.catch(() => undefined);
    return run;
  }

  app.get<{ Querystring: WorkflowFilter & { limit: number } }>(
    '/workflows',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Running and finished workflows of this service, newest first, from Temporal visibility',
        description:
          'Filters are ANDed. Visibility is eventually consistent: a workflow started a moment ago may show up a second later. ' +
          'Within the newest `limit` workflows as Temporal lists them (running ones first, then by close time), sorted by start time, newest first.',
        tags: ['audit'],
        querystring: {
          type: 'object',
          properties: {
            type: { type: 'string', enum: TYPE_NAMES, description: 'a short name (declaration, void, three_party_payment, voucher_payment, declaration_batch, certificate) or the workflow type' },
            status: { type: 'string', enum: [...Object.keys(EXECUTION_STATUSES), 'closed'], description: 'the execution status; `closed`: anything but running' },
            employerId: { type: 'string', minLength: 1, maxLength: 100, pattern: ID_PATTERN },
            period: { type: 'string', pattern: PERIOD_PATTERN, description: 'fee period 费款所属期, YYYY-MM' },
            businessStatus: { type: 'string', minLength: 1, maxLength: 60, pattern: '^[A-Za-z0-9_:.-]+$', description: 'e.g. accepted, awaiting_retry, voucher_issued' },
            limit: limitSchema,
          },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { workflows: { type: 'array', items: workflowSchema }, query: { type: 'string' } } },
          ...errors(400, 401, 403, 503),
        },
      },
    },
    async (request) => {
      const { limit, ...filter } = request.query;
      const query = visibilityQuery(app.config.taskQueue, filter);
      const workflows = await listWorkflows(query, limit);
      return { workflows: workflows.map(view), query };
    },
  );

  app.get<{ Params: { workflowId: string }; Querystring: { runId?: string; source: HistorySource } }>(
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
        params: { type: 'object', properties: { workflowId: workflowIdSchema }, required: ['workflowId'], additionalProperties: false },
        querystring: {
          type: 'object',
          properties: {
            runId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$', description: 'a run; the latest run when left out' },
            source: sourceSchema,
          },
          additionalProperties: false,
        },
        produces: ['application/json'],
        response: errors(400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const { workflowId } = request.params;
      const found = await locate(workflowId, request.query.runId, request.query.source);
      if (!found) {
        throw new Problem(404, 'WORKFLOW_NOT_FOUND', 'No such workflow', `no workflow ${workflowId}${request.query.runId ? ` with run ${request.query.runId}` : ''} in Temporal or the archive`);
      }
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${workflowId}.json"`)
        .header('x-history-source', found.source)
        .send(found.source === 'temporal' ? historyToJSON(found.history) : found.row.history);
    },
  );

  app.post<{ Body: { workflowIds?: string[]; limit?: number; source?: HistorySource } | undefined }>(
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
        body: {
          type: 'object',
          properties: {
            workflowIds: { type: 'array', items: workflowIdSchema, minItems: 1, maxItems: DEFAULT_REPLAY_LIMIT, uniqueItems: true, description: 'their latest runs' },
            limit: { type: 'integer', minimum: 1, maximum: DEFAULT_REPLAY_LIMIT },
            source: sourceSchema,
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              results: { type: 'array', items: replayResultSchema },
              replayed: { type: 'integer' },
              failed: { type: 'integer' },
            },
          },
          ...errors(400, 401, 403, 503),
        },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      const source = body.source ?? 'any';
      type Target = { workflowId: string; runId?: string | undefined };
      let targets: Target[];
      if (body.workflowIds) {
        targets = body.workflowIds.map((workflowId) => ({ workflowId }));
      } else if (source === 'archive') {
        targets = await listArchived(app.db, { limit: body.limit ?? DEFAULT_REPLAY_LIMIT });
      } else {
        const closed = await listWorkflows(visibilityQuery(app.config.taskQueue, { status: 'closed' }), body.limit ?? DEFAULT_REPLAY_LIMIT);
        targets = closed.map((w) => ({ workflowId: w.workflowId, runId: w.runId }));
      }
      const located = await mapBounded(targets, (t) => locate(t.workflowId, t.runId, source));
      const found = targets.flatMap((t, i) => {
        const l = located[i];
        return l ? [{ workflowId: t.workflowId, history: l.source === 'temporal' ? l.history : historyFromJSON(JSON.parse(l.row.history)) }] : [];
      });
      const { replayHistories } = await import('../../worker/replay');
      const bundle = await workflowBundle();
      const replayed = found.length > 0 ? await serially(() => replayHistories(found, { workflowBundle: bundle, dataConverter })) : [];
      let r = 0;
      const results = targets.map((t, i) => {
        const l = located[i];
        return l ? { ...replayed[r++]!, source: l.source } : { workflowId: t.workflowId, runId: t.runId ?? null, ok: false, error: 'WorkflowNotFound: no such workflow in Temporal or the archive' };
      });
      return { results, replayed: replayed.length, failed: results.filter((x) => !x.ok).length };
    },
  );

  app.get<{ Querystring: { type?: string; employerId?: string; from?: string; to?: string; cursor?: number; limit: number } }>(
    '/audit/archive',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The archived workflow histories, newest archived first',
        description:
          'Every closed workflow’s history is copied here soon after it closes (the archiver schedule, ARCHIVE_EVERY) and kept after Temporal deletes it. ' +
          '`from`/`to` select by close time (China days). Page with `cursor` = the answer’s `nextCursor`. Each `historyUrl` answers the history.',
        tags: ['audit'],
        querystring: {
          type: 'object',
          properties: {
            type: { type: 'string', enum: TYPE_NAMES, description: 'a short name or the workflow type' },
            employerId: { type: 'string', minLength: 1, maxLength: 100, pattern: ID_PATTERN },
            ...timeRangeProperties,
            cursor: { type: 'integer', minimum: 1, description: 'entries archived before this one' },
            limit: limitSchema,
          },
          additionalProperties: false,
        },
        response: { 200: pageOf('histories', archivedSchema), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await listArchived(app.db, {
        workflowTypes: q.type ? [WORKFLOW_TYPES[q.type as keyof typeof WORKFLOW_TYPES] ?? q.type] : undefined,
        employerId: q.employerId,
        from: parseTime(q.from, 'from'),
        to: parseTime(q.to, 'to'),
        cursor: q.cursor,
        limit: q.limit,
      });
      return {
        histories: rows.map((r) => ({
          workflowId: r.workflowId,
          runId: r.runId,
          type: r.workflowType,
          status: r.status,
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
        })),
        nextCursor: rows.length === q.limit ? rows.at(-1)!.seq : null,
      };
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
          '`unrecorded`: a history the archiver never recorded. `chain` is the audit log’s own check: the recorded hashes are only as good as it.',
        tags: ['audit'],
        response: {
          200: {
            type: 'object',
            properties: {
              intact: { type: 'boolean' },
              checked: { type: 'integer', description: 'archived histories hashed again' },
              problems: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { workflowId: { type: 'string' }, runId: { type: 'string' }, problem: { type: 'string', enum: ['changed', 'missing', 'unrecorded'] }, detail: { type: 'string' } },
                },
              },
              chain: { type: 'object', properties: { intact: { type: 'boolean' }, checked: { type: 'integer' } }, additionalProperties: true },
            },
          },
          ...errors(401, 403),
        },
      },
    },
    async () => verifyArchive(app.db),
  );

  app.post(
    '/audit/archive/run',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Archive the workflows that closed since the last run, now (the archiver schedule does it every ARCHIVE_EVERY)',
        description: 'Runs the archiver workflow and waits for it; a run already going on is joined. Answers how many histories it archived.',
        tags: ['audit'],
        response: { 200: { type: 'object', properties: { archived: { type: 'integer' }, workflowId: { type: 'string' } } }, ...errors(401, 403) },
      },
    },
    async () => {
      const workflowId = `archive-now-${app.config.taskQueue}`;
      const handle = await app.temporal.workflow.start(ARCHIVER_WORKFLOW_TYPE, { workflowId, taskQueue: app.config.taskQueue, args: [], workflowIdConflictPolicy: 'USE_EXISTING' });
      const { archived } = (await handle.result()) as { archived: number };
      return { archived, workflowId };
    },
  );

  app.get<{ Querystring: { from?: string; to?: string; actor?: string; action?: string; subject?: string; cursor?: number; order: 'asc' | 'desc'; limit: number } }>(
    '/audit/log',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The audit log: who did what and when',
        description: 'Every state change, chained by hash, in chain order (`chainPos`). Page with `cursor` = the answer’s `nextCursor`.',
        tags: ['audit'],
        querystring: {
          type: 'object',
          properties: {
            ...timeRangeProperties,
            actor: { type: 'string', minLength: 1, maxLength: 100 },
            action: { type: 'string', minLength: 1, maxLength: 100, description: 'a prefix, e.g. `payment.` or `declaration.accepted`' },
            subject: { type: 'string', minLength: 1, maxLength: 200 },
            cursor: { type: 'integer', minimum: 0, description: 'entries after this chainPos (asc) or before it (desc)' },
            order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
            limit: limitSchema,
          },
          additionalProperties: false,
        },
        response: { 200: pageOf('entries', auditEntrySchema), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const from = parseTime(q.from, 'from');
      const to = parseTime(q.to, 'to');
      const rows = await queryAudit(app.db, { from, to, actor: q.actor, action: q.action, subject: q.subject, cursor: q.cursor, order: q.order, limit: q.limit });
      return {
        entries: rows.map((r) => ({ ...r, at: r.at.toISOString() })),
        nextCursor: rows.length === q.limit ? rows.at(-1)!.chainPos : null,
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
        response: {
          200: {
            type: 'object',
            properties: {
              intact: { type: 'boolean' },
              checked: { type: 'integer', description: 'entries found good before the first break' },
              head: { type: ['object', 'null'], properties: { seq: { type: 'integer' }, hash: { type: 'string' } } },
              firstBroken: {
                type: 'object',
                properties: {
                  seq: { type: 'integer' },
                  chainPos: { type: 'integer', description: 'the chain position; of a deleted entry, exact where seq is the one after the entry before it' },
                  problem: { type: 'string', enum: ['edited', 'deleted', 'inserted'] },
                  detail: { type: 'string' },
                },
              },
            },
          },
          ...errors(401, 403),
        },
      },
    },
    async () => verifyAuditLog(app.db),
  );
}
