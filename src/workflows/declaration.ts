// 申报 (F-2 daily, F-3 special): submit the selected items, then wait for the bureau's
// asynchronous result and record it.
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { LOOKUP, atBureau, database } from './activity-options';
import type { DeclarationInput, DeclarationView } from '../contracts/declaration';
import { ResultWait } from './result-wait';
import { setBusinessStatus } from './business-status';

/** Bureau answers that end a declaration at submission: retrying cannot change them. */
const FINAL_SUBMIT_ERRORS = ['ITEM_NOT_DECLARABLE', 'UNKNOWN_EMPLOYER'];

export async function declarationWorkflow(input: DeclarationInput): Promise<DeclarationView> {
  const wait = new ResultWait(input.timing);
  const view: DeclarationView = { declarationId: input.declarationId, status: 'submitted', fetches: 0 };
  const current = wait.handleQueries(view, () => view.status === 'submitted' || view.status === 'result_unknown');

  try {
    await atBureau().submitDeclaration({
      declarationId: input.declarationId,
      taxpayerId: input.taxpayerId,
      kind: input.kind,
      itemIds: input.itemIds,
    });
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (!(cause instanceof ApplicationFailure) || !FINAL_SUBMIT_ERRORS.includes(cause.type ?? '')) throw err;
    const result = { status: 'rejected' as const, reason: cause.message, decidedAt: new Date().toISOString() };
    await database.recordDeclarationDecision({ declarationId: input.declarationId, result });
    Object.assign(view, { status: 'rejected', reason: cause.message });
    setBusinessStatus(view.status);
    return current();
  }

  await wait.run(
    async () => {
      const result = await atBureau(LOOKUP).fetchDeclarationResult({ declarationId: input.declarationId }).catch((err: unknown) => {
        if (err instanceof ActivityFailure) return { status: 'pending' as const };
        throw err;
      });
      if (result.status === 'pending') return false;
      await database.recordDeclarationDecision({ declarationId: input.declarationId, result });
      if (result.status === 'accepted') Object.assign(view, { status: 'accepted', serial: result.serial });
      else Object.assign(view, { status: 'rejected', reason: result.reason });
      setBusinessStatus(view.status);
      return true;
    },
    async () => {
      await database.markDeclarationResultUnknown({ declarationId: input.declarationId });
      view.status = 'result_unknown';
      setBusinessStatus(view.status);
    },
  );
  return current();
}
