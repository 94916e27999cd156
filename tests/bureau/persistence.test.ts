// The state file: the ledger, idempotency keys and pending decisions survive a restart.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BureauLedgerEntry } from '../../src/bureau/contract';
import { addEmployer, decided, declareAccepted, linesOf, startBureau } from './support';

const dir = mkdtempSync(join(tmpdir(), 'bureau-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('state file', () => {
  it('keeps the ledger, idempotency and pending decisions across a restart', async () => {
    const stateFile = join(dir, 'nested', 'bureau-state.json');
    const first = await startBureau({ stateFile, resultDelayMs: 100 });
    const { employer, items } = await addEmployer(first, 1);
    await declareAccepted(first, employer.taxpayerId, items.slice(0, 3), 'p-d1');
    const request = {
      key: 'p-pay',
      taxpayerId: employer.taxpayerId,
      agreementId: employer.agreements[0]!.agreementId,
      lines: linesOf(items.slice(0, 3)),
      amountFen: items.slice(0, 3).reduce((sum, i) => sum + i.amountFen, 0),
    };
    const paid = await first.client.deduct(request);
    // on disk before the answer, not only at close: a crash right now would keep it
    expect(readFileSync(stateFile, 'utf8')).toContain('"key":"p-pay"');
    await first.client.changePassword(employer.taxpayerId, employer.unitNumber.slice(-6), 'n3w-secret');
    // a declaration still pending when the bureau stops
    await first.client.declare({ requestId: 'p-d2', taxpayerId: employer.taxpayerId, kind: 'regular', itemIds: [items[3]!.itemId] });
    await first.close();
    expect(readFileSync(stateFile, 'utf8')).not.toContain('n3w-secret');

    const second = await startBureau({ stateFile, resultDelayMs: 100 });
    try {
      const ledger = (await second.admin<{ entries: BureauLedgerEntry[] }>('GET', '/admin/ledger')).body.entries;
      expect(ledger).toEqual([expect.objectContaining({ key: 'p-pay', kind: 'deduction', amountFen: request.amountFen })]);
      expect(await second.client.deduct(request)).toEqual(paid);
      expect((await second.client.getEmployer(employer.taxpayerId)).balanceFen).toBe(employer.balanceFen - request.amountFen);
      expect(await decided(() => second.client.getDeclarationResult('p-d2'))).toMatchObject({ status: 'accepted' });
      await second.client.verifyPassword(employer.taxpayerId, 'n3w-secret');
      expect((await second.client.getEmployer(employer.taxpayerId)).passwordIsInitial).toBe(false);
    } finally {
      await second.close();
    }
  });

  it('starts empty after /admin/reset, and stays empty after a restart', async () => {
    const stateFile = join(dir, 'reset.json');
    const first = await startBureau({ stateFile });
    await first.admin('POST', '/admin/seed', { employers: 2, periods: ['2026-10'] });
    expect((await first.admin('POST', '/admin/reset')).status).toBe(200);
    await first.close();
    const second = await startBureau({ stateFile });
    try {
      expect((await second.admin<{ employers: unknown[] }>('GET', '/admin/employers')).body.employers).toEqual([]);
    } finally {
      await second.close();
    }
  });
});
