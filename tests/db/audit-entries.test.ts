// An audit entry written by its state change's own statement (`auditing`, `audited`) stands or
// falls with that change: a failed change, a change that changed nothing or a transaction rolled
// back later leaves no entry. On both drivers, as the service runs on both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asc, eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { appendAudit, audited, auditing, queryAudit, verifyAuditLog } from '../../src/db/audit';
import { openDatabase, type Database } from '../../src/db/client';
import { recordDecision } from '../../src/db/declarations';
import { auditLog, declarations, employers } from '../../src/db/schema';
import { withDatabase } from '../support/global-setup';

const name = `${inject('templateDatabase').replace(/_tpl$/, '')}_audit_entries`;
const pgliteDir = mkdtempSync(path.join(tmpdir(), 'sifee-audit-entries-'));
const drivers: Record<'postgres' | 'pglite', Database> = {} as never;

beforeAll(async () => {
  const admin = postgres(inject('adminDatabaseUrl'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}" template "${inject('templateDatabase')}"`);
  await admin.end();
  drivers.postgres = await openDatabase({ url: withDatabase(inject('adminDatabaseUrl'), name), dataDir: '' });
  drivers.pglite = await openDatabase({ dataDir: pgliteDir });
  await drivers.pglite.migrate();
});
afterAll(async () => {
  await drivers.postgres?.close();
  await drivers.pglite?.close();
  rmSync(pgliteDir, { recursive: true, force: true });
});

const employer = (id: string) => ({ id, taxpayerId: `T-${id}`, unitNumber: 'U1', name: 'n', taxOfficeCode: 'c', taxOfficeName: 'o' });

describe.each(['postgres', 'pglite'] as const)('audit entries in the change’s statement (%s)', (driver) => {
  const actions = async () => (await drivers[driver].db.select({ action: auditLog.action, subject: auditLog.subject }).from(auditLog).orderBy(asc(auditLog.seq))).map((r) => `${r.action} ${r.subject}`);

  it('writes an insert’s entry with it, and none when the insert or its transaction fails', async () => {
    const db = drivers[driver].db;
    const [row] = await db.transaction((tx) =>
      tx.with(auditing(tx, { actor: 'test', action: 'employer.added', subject: 'A1', detail: { n: 1 } })).insert(employers).values(employer('A1')).returning(),
    );
    expect(row!.id).toBe('A1');
    expect(row!.createdAt).toBeInstanceOf(Date);
    // The same id again: the insert fails, and its entry with it.
    await expect(db.transaction((tx) => tx.with(auditing(tx, { actor: 'test', action: 'employer.again', subject: 'A1' })).insert(employers).values(employer('A1')))).rejects.toThrow();
    // The insert succeeds but the transaction fails after it: neither stays.
    await expect(
      db.transaction(async (tx) => {
        await tx.with(auditing(tx, { actor: 'test', action: 'employer.added', subject: 'A2' })).insert(employers).values(employer('A2'));
        await tx.execute(sql`select 1/0`);
      }),
    ).rejects.toThrow();
    expect(await db.select({ id: employers.id }).from(employers).where(eq(employers.id, 'A2'))).toEqual([]);
    expect(await actions()).toEqual(['employer.added A1']);
  });

  it('writes a conditional change’s entries only if it changed a row, and none when its transaction fails', async () => {
    const db = drivers[driver].db;
    const rename = (id: string, to: string) => db.update(employers).set({ name: to }).where(eq(employers.id, id)).returning({ id: employers.id });
    expect(await audited(db, rename('nobody', 'x'), { actor: 'test', action: 'employer.renamed', subject: 'nobody' })).toBe(false);
    expect(
      await audited(db, rename('A1', 'renamed'), { actor: 'test', action: 'employer.renamed', subject: 'A1', detail: { to: 'renamed' } }, { actor: 'test', action: 'employer.checked', subject: 'A1' }),
    ).toBe(true);
    await expect(
      db.transaction(async (tx) => {
        expect(await audited(tx, tx.update(employers).set({ name: 'lost' }).where(eq(employers.id, 'A1')).returning({ id: employers.id }), { actor: 'test', action: 'employer.renamed', subject: 'A1' })).toBe(true);
        throw new Error('a later step failed');
      }),
    ).rejects.toThrow('a later step failed');
    // A change that fails (a name cannot be null) writes no entry.
    await expect(audited(db, sql`update employers set name = null where id = 'A1' returning id`, { actor: 'test', action: 'employer.renamed', subject: 'A1' })).rejects.toThrow();
    const [row] = await db.select({ name: employers.name }).from(employers).where(eq(employers.id, 'A1'));
    expect(row!.name).toBe('renamed');
    expect(await actions()).toEqual(['employer.added A1', 'employer.renamed A1', 'employer.checked A1']);
  });

  it('records a decision once: a repeat writes neither the change nor an entry', async () => {
    const db = drivers[driver].db;
    await db.insert(declarations).values({ id: 'D1', employerId: 'A1', kind: 'regular', status: 'submitted', totalFen: 100, workflowId: 'w', declaredBy: 'test' });
    const decision = { status: 'accepted' as const, serial: 'S1', decidedAt: new Date().toISOString() };
    expect(await recordDecision(db, 'D1', decision)).toBe(true);
    expect(await recordDecision(db, 'D1', decision)).toBe(false);
    expect((await actions()).filter((a) => a.startsWith('declaration.'))).toEqual(['declaration.accepted D1']);
  });

  it('chains the entries as they were given, next to those appended as statements of their own', async () => {
    const db = drivers[driver].db;
    await appendAudit(db, { actor: 'test', action: 'employer.noted', subject: 'A1', detail: { list: [1, 'two', null], nested: { z: 1, a: true } } });
    const verdict = await verifyAuditLog(db);
    expect(verdict).toMatchObject({ intact: true, checked: 5 });
    const rows = await queryAudit(db, { limit: 10 });
    expect(rows.map((r) => r.detail)).toEqual([{ n: 1 }, { to: 'renamed' }, {}, expect.objectContaining({ status: 'accepted', serial: 'S1' }), { list: [1, 'two', null], nested: { z: 1, a: true } }]);
  });
});
