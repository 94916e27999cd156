// The declaration workflows (申报, 申报作废): what they are started with, and what they answer to
// the API (the view, fetch-now).
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DeclarationTiming } from '../config';
import type { DeclarationStatus } from '../domain/declaration';
import type { DeclarationKind } from '../domain/fee-items';

export interface DeclarationInput {
  declarationId: string; // also the bureau's request id, so a resubmission is recognised
  taxpayerId: string;
  kind: DeclarationKind;
  itemIds: string[];
  timing: DeclarationTiming;
}

export interface VoidInput {
  declarationId: string;
  voidRequestId: string; // the bureau's idempotency key for this void
  timing: DeclarationTiming;
}

export interface DeclarationView {
  declarationId: string;
  status: DeclarationStatus;
  serial?: string; // 申报序号, once accepted
  reason?: string; // the bureau's reason, once rejected
  fetches: number; // how often the result was fetched from the bureau
  nextFetchAt?: string; // when the result will be fetched next without an operator asking
}

/** F-2.6 立即获取: fetch the result now; answers the state after that fetch. */
export const fetchResultNowUpdate = defineUpdate<DeclarationView>('fetchResultNow');
export const declarationStateQuery = defineQuery<DeclarationView>('declarationState');
