// 批量申报: one period's regular items declared for many employers. For each employer an activity
// prepares the declaration (download, keep the declarable items, insert it under a fixed id), then
// the declaration runs as its own child workflow (F-2.5, F-2.6: it fetches its result by itself
// after the configured wait) and the batch records the outcome. At most `concurrency` employers
// are handled at once; every `continueAsNewEvery` employers the batch continues as new, carrying
// only its cursor and counts (each employer's outcome lives in the database).
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  ParentClosePolicy,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Activities } from '../activities';
import type { DeclarationTiming } from '../config';
import { isFinalDeclarationStatus, preparationFailure, runRange, type BatchReason } from '../domain/batch';
import type { DeclarationStatus } from '../domain/declaration';
import { persistent } from './activity-options';
import { declarationWorkflow } from './declaration';
import { batchProgressQuery, type BatchProgressView } from './messages';
import { setBusinessStatus } from './search-attributes';
import { startAttributes } from '../search-attributes';

/** What a run carries over to the next one: where it stands and how many ended how. */
export interface BatchCarry {
  cursor: number;
  run: number;
  done: number;
  accepted: number;
  rejected: number;
  resultUnknown: number;
  skipped: number;
  failed: number;
}

export interface BatchDeclarationInput {
  batchId: string;
  period: string;
  total: number; // employers in the batch; each one's id is in its database entry
  concurrency: number;
  continueAsNewEvery: number;
  timing: DeclarationTiming; // for each declaration's own wait (F-2.6)
  carry?: BatchCarry; // set by continue-as-new
}

export interface BatchDeclarationResult extends BatchCarry {
  batchId: string;
  total: number;
}

/** Preparing gives up after a few attempts: a bureau that does not answer fails that employer only. */
export const PREPARE_ATTEMPTS = 3;
const prepare = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds', // a page of items is a heartbeat: a lost worker is noticed soon
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: PREPARE_ATTEMPTS },
});

/** Database writes: retried until they succeed (the shared policy of every workflow). */
const record = persistent;

type BatchPreparation = Awaited<ReturnType<Activities['prepareBatchDeclaration']>>;

function reasonOf(err: ActivityFailure): BatchReason {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return preparationFailure(cause.type ?? undefined, cause.message, PREPARE_ATTEMPTS);
  // e.g. a timeout: the attempts ran out without an answer
  return preparationFailure(undefined, cause?.message ?? err.message, PREPARE_ATTEMPTS);
}

export async function batchDeclarationWorkflow(input: BatchDeclarationInput): Promise<BatchDeclarationResult> {
  const carry: BatchCarry = input.carry ?? { cursor: 0, run: 1, done: 0, accepted: 0, rejected: 0, resultUnknown: 0, skipped: 0, failed: 0 };
  const inFlight = new Set<number>();
  let completed = false;
  setHandler(batchProgressQuery, (): BatchProgressView => {
    const finished = carry.done + carry.skipped + carry.failed;
    return {
      batchId: input.batchId,
      status: completed ? 'completed' : 'running',
      period: input.period,
      total: input.total,
      cursor: carry.cursor,
      run: carry.run,
      inFlight: [...inFlight].sort((a, b) => a - b),
      done: carry.done,
      accepted: carry.accepted,
      rejected: carry.rejected,
      resultUnknown: carry.resultUnknown,
      skipped: carry.skipped,
      failed: carry.failed,
      pending: input.total - finished,
    };
  });

  /** Waits for a declaration whose workflow another run started (e.g. after a reset): polls its status. */
  async function awaitStarted(declarationId: string): Promise<DeclarationStatus | null> {
    for (;;) {
      const status = await record.readDeclarationStatus({ declarationId });
      if (status === null || isFinalDeclarationStatus(status)) return status;
      await sleep(`${Math.max(1, input.timing.pollMaxSeconds)} seconds`);
    }
  }

  async function fail(n: number, reason: BatchReason, withdrawDeclaration: boolean): Promise<void> {
    await record.recordBatchFailure({ batchId: input.batchId, n, reason, withdrawDeclaration });
    carry.failed += 1;
  }

  async function handle(n: number): Promise<void> {
    let prepared: BatchPreparation;
    try {
      prepared = await prepare.prepareBatchDeclaration({ batchId: input.batchId, n });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // Given up after a few attempts, or refused by the bureau: this employer fails, the batch goes on.
      return fail(n, reasonOf(err), true);
    }
    if (prepared.action === 'skipped') {
      carry.skipped += 1;
      return;
    }
    if (prepared.action === 'finished') {
      carry[prepared.status === 'failed' ? 'failed' : prepared.status === 'skipped' ? 'skipped' : 'done'] += 1;
      return;
    }

    const { declarationId } = prepared;
    let status: DeclarationStatus | null;
    try {
      // The declaration fetches its own result after the configured wait (F-2.6). ABANDON: it
      // outlives this run when the batch continues as new, is reset or terminated.
      const child = await startChild(declarationWorkflow, {
        workflowId: `declaration-${declarationId}`,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // A declaration workflow that ran already (e.g. the batch was reset) is not run again:
        // starting it fails, and the batch reads the declaration's status instead.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: startAttributes({ employerId: prepared.employerId, period: input.period, status: 'submitted' }),
        args: [{ declarationId, taxpayerId: prepared.taxpayerId, kind: 'regular', itemIds: prepared.itemIds, timing: input.timing }],
      });
      status = (await child.result()).status;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        status = await awaitStarted(declarationId);
      } else if (err instanceof ChildWorkflowFailure) {
        const message = err.cause?.message ?? err.message;
        return fail(n, { code: 'DECLARATION_FAILED', message: `the declaration workflow failed: ${message}; see declaration ${declarationId}` }, false);
      } else throw err;
    }
    if (status === null) {
      return fail(n, { code: 'DECLARATION_FAILED', message: `declaration ${declarationId} is gone although its workflow had started` }, false);
    }
    await record.recordBatchDeclared({ batchId: input.batchId, n, declarationId, status });
    carry.done += 1;
    if (status === 'accepted') carry.accepted += 1;
    else if (status === 'rejected') carry.rejected += 1;
    else carry.resultUnknown += 1;
  }

  const range = runRange(carry.cursor, input.total, input.continueAsNewEvery);
  const concurrency = Math.max(1, input.concurrency);
  let next = range.from;
  let stopEarly = false;
  let fatal: unknown;
  while (next < range.to && !stopEarly && fatal === undefined) {
    await condition(() => inFlight.size < concurrency || fatal !== undefined);
    if (fatal !== undefined) break;
    const n = next++;
    inFlight.add(n);
    void handle(n)
      .catch((err: unknown) => {
        fatal ??= err;
      })
      .finally(() => inFlight.delete(n));
    // The server may ask for a fresh history sooner (size or length): start no more here.
    stopEarly = workflowInfo().continueAsNewSuggested;
  }
  // Every declaration of this run ends before the next run starts: none is in flight across runs.
  await condition(() => inFlight.size === 0);
  // Not a business outcome (those are recorded per employer): a bug; the workflow task retries.
  if (fatal !== undefined) throw fatal;
  carry.cursor = next;

  if (next < input.total) {
    await continueAsNew<typeof batchDeclarationWorkflow>({ ...input, carry: { ...carry, run: carry.run + 1 } });
  }
  await record.completeDeclarationBatch({ batchId: input.batchId });
  completed = true;
  setBusinessStatus('completed');
  return { batchId: input.batchId, total: input.total, ...carry };
}
