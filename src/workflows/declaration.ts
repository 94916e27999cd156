// 申报 (F-2 daily, F-3 special): submit the selected items, then wait for the bureau's
// asynchronous result and record it.
import { ActivityFailure, ApplicationFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { DeclarationTiming } from '../config';
import type { DeclarationKind } from '../domain/fee-items';
import type { Activities } from '../activities';
import { declarationStateQuery, fetchResultNowUpdate, type DeclarationView } from './messages';
import { ResultWait } from './result-wait';

export interface DeclarationInput {
  declarationId: string; // also the bureau's request id, so a resubmission is recognised
  taxpayerId: string;
  kind: DeclarationKind;
  itemIds: string[];
  timing: DeclarationTiming;
}

const bureau = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Fetching the result gives up after a few tries: an unanswered fetch is just "not decided yet",
 * and the wait goes on to its deadline instead of retrying one call forever.
 */
const resultFetch = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** Bureau answers that end a declaration at submission: retrying cannot change them. */
const FINAL_SUBMIT_ERRORS = ['ITEM_NOT_DECLARABLE', 'UNKNOWN_EMPLOYER'];

export async function declarationWorkflow(input: DeclarationInput): Promise<DeclarationView> {
  const wait = new ResultWait(input.timing);
  const view: DeclarationView = { declarationId: input.declarationId, status: 'submitted', fetches: 0 };
  const current = (): DeclarationView => ({ ...view, fetches: wait.fetches, nextFetchAt: wait.nextFetchAt });
  setHandler(declarationStateQuery, current);
  setHandler(fetchResultNowUpdate, async () => {
    if (view.status === 'submitted' || view.status === 'result_unknown') await wait.fetchNow();
    return current();
  });

  try {
    await bureau.submitDeclaration({
      declarationId: input.declarationId,
      taxpayerId: input.taxpayerId,
      kind: input.kind,
      itemIds: input.itemIds,
    });
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (!(cause instanceof ApplicationFailure) || !FINAL_SUBMIT_ERRORS.includes(cause.type ?? '')) throw err;
    const result = { status: 'rejected' as const, reason: cause.message, decidedAt: new Date().toISOString() };
    await bureau.recordDeclarationDecision({ declarationId: input.declarationId, result });
    Object.assign(view, { status: 'rejected', reason: cause.message });
    return current();
  }

  await wait.run(
    async () => {
      const result = await resultFetch.fetchDeclarationResult({ declarationId: input.declarationId }).catch((err: unknown) => {
        if (err instanceof ActivityFailure) return { status: 'pending' as const };
        throw err;
      });
      if (result.status === 'pending') return false;
      await bureau.recordDeclarationDecision({ declarationId: input.declarationId, result });
      if (result.status === 'accepted') Object.assign(view, { status: 'accepted', serial: result.serial });
      else Object.assign(view, { status: 'rejected', reason: result.reason });
      return true;
    },
    async () => {
      await bureau.markDeclarationResultUnknown({ declarationId: input.declarationId });
      view.status = 'result_unknown';
    },
  );
  return current();
}
