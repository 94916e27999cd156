// Makes sure the server knows our custom search attributes (EmployerId, FeePeriod,
// BusinessStatus) before anything starts a workflow with them: the dev server of `npm start` and
// the tests registers them with `--search-attribute` flags, a server of another kind (compose,
// production) gets them here once.
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_KEYS } from '../contracts/search-attributes';

const KEYWORD = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/** Adds the missing ones; answers their names. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const known = await connection.operatorService.listSearchAttributes({ namespace });
  const existing = { ...(known.customAttributes ?? {}), ...(known.systemAttributes ?? {}) };
  const missing = SEARCH_ATTRIBUTE_KEYS.filter((k) => !(k.name in existing));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, KEYWORD])),
  });
  return missing.map((k) => k.name);
}
