// 批量操作 from the month view: for each employer of the action, pay the period's accepted lines by
// its agreement (an activity records and starts the payment, as one payment is recorded and
// started), or print its certificate (the certificate workflow, as a child). At most
// `concurrency` employers at once; each employer's outcome is recorded in the database, where the
// report is read. Every `continueAsNewEvery` employers the action continues as new from its cursor.
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  executeChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { runRange } from '../domain/batch';
import type { BulkActionInput } from '../contracts/bulk-action';
import type { BulkReason } from '../domain/bulk-action';
import { certificateWorkflowId } from '../domain/certificates';
import { startAttributes } from '../contracts/search-attributes';
import { PAY_BULK_ENTRY, atBureau, database } from './activity-options';
import { certificateWorkflow } from './certificate';
import { setBusinessStatus } from './business-status';

/** The refusals of the certificate workflow that mean "nothing to print here" rather than a fault. */
const NOT_PRINTABLE = new Set(['NOTHING_PAID', 'NOT_PAID', 'ALREADY_PRINTED']);

function reasonOf(err: ActivityFailure | ChildWorkflowFailure): BulkReason {
  const cause = err.cause;
  const code = cause instanceof ApplicationFailure && cause.type ? cause.type : 'FAILED';
  return { code, message: cause?.message ?? err.message };
}

export async function bulkActionWorkflow(input: BulkActionInput): Promise<void> {

  async function pay(n: number): Promise<void> {
    try {
      await atBureau(PAY_BULK_ENTRY).payBulkEntry({ bulkId: input.bulkId, n });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      await database.recordBulkEntry({ bulkId: input.bulkId, n, status: 'failed', reason: reasonOf(err) });
    }
  }

  async function print(n: number): Promise<void> {
    const step = await database.prepareBulkPrint({ bulkId: input.bulkId, n });
    if (step.action === 'finished') return;
    const { certificateId } = step.input;
    try {
      await executeChild(certificateWorkflow, {
        workflowId: certificateWorkflowId(certificateId),
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowExecutionTimeout: '5 minutes',
        typedSearchAttributes: startAttributes({ employerId: step.input.employerId, period: input.period, status: 'printing' }),
        args: [step.input],
      });
      await database.recordBulkEntry({ bulkId: input.bulkId, n, status: 'done', subjectId: certificateId });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // Started by an earlier run of this action (a reset): done if it printed, else its failure stands.
        if ((await database.prepareBulkPrint({ bulkId: input.bulkId, n })).action === 'finished') return;
        const reason = { code: 'PRINT_FAILED', message: `an earlier run of this action started the print and it did not finish: see workflow ${certificateWorkflowId(certificateId)}` };
        return database.recordBulkEntry({ bulkId: input.bulkId, n, status: 'failed', reason });
      }
      if (!(err instanceof ChildWorkflowFailure)) throw err;
      const reason = reasonOf(err);
      await database.recordBulkEntry({ bulkId: input.bulkId, n, status: NOT_PRINTABLE.has(reason.code) ? 'skipped' : 'failed', reason });
    }
  }

  const handle = input.kind === 'pay' ? pay : print;
  const range = runRange(input.cursor ?? 0, input.total, input.continueAsNewEvery);
  const running = new Set<number>();
  let fatal: unknown;
  for (let n = range.from; n < range.to && fatal === undefined; n++) {
    await condition(() => running.size < Math.max(1, input.concurrency) || fatal !== undefined);
    running.add(n);
    void handle(n)
      .catch((err: unknown) => {
        fatal ??= err; // a bug, not a business outcome (those are recorded per employer)
      })
      .finally(() => running.delete(n));
  }
  await condition(() => running.size === 0);
  if (fatal !== undefined) throw fatal;
  if (!range.last) await continueAsNew<typeof bulkActionWorkflow>({ ...input, cursor: range.to });
  await database.completeBulkAction({ bulkId: input.bulkId });
  setBusinessStatus('completed');
}
