// The batch declaration (批量申报) as the code before the bureau-paced batch ran it, kept for the
// runs started then (BUREAU_PACED_BATCH_PATCH in ./batch-declaration.ts): each employer is handled
// until its declaration is decided. tests/replay/legacy/ holds histories of it.
import { ChildWorkflowFailure, continueAsNew, sleep, type ChildWorkflowHandle } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { BatchCarry, BatchDeclarationInput, BatchDeclarationResult } from '../contracts/batch';
import { failedDeclaration, isFinalDeclarationStatus, type BatchReason } from '../domain/batch';
import type { DeclarationStatus } from '../domain/declaration';
import type { DeclarationInput, DeclarationView } from '../contracts/declaration';
import type { BureauActivities } from '../activities';
import { database } from './activity-options';

type BatchPreparation = Awaited<ReturnType<BureauActivities['prepareBatchDeclaration']>>;
type Declare = Extract<BatchPreparation, { action: 'declare' }>;

/** What the batch workflow lends its legacy run: its input and counts, and its steps. */
export interface BatchSteps {
  input: BatchDeclarationInput;
  carry: BatchCarry;
  handleRange(handle: (n: number) => Promise<void>): Promise<number>;
  prepare(n: number): Promise<BatchPreparation | null>;
  fail(n: number, reason: BatchReason, withdrawDeclaration: boolean): Promise<void>;
  startDeclaration(prepared: Declare): Promise<ChildWorkflowHandle<(input: DeclarationInput) => Promise<DeclarationView>>>;
  finish(): Promise<BatchDeclarationResult>;
}

/** The batch as the code before BUREAU_PACED_BATCH_PATCH ran it: each employer handled until its declaration was decided. */
export async function legacyBatchRun({ input, carry, handleRange, prepare, fail, startDeclaration, finish }: BatchSteps): Promise<BatchDeclarationResult> {
  async function awaitStarted(declarationId: string): Promise<DeclarationStatus | null> {
    for (;;) {
      const status = await database.readDeclarationStatus({ declarationId });
      if (status === null || isFinalDeclarationStatus(status)) return status;
      await sleep(`${Math.max(1, input.timing.pollMaxSeconds)} seconds`);
    }
  }
  const next = await handleRange(async (n) => {
    const prepared = await prepare(n);
    if (prepared === null) {
      carry.failed += 1;
      return;
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
      status = (await (await startDeclaration(prepared)).result()).status;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        status = await awaitStarted(declarationId);
      } else if (err instanceof ChildWorkflowFailure) {
        carry.failed += 1;
        return fail(n, failedDeclaration(err.cause?.message ?? err.message, declarationId), false);
      } else throw err;
    }
    if (status === null) {
      carry.failed += 1;
      return fail(n, { code: 'DECLARATION_FAILED', message: `declaration ${declarationId} is gone although its workflow had started` }, false);
    }
    await database.recordBatchDeclared({ batchId: input.batchId, n, declarationId, status });
    carry.done += 1;
    if (status === 'accepted') carry.accepted += 1;
    else if (status === 'rejected') carry.rejected += 1;
    else carry.resultUnknown += 1;
  });
  carry.cursor = next;
  if (next < input.total) {
    await continueAsNew<(input: BatchDeclarationInput) => Promise<BatchDeclarationResult>>({ ...input, carry: { ...carry, run: carry.run + 1 } });
  }
  return finish();
}
