// 申报作废 (F-5.3): ask the bureau to void a declaration, then wait for its asynchronous answer
// exactly as a declaration waits for its result (20 s or fetch-now, then polling).
import { ActivityFailure } from '@temporalio/workflow';
import { LOOKUP, atBureau, database } from './activity-options';
import type { DeclarationView, VoidInput } from '../contracts/declaration';
import { ResultWait } from './result-wait';
import { setBusinessStatus } from './business-status';

export async function voidDeclarationWorkflow(input: VoidInput): Promise<DeclarationView> {
  const wait = new ResultWait(input.timing);
  const view: DeclarationView = { declarationId: input.declarationId, status: 'voiding', fetches: 0 };
  const current = wait.handleQueries(view, () => view.status === 'voiding');

  await atBureau().submitVoid({ declarationId: input.declarationId, voidRequestId: input.voidRequestId });
  await wait.run(
    async () => {
      const result = await atBureau(LOOKUP).fetchVoidResult({ voidRequestId: input.voidRequestId }).catch((err: unknown) => {
        if (err instanceof ActivityFailure) return { status: 'pending' as const };
        throw err;
      });
      if (result.status === 'pending') return false;
      await database.recordVoidDecision({ declarationId: input.declarationId, result });
      if (result.status === 'accepted') view.status = 'voided';
      else Object.assign(view, { status: 'void_rejected', reason: result.reason });
      setBusinessStatus(view.status);
      return true;
    },
    // No answer by the deadline: the declaration stays `voiding` until an operator fetches it.
    () => database.noteVoidResultUnknown({ declarationId: input.declarationId }),
  );
  return current();
}
