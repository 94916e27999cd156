// Starting a batch declaration 批量申报: one period's regular items declared for many employers at
// once (F-2 for each). The batch, its entries and its workflow's start are recorded in one
// transaction, then the workflow is started; a repeat of the keyed request carries on with the
// batch its first try recorded.
import { HEADCOUNT_WARNING } from '../domain/notices';
import { Problem } from '../domain/problem';
import { batchCounts, getBatch, type BatchRow } from '../db/batches';
import { DEFAULT_BATCH_CONCURRENCY, countBatch, type BatchCounts } from '../domain/batch';
import { batchEmployers, recordDeclarationBatch, type BatchRefusal } from '../temporal/declaration-batches';
import type { Caller, Services } from './context';
import { newWorkId, startWork } from './start-work';

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
  const found = await batchEmployers(services.db, ids);
  if ('refusal' in found) throw refusalProblem(found.refusal);
}

const refusalProblem = (r: BatchRefusal) => new Problem(422, r.code, r.title, r.detail, r.employerIds ? { employerIds: r.employerIds } : {});

/** Starts a batch (a schedule's runs record theirs with the run: src/temporal/scheduled-runs.ts). */
export async function startDeclarationBatch(services: Services, caller: Caller, input: BatchRequest): Promise<StartedBatch> {
  if (input.headcountConfirmed !== true) {
    throw new Problem(422, 'HEADCOUNT_NOT_CONFIRMED', 'Confirm the headcount before declaring', HEADCOUNT_WARNING);
  }
  const { result, workflowStarted } = await startWork(services, caller, {
    subject: 'batch',
    found: async (earlier) => {
      const batch = (await getBatch(services.db, earlier.subjectId))!;
      return { batch, progress: (await batchCounts(services.db, [batch.id])).get(batch.id)! };
    },
    record: async () => {
      const found = await batchEmployers(services.db, input.employerIds);
      if ('refusal' in found) throw refusalProblem(found.refusal);
      const { employerIds } = found;
      // Its start is recorded with it as every batch's is (src/temporal/declaration-batches.ts).
      const batch = await recordDeclarationBatch(services, {
        id: newWorkId(caller, 'B'),
        period: input.period,
        employerIds,
        allEmployers: !input.employerIds,
        concurrency: input.concurrency ?? DEFAULT_BATCH_CONCURRENCY,
        actor: caller.actor,
        requestRef: caller.idempotency?.ref ?? null,
      });
      return { result: { batch, progress: countBatch([{ status: 'pending', weight: employerIds.length }]) }, start: batch.workflowId };
    },
  });
  return { ...result, workflowStarted };
}
