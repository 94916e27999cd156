// Voiding a declaration (申报作废, F-5.3): only an accepted (or void-rejected), unpaid declaration
// with no payment in flight; the declaration moves to `voiding` with the request to start its void
// workflow in one transaction, then the workflow is started. A repeat of a keyed request whose
// first try recorded the void carries on with that void.
import type { DeclarationRecord } from '../db/declarations';
import { VoidRefusedError, startVoid } from '../db/voids';
import { singlePeriod } from '../contracts/search-attributes';
import type { VoidInput } from '../contracts/declaration';
import { Problem } from '../domain/problem';
import type { Caller, Services } from './context';
import { declarationOr404 } from './start-declaration';
import { startWork } from './start-work';
import { WORKFLOW } from '../contracts/workflow-types';

export interface StartedVoid {
  /** The declaration as it is now (voiding, unless the void has already been decided). */
  record: DeclarationRecord;
  voidWorkflowId: string;
  /** false: recorded, and the reconciler starts the void workflow (Temporal did not answer now). */
  workflowStarted: boolean;
}

export async function voidDeclaration(services: Services, caller: Caller, declarationId: string): Promise<StartedVoid> {
  const { result, workflowStarted } = await startWork(services, caller, {
    subject: 'void',
    found: async (earlier) => ({ record: await declarationOr404(services, earlier.subjectId), voidWorkflowId: earlier.workflowId }),
    record: async ({ startWith }) => {
      const record = await declarationOr404(services, declarationId);
      let voidWorkflowId: string;
      try {
        voidWorkflowId = await startVoid(
          services.db,
          record.id,
          caller.actor,
          (n) => `void-${record.id}-${n}`,
          (tx, workflowId) =>
            startWith({
              workflowId,
              workflowType: WORKFLOW.voidDeclarationWorkflow,
              subjectType: 'void',
              subjectId: record.id,
              attributes: { employerId: record.employerId, period: singlePeriod(record.lines.map((l) => l.period)), status: 'voiding' },
              args: [{ declarationId: record.id, voidRequestId: workflowId, timing: services.config.declaration } satisfies VoidInput],
            })(tx),
        );
      } catch (err) {
        if (err instanceof VoidRefusedError) throw new Problem(err.reason === 'NOT_FOUND' ? 404 : 409, err.reason, 'This declaration cannot be voided now', err.message);
        throw err;
      }
      return { result: { record, voidWorkflowId }, start: voidWorkflowId };
    },
  });
  // The declaration as it is now: voiding, unless the void was decided already.
  return { record: await declarationOr404(services, result.record.id), voidWorkflowId: result.voidWorkflowId, workflowStarted };
}
