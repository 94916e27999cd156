// The `cursor` of a list query, read into the key its page starts after.
import { decodeCursor, type PageKey } from '../db/paging';
import { Problem } from '../domain/problem';

export function pageKey(cursor: string | undefined): PageKey | undefined {
  if (cursor === undefined) return undefined;
  const key = decodeCursor(cursor);
  if (!key) throw new Problem(400, 'CURSOR_INVALID', 'The cursor is not valid', 'pass the `nextCursor` of the previous page unchanged, or no cursor for the first page');
  return key;
}
