// Archives a workflow's history as soon as it closes. The workflow's close interceptor
// (src/workflows/close-interceptor.ts) calls the `archive` sink when a run returns or fails; the
// worker then waits for Temporal to record the close and copies that one history into the archive,
// so a closed workflow is archived within seconds instead of at the archiver's next round. The
// scheduled archiver (src/activities/archive.ts) still sweeps whatever this missed: a worker that
// died in between, a workflow terminated from outside (its code never ran to the end).
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { archiveHistory } from '../db/archive';
import type { Db } from '../db/client';
import { BusinessStatus, EmployerId, FeePeriod } from '../contracts/search-attributes';
import type { ArchiveSinks } from '../contracts/upkeep';
import { historyToJSON } from '../temporal/history-json';
import { ARCHIVER_WORKFLOW_TYPE } from '../temporal/visibility';

/** Copies one closed run into the archive; false when it was archived already or is gone from Temporal. */
type ClosedRun = Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'type' | 'status' | 'typedSearchAttributes' | 'startTime' | 'closeTime'>;

export async function archiveRun(client: Client, db: Db, taskQueue: string, w: ClosedRun): Promise<boolean> {
  let history;
  try {
    history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
  } catch (err) {
    // Deleted from Temporal before we came (retention, or by hand): verify reports it as lost.
    if ((err as { code?: number }).code === 5 /* NOT_FOUND */) return false;
    throw err;
  }
  const attrs = w.typedSearchAttributes;
  return archiveHistory(db, {
    workflowId: w.workflowId,
    runId: w.runId,
    workflowType: w.type,
    status: w.status.name.toLowerCase(),
    taskQueue,
    employerId: attrs.get(EmployerId) ?? null,
    period: attrs.get(FeePeriod) ?? null,
    businessStatus: attrs.get(BusinessStatus) ?? null,
    startTime: w.startTime,
    closeTime: w.closeTime!,
    historyLength: history.events?.length ?? 0,
    history: historyToJSON(history),
  });
}

interface CloseWatcherOptions {
  client: Client;
  db: Db;
  taskQueue: string;
  log: { warn(msg: string, meta: Record<string, unknown>): void };
  /** How often, and how many times, to look whether Temporal has recorded the close. */
  pollMs?: number;
  tries?: number;
}

/** The worker's `archive` sink. A close still being copied when the worker stops is left to the scheduled archiver. */
export function archiveOnClose(opts: CloseWatcherOptions): InjectedSinks<ArchiveSinks> {
  const { client, db, taskQueue, log, pollMs = 500, tries = 20 } = opts;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function archiveWhenClosed(workflowId: string, runId: string): Promise<void> {
    const handle = client.workflow.getHandle(workflowId, runId);
    for (let i = 0; i < tries; i++) {
      await sleep(pollMs);
      const described = await handle.describe();
      if (described.status.name !== 'RUNNING') {
        await archiveRun(client, db, taskQueue, described);
        return;
      }
    }
    // Still running: the close failed (a workflow task error) or is slow; the scheduled archiver sweeps it.
  }

  function closing(info: WorkflowInfo): void {
    if (info.workflowType === ARCHIVER_WORKFLOW_TYPE) return;
    archiveWhenClosed(info.workflowId, info.runId).catch((err: unknown) =>
      log.warn('archive on close failed; the scheduled archiver will copy it', { workflowId: info.workflowId, runId: info.runId, error: String(err) }),
    );
  }

  return { archive: { workflowClosing: { fn: closing, callDuringReplay: false } } };
}
