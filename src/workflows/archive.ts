// The archiver, run by a Temporal Schedule every ARCHIVE_EVERY (and on demand): copies the
// histories of newly closed workflows into our archive, a batch per activity, until none is left.
import { proxyActivities } from '@temporalio/workflow';
import type { DatabaseActivities } from '../activities';
import { ARCHIVE_ROUND } from './activity-options';

const act = proxyActivities<DatabaseActivities>(ARCHIVE_ROUND);

/** Rounds per run; the next scheduled run carries on from the checkpoint. */
const MAX_ROUNDS = 50;

export async function archiveWorkflow(): Promise<{ archived: number }> {
  let archived = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const r = await act.archiveClosedWorkflows();
    archived += r.archived;
    if (!r.more) break;
  }
  return { archived };
}
