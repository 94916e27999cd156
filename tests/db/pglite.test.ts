// Both drivers run the same migrations: the embedded PGlite default works like PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client';
import { changePasswordFailures, insertEmployer } from '../../src/db/employers';
import { findSession, insertSession } from '../../src/db/sessions';
import { countAttempt } from '../../src/domain/password';
import { insertDeclaration, ItemsAlreadyDeclaredError } from '../../src/db/declarations';
import type { FeeItem } from '../../src/domain/fee-items';

const item: FeeItem = {
  itemId: 'I-1',
  kind: 'regular',
  unitNumber: '5201000001',
  insuranceType: 'pension',
  agency: '贵阳市社会保险事业局',
  assessedBy: 'hr',
  period: '2026-10',
  headcount: 3,
  baseFen: 2_400_000,
  employerFen: 384_000,
  employeeFen: 192_000,
  amountFen: 576_000,
  collectionOrder: 'ZJ1',
  validUntil: '2027-01-31',
  state: 'normal',
};

describe('embedded PGlite', () => {
  it('applies the migrations, keeps data across a reopen and enforces one declaration per item', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sifee-pglite-'));
    try {
      const first = await openDatabase({ dataDir });
      await first.migrate();
      await insertEmployer(
        first.db,
        { id: 'E1', taxpayerId: '915201146629566696', unitNumber: '5201000001', name: '测试', taxOfficeCode: '1', taxOfficeName: '税务局' },
        'test',
      );
      await insertDeclaration(first.db, { id: 'D1', employerId: 'E1', kind: 'regular', workflowId: 'w1', actor: 'test', items: [item] });
      await expect(
        insertDeclaration(first.db, { id: 'D2', employerId: 'E1', kind: 'regular', workflowId: 'w2', actor: 'test', items: [item] }),
      ).rejects.toBeInstanceOf(ItemsAlreadyDeclaredError);
      await first.close();

      const again = await openDatabase({ dataDir });
      await again.migrate();
      const rows = await again.db.execute(sql`select count(*)::int as n from declarations`);
      expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(1);
      const audit = await again.db.execute(sql`select action from audit_log order by seq`);
      expect((audit as unknown as { rows: { action: string }[] }).rows.map((r) => r.action)).toEqual(['employer.added', 'declaration.submitted']);
      await again.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('counts concurrent password attempts under the row lock, and keeps sessions, like PostgreSQL', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sifee-pglite-'));
    const database = await openDatabase({ dataDir });
    try {
      await database.migrate();
      const now = new Date();
      const tries = await Promise.all(Array.from({ length: 12 }, () => changePasswordFailures(database.db, 'T1', (s) => countAttempt(s, now))));
      expect(tries.filter((t) => t.after !== null)).toHaveLength(5);
      await insertSession(database.db, { idHash: 'h1', actor: 'olivia', keyCheck: 'c1', expiresAt: new Date(Date.now() + 60_000) });
      expect((await findSession(database.db, 'h1'))?.actor).toBe('olivia');
    } finally {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
