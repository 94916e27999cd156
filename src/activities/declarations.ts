// Declaration activities: bureau calls and database writes, nothing more.
import type { DecisionResult } from '../bureau/contract';
import { appendAudit } from '../db/audit';
import { markResultUnknown, recordDecision } from '../db/declarations';
import { recordVoidDecision } from '../db/voids';
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

/** Voids (作废, F-5.3): the same shape as declaring, against the bureau's void requests. */
export function voidActivities({ db, bureau }: ActivityDeps) {
  return {
    async submitVoid(input: { declarationId: string; voidRequestId: string }): Promise<void> {
      await callBureau(() => bureau.requestVoid({ requestId: input.voidRequestId, declarationRequestId: input.declarationId }));
    },

    async fetchVoidResult(input: { voidRequestId: string }): Promise<DecisionResult> {
      return callBureau(() => bureau.getVoidResult(input.voidRequestId));
    },

    async recordVoidDecision(input: { declarationId: string; result: Exclude<DecisionResult, { status: 'pending' }> }): Promise<void> {
      await recordVoidDecision(db, input.declarationId, input.result);
    },

    async noteVoidResultUnknown(input: { declarationId: string }): Promise<void> {
      await db.transaction((tx) => appendAudit(tx, { actor: 'system', action: 'declaration.void_result_unknown', subject: input.declarationId, detail: {} }));
    },
  };
}
