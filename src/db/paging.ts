// Keyset (cursor) paging: a page ends at its last row's sort key (a timestamp and the id that breaks
// ties), and the next page starts strictly after it, so rows inserted meanwhile neither repeat nor
// shift what follows. The cursor is that key as opaque base64url text.
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/** A row's place in a list: its sort timestamp (as PostgreSQL text, to the microsecond) and id. */
export interface PageKey {
  at: string;
  id: string;
}

export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify([key.at, key.id])).toString('base64url');
}

/** The key a cursor carries, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): PageKey | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string') return undefined;
    if (Number.isNaN(Date.parse(value[0]))) return undefined;
    return { at: value[0], id: value[1] };
  } catch {
    return undefined;
  }
}

/** The sort timestamp as exact text: a JS Date keeps milliseconds only, PostgreSQL microseconds. */
export const keyText = (at: AnyPgColumn) => sql<string>`to_char(${at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Rows after the key in the list's order (newest first: `desc`), as one row comparison an index on (at, id) serves. */
export function afterKey(at: AnyPgColumn, id: AnyPgColumn, key: PageKey | undefined, order: 'asc' | 'desc'): SQL | undefined {
  if (!key) return undefined;
  return order === 'desc' ? sql`(${at}, ${id}) < (${key.at}::timestamptz, ${key.id})` : sql`(${at}, ${id}) > (${key.at}::timestamptz, ${key.id})`;
}

/** Asked for limit + 1 rows: the extra one only says there is a next page. */
export function pageOf<T extends { id: string; pageAt: string }>(rows: T[], limit: number): { rows: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last ? encodeCursor({ at: last.pageAt, id: last.id }) : null };
}
