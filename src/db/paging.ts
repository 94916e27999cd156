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

/** What keyText() writes: a UTC time to the microsecond, years 1 to 9999. */
const KEY_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?Z$/;
/** Ids as the routes accept them (ID_PATTERN): no NUL or other text PostgreSQL would refuse. */
const KEY_ID = /^[A-Za-z0-9_:.-]{1,200}$/;

/**
 * Whether PostgreSQL takes `at` as the timestamptz it says. JavaScript's Date.parse is laxer
 * (2026-02-30 becomes March 2; +275760 years parse), so each part is checked by hand.
 */
function isKeyTime(at: string): boolean {
  const m = KEY_TIME.exec(at);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return day >= 1 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The key a cursor carries, or undefined when it is not one of ours (whatever PostgreSQL would refuse included). */
export function decodeCursor(cursor: string): PageKey | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string') return undefined;
    if (!isKeyTime(value[0]) || !KEY_ID.test(value[1])) return undefined;
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
