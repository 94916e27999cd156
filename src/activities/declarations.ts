// Declaration activities: bureau calls and database writes, nothing more.
import type { DecisionResult } from '../bureau/contract';
import { markResultUnknown, recordDecision } from '../db/declarations';
import type { DeclarationKind } from '../domain/fee-items';
import { callBureau } from './bureau-errors';
import type { ActivityDeps } from './deps';

export function declarationActivities({ db, bureau }: ActivityDeps) {
  return {
    /** Idempotent at the bureau by request id: a retried submission is the same declaration. */
    async submitDeclaration(input: { declarationId: string; taxpayerId: string; kind: DeclarationKind; itemIds: string[] }): Promise<void> {
      await callBureau(() =>
        bureau.declare({ requestId: input.declarationId, taxpayerId: input.taxpayerId, kind: input.kind, itemIds: input.itemIds }),
      );
    },

    async fetchDeclarationResult(input: { declarationId: string }): Promise<DecisionResult> {
      return callBureau(() => bureau.getDeclarationResult(input.declarationId));
    },

    async recordDeclarationDecision(input: { declarationId: string; result: Exclude<DecisionResult, { status: 'pending' }> }): Promise<void> {
      await recordDecision(db, input.declarationId, input.result);
    },

    async markDeclarationResultUnknown(input: { declarationId: string }): Promise<void> {
      await markResultUnknown(db, input.declarationId);
    },
  };
}
