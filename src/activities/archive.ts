// The archiver: copies the histories of workflows that closed since the checkpoint from Temporal
// into our database (src/db/archive.ts), before Temporal's retention deletes them. Most are
// archived the moment they close (src/worker/archive-on-close.ts); this sweeps the rest. It works
// from visibility, within the task queue of the worker that runs it, through the worker's client.
import { Context } from '@temporalio/activity';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { archivedRunIds, getCheckpoint, setCheckpoint } from '../db/archive';
import { archiveRun } from '../worker/archive-on-close';
import { closedSinceQuery } from '../temporal/visibility';
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
        if (await archiveRun(client, db, info.taskQueue, w)) archived++;
      }
      const last = batch.at(-1)?.closeTime;
      if (last && (!checkpoint || last > checkpoint)) await setCheckpoint(db, info.taskQueue, last);
      return { archived, more: todo.length > batch.length };
    },
  };
}
