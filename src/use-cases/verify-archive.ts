// The auditor's check of the archive (GET /api/audit/archive/verify): the archived histories
// against the hashes the audit chain recorded, and every workflow our records started against
// the histories that exist, so a workflow deleted from Temporal before it was archived is
// reported instead of passing unseen.
import { WorkflowNotFoundError } from '@temporalio/client';
import { unarchivedWorkflows, verifyArchive, type ArchiveCheck } from '../db/archive';
import { lostHistories } from '../domain/archive';
import type { Services } from './context';

/** Describes asked of Temporal at once: only the not-yet-archived workflows are asked about. */
const DESCRIBE_CONCURRENCY = 16;

export interface ArchiveAndRecordsCheck extends ArchiveCheck {
  /** Started workflows not archived yet, each looked up in Temporal. */
  inTemporal: number;
}

export async function verifyArchiveAndRecords({ db, temporal }: Pick<Services, 'db' | 'temporal'>): Promise<ArchiveAndRecordsCheck> {
  const check = await verifyArchive(db);
  const unarchived = await unarchivedWorkflows(db);
  const present = new Set<string>();
  let next = 0;
  const lookUp = async () => {
    while (next < unarchived.length) {
      const { workflowId } = unarchived[next++]!;
      try {
        await temporal.workflow.getHandle(workflowId).describe();
        present.add(workflowId);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: DESCRIBE_CONCURRENCY }, lookUp));
  const lost = lostHistories(unarchived, present);
  return { ...check, intact: check.intact && lost.length === 0, problems: [...check.problems, ...lost], inTemporal: present.size };
}
