// A writer's transaction held open after its audit append: to commit it after later ones.
import { appendAudit, type AuditEntry } from '../../src/db/audit';
import type { Db } from '../../src/db/client';

/** Appends `entry` in a transaction left open until `commit()` (which waits for the commit). */
export async function appendUncommitted(db: Db, entry: AuditEntry): Promise<{ commit(): Promise<void> }> {
  let release!: () => void;
  let appended!: () => void;
  const written = new Promise<void>((resolve) => (appended = resolve));
  const done = db.transaction(async (tx) => {
    await appendAudit(tx, entry);
    appended();
    await new Promise<void>((resolve) => (release = resolve));
  });
  await Promise.race([written, done]);
  return {
    commit() {
      release();
      return done;
    },
  };
}
