// 批量申报: one period's regular items declared for many employers. For each employer an activity
// prepares the declaration (download, keep the declarable items, insert it under a fixed id), then
// the declaration runs as its own child workflow (F-2.5, F-2.6: it fetches its result by itself
// after the configured wait).
//
// The bureau sets the pace, not the waiting: preparing is a bureau call, queued for the service's
// bureau budget like every other, and at most `concurrency` employers are being prepared at once.
// Their declarations then wait for their results in any number (a waiting declaration is a timer
// in Temporal). Every few seconds the batch records in the database which of them were decided and
// reads its counts from there, where each employer's outcome lives. Every `continueAsNewEvery`
// employers the batch continues as new with its cursor and counts; the declarations still waiting
// are the next run's to settle, from the database.
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  ParentClosePolicy,
  condition,
  continueAsNew,
  patched,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { BureauActivities } from '../activities';
import { failedDeclaration, preparationFailure, runRange, type BatchCounts, type BatchReason } from '../domain/batch';
import { PREPARE_ATTEMPTS, PREPARE_BATCH_ENTRY, atBureau, database } from './activity-options';
import { declarationWorkflow } from './declaration';
import { batchProgressQuery, type BatchCarry, type BatchDeclarationInput, type BatchDeclarationResult, type BatchProgressView } from '../contracts/batch';
import { legacyBatchRun } from './batch-declaration-legacy';
import { setBusinessStatus } from './business-status';
import { startAttributes } from '../contracts/search-attributes';

/**
 * The batch paced by the bureau. Runs of the older code, which waited in the run for every
 * declaration it started, replay without it (`legacyBatchRun`, ./batch-declaration-legacy.ts); see
 * "Replay and workflow changes".
 */
export const BUREAU_PACED_BATCH_PATCH = 'bureau-paced-batch';

/**
 * How often a batch records which of its declarations were decided: every 2 s while that changes
 * something, up to every 30 s while nothing does (results that take long add little history).
 */
const SETTLE_FIRST_MS = 2_000;
const SETTLE_MAX_MS = 30_000;
/** Past its result deadline and this much more, an undecided declaration's workflow is looked up: did it fail? */
const STUCK_AFTER_DEADLINE_SECONDS = 60;

type BatchPreparation = Awaited<ReturnType<BureauActivities['prepareBatchDeclaration']>>;
type Declare = Extract<BatchPreparation, { action: 'declare' }>;

function reasonOf(err: ActivityFailure): BatchReason {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return preparationFailure(cause.type ?? undefined, cause.message, PREPARE_ATTEMPTS);
  // e.g. a timeout: the attempts ran out without an answer
  return preparationFailure(undefined, cause?.message ?? err.message, PREPARE_ATTEMPTS);
}


