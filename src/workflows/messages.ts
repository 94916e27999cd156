// Signals, queries and updates of the workflows, as exported constants shared with the API.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DeclarationStatus } from '../domain/declaration';

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
