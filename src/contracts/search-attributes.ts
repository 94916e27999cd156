// Custom search attributes, so operators and auditors find work in Temporal's visibility (and
// the Temporal UI) by employer, fee period and business status. Registered on the dev server by
// `npm start` and the tests (`--search-attribute`), and by the service at start (see
// src/worker/register-search-attributes.ts). The API sets EmployerId and FeePeriod when it starts a
// workflow; workflows upsert BusinessStatus as their status changes
// (src/workflows/business-status.ts). Kept out of src/workflows so activities, the API and the
// worker use the keys without importing workflow code.
import { SearchAttributeType, defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';

/** Our employer id (employers.id), not the taxpayer id. */
export const EmployerId = defineSearchAttributeKey('EmployerId', SearchAttributeType.KEYWORD);
/** The fee period (费款所属期, YYYY-MM), where one period is concerned. */
export const FeePeriod = defineSearchAttributeKey('FeePeriod', SearchAttributeType.KEYWORD);
/** The status the API shows for the workflow's resource, e.g. `accepted`, `awaiting_retry`. */
export const BusinessStatus = defineSearchAttributeKey('BusinessStatus', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [EmployerId, FeePeriod, BusinessStatus] as const;

/** The `--search-attribute` flags of `temporal server start-dev` for our keys. */
export function searchAttributeFlags(): string[] {
  return SEARCH_ATTRIBUTE_KEYS.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`]);
}

/** What the API sets when it starts a workflow; unknown values are left out. */
export function startAttributes(a: { employerId?: string | null | undefined; period?: string | null | undefined; status?: string | undefined }): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [];
  if (a.employerId) pairs.push({ key: EmployerId, value: a.employerId });
  if (a.period) pairs.push({ key: FeePeriod, value: a.period });
  if (a.status) pairs.push({ key: BusinessStatus, value: a.status });
  return pairs;
}

/** The one period of these, or undefined when there are none or several. */
export function singlePeriod(periods: Iterable<string>): string | undefined {
  const distinct = new Set(periods);
  return distinct.size === 1 ? [...distinct][0] : undefined;
}