export async function batchDeclarationWorkflow(input: BatchDeclarationInput): Promise<BatchDeclarationResult> {
  const carry: BatchCarry = input.carry ?? { cursor: 0, run: 1, done: 0, accepted: 0, rejected: 0, resultUnknown: 0, skipped: 0, failed: 0 };
  const handling = new Set<number>(); // employers being prepared (legacy runs: handled until decided)
  let declaring = 0; // declarations started and not yet decided, as last counted
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
      inFlight: [...handling].sort((a, b) => a - b),
      declaring,
      done: carry.done,
      accepted: carry.accepted,
      rejected: carry.rejected,
      resultUnknown: carry.resultUnknown,
      skipped: carry.skipped,
      failed: carry.failed,
      pending: input.total - finished,
    };
  });

  async function fail(n: number, reason: BatchReason, withdrawDeclaration: boolean): Promise<void> {
    await database.recordBatchFailure({ batchId: input.batchId, n, reason, withdrawDeclaration });
  }

  /** Prepares employer `n`; a preparation that gave up fails the employer (answers null). */
  async function prepare(n: number): Promise<BatchPreparation | null> {
    try {
      return await atBureau(PREPARE_BATCH_ENTRY).prepareBatchDeclaration({ batchId: input.batchId, n });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // Given up after a few attempts, or refused by the bureau: this employer fails, the batch goes on.
      await fail(n, reasonOf(err), true);
      return null;
    }
  }

  /**
   * Starts the employer's declaration. ABANDON: it outlives this run when the batch continues as
   * new, is reset or terminated. A declaration workflow that ran already (e.g. the batch was reset)
   * is not run again: the start fails with WorkflowExecutionAlreadyStartedError.
   */
  function startDeclaration(prepared: Declare) {
    return startChild(declarationWorkflow, {
      workflowId: `declaration-${prepared.declarationId}`,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: startAttributes({ employerId: prepared.employerId, period: input.period, status: 'submitted' }),
      args: [{ declarationId: prepared.declarationId, taxpayerId: prepared.taxpayerId, kind: 'regular', itemIds: prepared.itemIds, timing: input.timing }],
    });
  }

  /**
   * Starts a handler per employer of this run's range, at most `concurrency` at once, then waits
   * for them; a handler's unexpected error stops the run (not a business outcome, those are
   * recorded per employer: a bug, so the workflow task retries). Answers where the run stopped.
   */
  async function handleRange(handle: (n: number) => Promise<void>): Promise<number> {
    const range = runRange(carry.cursor, input.total, input.continueAsNewEvery);
    const concurrency = Math.max(1, input.concurrency);
    let next = range.from;
    let stopEarly = false;
    let fatal: unknown;
    while (next < range.to && !stopEarly && fatal === undefined) {
      await condition(() => handling.size < concurrency || fatal !== undefined);
      if (fatal !== undefined) break;
      const n = next++;
      handling.add(n);
      void handle(n)
        .catch((err: unknown) => {
          fatal ??= err;
        })
        .finally(() => handling.delete(n));
      // The server may ask for a fresh history sooner (size or length): start no more here.
      stopEarly = workflowInfo().continueAsNewSuggested;
    }
    await condition(() => handling.size === 0);
    if (fatal !== undefined) throw fatal;
    return next;
  }

  async function finish(): Promise<BatchDeclarationResult> {
    await database.completeDeclarationBatch({ batchId: input.batchId });
    completed = true;
    setBusinessStatus('completed');
    return { batchId: input.batchId, total: input.total, ...carry };
  }

  if (!patched(BUREAU_PACED_BATCH_PATCH)) return legacyBatchRun({ input, carry, handleRange, prepare, fail, startDeclaration, finish });

  // Counts from the database, where every employer's outcome is recorded.
  const counted = (c: BatchCounts) => {
    Object.assign(carry, { done: c.done, accepted: c.accepted, rejected: c.rejected, resultUnknown: c.resultUnknown, skipped: c.skipped, failed: c.failed });
    declaring = c.declaring;
    return c;
  };
  const settle = async () =>
    counted(
      await database.settleBatchDeclarations({
        batchId: input.batchId,
        stuckAfterSeconds: input.timing.resultDeadlineSeconds + STUCK_AFTER_DEADLINE_SECONDS,
      }),
    );
  const finished = () => carry.done + carry.skipped + carry.failed;
  let recordingFailures = 0; // failed declarations of this run being recorded
  let settling = true;
  const settler = (async () => {
    for (let every = SETTLE_FIRST_MS; settling; ) {
      await condition(() => !settling, every);
      if (!settling) break;
      const before = [finished(), declaring];
      await settle();
      every = finished() !== before[0] || declaring !== before[1] ? SETTLE_FIRST_MS : Math.min(2 * every, SETTLE_MAX_MS);
    }
  })();
  /** Once nothing of this run is still being recorded, a fresh run carries on from the cursor. */
  const continueRun = async () => {
    settling = false;
    await settler;
    await condition(() => recordingFailures === 0);
    await continueAsNew<typeof batchDeclarationWorkflow>({ ...input, carry: { ...carry, run: carry.run + 1 } });
  };

  const next = await handleRange(async (n) => {
    const prepared = await prepare(n);
    if (prepared?.action !== 'declare') return; // failed, skipped, or finished before: recorded already
    let child;
    try {
      child = await startDeclaration(prepared);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return; // started before: settled like any other
      throw err;
    }
    // Decided declarations are settled from the database; one whose workflow fails while this run
    // is open fails its employer at once (later failures: see STUCK_AFTER_DEADLINE_SECONDS).
    void child.result().catch(async (err: unknown) => {
      if (!(err instanceof ChildWorkflowFailure)) throw err;
      recordingFailures++;
      try {
        await fail(n, failedDeclaration(err.cause?.message ?? err.message, prepared.declarationId), false);
      } finally {
        recordingFailures--;
      }
    });
  });
  carry.cursor = next;
  if (next < input.total) await continueRun();
  // The last run: every employer is taken up; the batch ends once a settle finds none pending.
  // Results that take long (the bureau's deadline is hours) may fill this history: then a fresh one.
  await condition(() => finished() === input.total || workflowInfo().continueAsNewSuggested);
  if (finished() < input.total) await continueRun();
  settling = false;
  await settler;
  await condition(() => recordingFailures === 0);
  return finish();
}
