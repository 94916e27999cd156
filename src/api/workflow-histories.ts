// Reading our workflows for the auditor: the list from Temporal's visibility, a run's history
// from Temporal while it holds it and from the archive afterwards, and replays of histories
// against the current workflow code. GET /api/workflows, …/history and POST /api/audit/replay.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { getArchived, listArchived, type ArchivedRow } from '../db/archive';
import { historyFromJSON, type History } from '../temporal/history-json';
import type { ReplayOutcome } from '../temporal/replay';
import { visibilityQuery } from '../temporal/visibility';
import type { Services } from '../use-cases/context';
import { Problem } from '../domain/problem';

/** Where a history is read from: `any` is Temporal while it holds the run, the archive afterwards. */
export type HistorySource = 'any' | 'temporal' | 'archive';
export type Located = { source: 'temporal'; history: History } | { source: 'archive'; row: ArchivedRow };

type Readers = Pick<Services, 'temporal' | 'db' | 'config' | 'codec'>;
type Log = { warn(obj: object, msg: string): void };

/** At most this many workflows a replay takes by default (the newest closed ones). */
export const DEFAULT_REPLAY_LIMIT = 200;
const FETCH_CONCURRENCY = 8;

/** Up to `limit` workflows matching the visibility query, newest start first. */
export async function listWorkflows(services: Readers, log: Log, query: string, limit: number): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  try {
    for await (const info of services.temporal.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
      found.push(info);
      if (found.length >= limit) break;
    }
  } catch (err) {
    log.warn({ err, query }, 'visibility query failed');
    throw new Problem(503, 'TEMPORAL_UNAVAILABLE', 'The workflow list is not available', 'Temporal did not answer the visibility query; try again');
  }
  return found.sort((a, b) => b.startTime.getTime() - a.startTime.getTime() || a.workflowId.localeCompare(b.workflowId));
}

/** A run's history from Temporal (the latest run without `runId`); undefined when there is no such workflow. */
async function fetchHistory(services: Readers, workflowId: string, runId?: string): Promise<History | undefined> {
  try {
    return await services.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
  } catch (err) {
    if ((err as { code?: number }).code === 5 /* NOT_FOUND */) return undefined;
    if ((err as { code?: number }).code === 3 /* INVALID_ARGUMENT, e.g. a malformed run id */) return undefined;
    throw err;
  }
}

/** A run's history from Temporal while it holds it, from the archive afterwards (or from the one asked for). */
export async function locateHistory(services: Readers, workflowId: string, runId: string | undefined, source: HistorySource): Promise<Located | undefined> {
  if (source !== 'archive') {
    const history = await fetchHistory(services, workflowId, runId);
    if (history && (history.events ?? []).length > 0) return { source: 'temporal', history };
  }
  if (source !== 'temporal') {
    const row = await getArchived(services.db, workflowId, runId);
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

let sharedBundle: Promise<{ code: string }> | undefined;
/** The current workflow code: the one given (tests bundle once per run), or bundled at the first replay. */
function workflowBundle(given: { code: string } | undefined): Promise<{ code: string }> {
  if (given) return Promise.resolve(given);
  sharedBundle ??= import('../temporal/replay').then((m) => m.bundleWorkflows());
  sharedBundle.catch(() => {
    sharedBundle = undefined; // try again next time
  });
  return sharedBundle;
}

export interface ReplayRequest {
  /** Their latest runs; without them the newest `limit` closed (or, from the archive, archived) workflows. */
  workflowIds?: string[] | undefined;
  limit?: number | undefined;
  source?: HistorySource | undefined;
}

export type ReplayResult = Omit<ReplayOutcome, 'runId'> & { runId: string | null; source?: Located['source'] };

/** Replays the histories asked for with the code the workers run now; those found nowhere are results that are not ok. */
export async function replayWorkflows(services: Readers, log: Log, request: ReplayRequest, given?: { code: string }) {
  const source = request.source ?? 'any';
  const limit = request.limit ?? DEFAULT_REPLAY_LIMIT;
  type Target = { workflowId: string; runId?: string | undefined };
  let targets: Target[];
  if (request.workflowIds) {
    targets = request.workflowIds.map((workflowId) => ({ workflowId }));
  } else if (source === 'archive') {
    targets = await listArchived(services.db, { limit });
  } else {
    const closed = await listWorkflows(services, log, visibilityQuery(services.config.taskQueue, { status: 'closed' }), limit);
    targets = closed.map((w) => ({ workflowId: w.workflowId, runId: w.runId }));
  }
  const located = await mapBounded(targets, (t) => locateHistory(services, t.workflowId, t.runId, source));
  const found = targets.flatMap((t, i) => {
    const l = located[i];
    return l ? [{ workflowId: t.workflowId, history: l.source === 'temporal' ? l.history : historyFromJSON(JSON.parse(l.row.history)) }] : [];
  });
  const { replayHistories } = await import('../temporal/replay');
  const bundle = await workflowBundle(given);
  const dataConverter = { payloadCodecs: [services.codec] };
  const replayed = found.length > 0 ? await serially(() => replayHistories(found, { workflowBundle: bundle, dataConverter })) : [];
  let r = 0;
  const results = targets.map((t, i): ReplayResult => {
    const l = located[i];
    return l ? { ...replayed[r++]!, source: l.source } : { workflowId: t.workflowId, runId: t.runId ?? null, ok: false, error: 'WorkflowNotFound: no such workflow in Temporal or the archive' };
  });
  return { results, replayed: replayed.length, failed: results.filter((x) => !x.ok).length };
}
