// Employers (用人单位) as this service knows them; the bureau remains the source of their data.
import { asc, eq } from 'drizzle-orm';
import { appendAudit } from './audit';
import type { Db } from './client';
import { employers } from './schema';

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
