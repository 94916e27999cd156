// The archiver: copies the histories of workflows that closed since the checkpoint from Temporal
// into our database (src/db/archive.ts), before Temporal's retention deletes them. It works from
// visibility, within the task queue of the worker that runs it, through the worker's client.
import { Context, log } from '@temporalio/activity';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { archiveHistory, archivedRunIds, getCheckpoint, setCheckpoint } from '../db/archive';
import { historyToJSON } from '../worker/history-json';
import { closedSinceQuery } from '../worker/visibility';
import { BusinessStatus, EmployerId, FeePeriod } from '../search-attributes';
import type { ActivityDeps } from './deps';

/** Visibility is eventually consistent: look back this far behind the checkpoint (already archived runs are skipped). */
export const ARCHIVE_LOOKBACK_MS = 10 * 60_000;
/** Histories copied per activity run; the workflow asks again while there are more. */
export const ARCHIVE_BATCH = 200;

export interface ArchiveRound {
  archived: number;
  /** Closed runs still waiting to be archived. */
  more: boolean;
}

export function archiveActivities({ db }: ActivityDeps) {
  return {
    async archiveClosedWorkflows(): Promise<ArchiveRound> {
      const { client, info } = Context.current();
      const checkpoint = await getCheckpoint(db, info.taskQueue);
      const since = new Date((checkpoint?.getTime() ?? 0) - ARCHIVE_LOOKBACK_MS);
      const closed: WorkflowExecutionInfo[] = [];
      for await (const w of client.workflow.list({ query: closedSinceQuery(info.taskQueue, since), pageSize: 1000 })) closed.push(w);
      const done = await archivedRunIds(db, closed.map((w) => w.runId));
      // Oldest first, so the checkpoint only moves past what is archived.
      const todo = closed.filter((w) => !done.has(w.runId) && w.closeTime).sort((a, b) => a.closeTime!.getTime() - b.closeTime!.getTime());
      const batch = todo.slice(0, ARCHIVE_BATCH);
      let archived = 0;
      for (const w of batch) {
        Context.current().heartbeat(archived);
        let history;
        try {
          history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
        } catch (err) {
          // Deleted from Temporal before we came (retention, or by hand): nothing is left to copy.
          if ((err as { code?: number }).code !== 5 /* NOT_FOUND */) throw err;
          log.warn('closed workflow gone before it was archived', { workflowId: w.workflowId, runId: w.runId });
          continue;
        }
        const attrs = w.typedSearchAttributes;
        const stored = await archiveHistory(db, {
          workflowId: w.workflowId,
          runId: w.runId,
          workflowType: w.type,
          status: w.status.name.toLowerCase(),
          taskQueue: info.taskQueue,
          employerId: attrs.get(EmployerId) ?? null,
          period: attrs.get(FeePeriod) ?? null,
          businessStatus: attrs.get(BusinessStatus) ?? null,
          startTime: w.startTime,
          closeTime: w.closeTime!,
          historyLength: history.events?.length ?? 0,
          history: historyToJSON(history),
        });
        if (stored) archived++;
      }
      const last = batch.at(-1)?.closeTime;
      if (last && (!checkpoint || last > checkpoint)) await setCheckpoint(db, info.taskQueue, last);
      return { archived, more: todo.length > batch.length };
    },
  };
}
