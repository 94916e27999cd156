// Employers (用人单位) as this service knows them; the bureau remains the source of their data.
import { and, asc, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import { appendAudit } from './audit';
import type { Db } from './client';
import { NO_FAILURES, type PasswordFailures } from '../domain/password';
import { afterKey, keyText, pageOf, type PageKey } from './paging';
import { employers, passwordFailures } from './schema';

export type EmployerRow = typeof employers.$inferSelect;

export async function findEmployer(db: Db, id: string): Promise<EmployerRow | undefined> {
  return db.query.employers.findFirst({ where: eq(employers.id, id) });
}

export async function findEmployerByTaxpayerId(db: Db, taxpayerId: string): Promise<EmployerRow | undefined> {
  return db.query.employers.findFirst({ where: eq(employers.taxpayerId, taxpayerId) });
}

/** The names of these employers, by id (an export's human column). */
export async function employerNames(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: employers.id, name: employers.name }).from(employers).where(inArray(employers.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Every employer's id, oldest first (a batch for all employers). */
export async function allEmployerIds(db: Db): Promise<string[]> {
  return (await db.select({ id: employers.id }).from(employers).orderBy(asc(employers.createdAt), asc(employers.id))).map((r) => r.id);
}

/** What `q` is matched in: name, taxpayer ID and unit number at once (trigram index employers_search_trgm_idx). */
const searchText = sql`lower(${employers.name} || ' ' || ${employers.taxpayerId} || ' ' || ${employers.unitNumber})`;

/** The employers whose name, taxpayer ID or unit number holds `q` (any case); none when no `q`. */
export function employerMatch(q: string | undefined): SQL | undefined {
  if (!q) return undefined;
  return sql`${searchText} like ${`%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`;
}

/** A page of employers, oldest first; `q` finds a part of the name, taxpayer ID or unit number, any case. */
export async function listEmployers(db: Db, f: { q?: string | undefined; after?: PageKey | undefined; limit: number }) {
  const rows = await db
    .select({ ...getTableColumns(employers), pageAt: keyText(employers.createdAt) })
    .from(employers)
    .where(and(employerMatch(f.q), afterKey(employers.createdAt, employers.id, f.after, 'asc')))
    .orderBy(asc(employers.createdAt), asc(employers.id))
    .limit(f.limit + 1);
  return pageOf(rows, f.limit);
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

const asFailures = (row: typeof passwordFailures.$inferSelect | undefined): PasswordFailures =>
  row ? { failures: row.failures, windowStartedAt: row.windowStartedAt, lockedUntil: row.lockedUntil } : NO_FAILURES;

/**
 * Changes an employer's wrong-password count under its row lock, so concurrent changes queue
 * instead of overwriting each other. `change` returns null to leave it as it is.
 */
export async function changePasswordFailures(
  db: Db,
  taxpayerId: string,
  change: (state: PasswordFailures) => PasswordFailures | null,
): Promise<{ before: PasswordFailures; after: PasswordFailures | null }> {
  return db.transaction(async (tx) => {
    await tx.insert(passwordFailures).values({ taxpayerId, ...NO_FAILURES }).onConflictDoNothing();
    const [row] = await tx.select().from(passwordFailures).where(eq(passwordFailures.taxpayerId, taxpayerId)).for('update');
    const before = asFailures(row);
    const after = change(before);
    const stored = after ?? before;
    if (stored.failures === 0) await tx.delete(passwordFailures).where(eq(passwordFailures.taxpayerId, taxpayerId));
    else await tx.update(passwordFailures).set(stored).where(eq(passwordFailures.taxpayerId, taxpayerId));
    return { before, after };
  });
}
