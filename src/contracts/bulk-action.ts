// The bulk action workflow (批量操作) from the month view: what it is started with.
import type { BulkActionKind } from '../domain/bulk-action';

export interface BulkActionInput {
  bulkId: string;
  kind: BulkActionKind;
  period: string;
  total: number; // employers in the action; each one's id is in its database entry
  concurrency: number;
  continueAsNewEvery: number;
  cursor?: number; // set by continue-as-new
}
