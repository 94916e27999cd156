// Starting a batch declaration 批量申报: one period's regular items declared for many employers at
// once (F-2 for each). The batch, its entries and its workflow's start are recorded in one
// transaction, then the workflow is started; a repeat of the keyed request carries on with the
// batch its first try recorded.
import { HEADCOUNT_WARNING } from '../domain/notices';
import { Problem } from '../api/problem';
import type { Transaction } from '../db/audit';
import { batchCounts, getBatch, insertBatch, knownEmployerIds, type BatchRow } from '../db/batches';
import { allEmployerIds } from '../db/employers';
import { DEFAULT_BATCH_CONCURRENCY, DEFAULT_CONTINUE_AS_NEW_EVERY, countBatch, type BatchCounts } from '../domain/batch';
import type { BatchDeclarationInput } from '../workflows/batch-declaration';
import type { Caller, Services } from './context';
import { earlierStart, newWorkId, recordStartOf, startRecorded } from './start-work';

/** Employers in one batch at most; more go into several batches. */
export const MAX_BATCH_EMPLOYERS = 10_000;

export interface BatchRequest {
  period: string;
  /** The employers to declare for; every employer when absent. */
  employerIds?: string[] | undefined;
  /** F-2.4: the operator checked the headcounts. */
  headcountConfirmed: boolean;
  concurrency?: number | undefined;
}

export interface StartedBatch {
  batch: BatchRow;
  progress: BatchCounts;
  /** False when Temporal did not answer: the batch is recorded and the reconciler starts it. */
  workflowStarted: boolean;
}

/** Refuses employer ids not known here (a batch, or a schedule's batches, could not declare for them). */
export async function checkKnownEmployers(services: Services, ids: string[]): Promise<void> {
  const known = await knownEmployerIds(services.db, ids);
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new Problem(422, 'UNKNOWN_EMPLOYERS', 'Some employers are not known here', `add them first (POST /api/employers): ${unknown.slice(0, 20).join(', ')}`, { employerIds: unknown });
  }
}

/** The employers a batch declares for: the listed ones, all known here, or every employer. */
async function batchEmployers(services: Services, listed: string[] | undefined): Promise<string[]> {
  if (listed) {
    await checkKnownEmployers(services, listed);
    return listed;
  }
  const all = await allEmployerIds(services.db);
  if (all.length === 0) throw new Problem(422, 'NO_EMPLOYERS', 'There are no employers to declare for', 'add employers first (POST /api/employers)');
  if (all.length > MAX_BATCH_EMPLOYERS) {
    throw new Problem(422, 'BATCH_TOO_LARGE', 'Too many employers for one batch', `at most ${MAX_BATCH_EMPLOYERS}: list them in several batches with employerIds`);
  }
  return all;
}

/**
 * Starts a batch. `alsoRecord` writes what else stands for it (a schedule's run) in the batch's
 * own transaction: there is never one without the other.
 */
export async function startDeclarationBatch(
  services: Services,
  caller: Caller,
  input: BatchRequest,
  alsoRecord?: (tx: Transaction, batchId: string) => Promise<void>,
): Promise<StartedBatch> {
  if (input.headcountConfirmed !== true) {
    throw new Problem(422, 'HEADCOUNT_NOT_CONFIRMED', 'Confirm the headcount before declaring', HEADCOUNT_WARNING);
  }
  const earlier = await earlierStart(services, caller, 'batch');
  if (earlier) {
    const batch = (await getBatch(services.db, earlier.subjectId))!;
    const counts = await batchCounts(services.db, [batch.id]);
    return { batch, progress: counts.get(batch.id)!, workflowStarted: earlier.started };
  }
  const employerIds = await batchEmployers(services, input.employerIds);

  const id = newWorkId(caller, 'B');
  const workflowId = `declaration-batch-${id}`;
  const concurrency = input.concurrency ?? DEFAULT_BATCH_CONCURRENCY;
  const workflowInput: BatchDeclarationInput = {
    batchId: id,
    period: input.period,
    total: employerIds.length,
    concurrency,
    continueAsNewEvery: DEFAULT_CONTINUE_AS_NEW_EVERY,
    timing: services.config.declaration,
  };
  const recordStart = recordStartOf(services, caller, {
    workflowId,
    workflowType: 'batchDeclarationWorkflow',
    subjectType: 'batch',
    subjectId: id,
    attributes: { period: input.period, status: 'running' },
    args: [workflowInput],
  });
  const batch = await insertBatch(
    services.db,
    { id, period: input.period, employerIds, allEmployers: !input.employerIds, concurrency, workflowId, actor: caller.actor },
    async (tx) => {
      await recordStart(tx);
      await alsoRecord?.(tx, id);
    },
  );
  const workflowStarted = await startRecorded(services, caller, workflowId);
  return { batch, progress: countBatch([{ status: 'pending', weight: employerIds.length }]), workflowStarted };
}
