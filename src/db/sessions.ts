// Browser sessions, stored by the SHA-256 of their id (the cookie's value): a database copy
// cannot be replayed as a cookie.
import { and, eq, gt, lte } from 'drizzle-orm';
import type { Db } from './client';
import { sessions } from './schema';

export type SessionRow = typeof sessions.$inferSelect;

export async function insertSession(db: Db, row: typeof sessions.$inferInsert): Promise<void> {
  // Expired sessions go as new ones come: the table stays as small as the sessions in use.
  await db.delete(sessions).where(lte(sessions.expiresAt, new Date()));
  await db.insert(sessions).values(row);
}

/** The session with this id hash, if it has not expired. */
export async function findSession(db: Db, idHash: string, now = new Date()): Promise<SessionRow | undefined> {
  const [row] = await db.select().from(sessions).where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now)));
  return row;
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, idHash));
}
