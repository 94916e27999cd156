// Workflow side of the search attributes (keys in src/contracts/search-attributes.ts): the BusinessStatus
// upsert, only callable in workflow code.
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { BusinessStatus } from '../contracts/search-attributes';

/** The patch that brought the BusinessStatus upserts (see "Replay and workflow changes" in the README). */
export const BUSINESS_STATUS_PATCH = 'business-status-search-attribute';

/**
 * In workflow code only: records the business status for visibility. Deterministic: it upserts
 * only when the value changes, so replaying the same history makes the same commands. Workflows
 * that ran before these upserts existed replay their history without them (`patched`).
 */
export function setBusinessStatus(status: string): void {
  if (!patched(BUSINESS_STATUS_PATCH)) return;
  if (workflowInfo().typedSearchAttributes.get(BusinessStatus) === status) return;
  upsertSearchAttributes([{ key: BusinessStatus, value: status }]);
}
