// Employers (用人单位) as this service knows them; the bureau remains the source of their data.
import { asc, eq } from 'drizzle-orm';
import { appendAudit } from './audit';
import type { Db } from './client';
import { NO_FAILURES, type PasswordFailures } from '../domain/password';
import { employers, passwordFailures } from './schema';

export type EmployerRow = typeof employers.$inferSelect;

export async function findEmployer(db: Db, id: string): Promise<EmployerRow | undefined> {
  return db.query.employers.findFirst({ where: eq(employers.id, id) });
}

export async function findEmployerByTaxpayerId(db: Db, taxpayerId: string): Promise<EmployerRow | undefined> {
  return db.query.employers.findFirst({ where: eq(employers.taxpayerId, taxpayerId) });
}

export async function listEmployers(db: Db): Promise<EmployerRow[]> {
  return db.select().from(employers).orderBy(asc(employers.createdAt));
}

export async function insertEmployer(db: Db, row: typeof employers.$inferInsert, actor: string): Promise<EmployerRow> {
  return db.transaction(async (tx) => {
    const [created] = await tx.insert(employers).values(row).returning();
    await appendAudit(tx, {
      actor,
      action: 'employer.added',
      subject: row.id,
      detail: { taxpayerId: row.taxpayerId, unitNumber: row.unitNumber, name: row.name },
    });
    return created!;
  });
}

export async function updateEmployer(
  db: Db,
  id: string,
  changes: Partial<Pick<EmployerRow, 'passwordChangeRequired' | 'signedInUntil'>>,
  audit: { actor: string; action: string; detail?: Record<string, unknown> },
): Promise<EmployerRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx.update(employers).set({ ...changes, updatedAt: new Date() }).where(eq(employers.id, id)).returning();
    await appendAudit(tx, { actor: audit.actor, action: audit.action, subject: id, detail: audit.detail ?? {} });
    return row!;
  });
}

export async function readPasswordFailures(db: Db, taxpayerId: string): Promise<PasswordFailures> {
  const [row] = await db.select().from(passwordFailures).where(eq(passwordFailures.taxpayerId, taxpayerId));
  return row ? { failures: row.failures, windowStartedAt: row.windowStartedAt, lockedUntil: row.lockedUntil } : NO_FAILURES;
}

export async function writePasswordFailures(db: Db, taxpayerId: string, state: PasswordFailures): Promise<void> {
  if (state.failures === 0) {
    await db.delete(passwordFailures).where(eq(passwordFailures.taxpayerId, taxpayerId));
    return;
  }
  await db
    .insert(passwordFailures)
    .values({ taxpayerId, ...state })
    .onConflictDoUpdate({ target: passwordFailures.taxpayerId, set: state });
}
