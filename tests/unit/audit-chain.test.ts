// The audit log's hash chain, checked without a database: an intact chain, and each way of
// tampering (edit, edit and re-hash, delete, insert, reorder) found at the right row.
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, checkChain, entryHash, verifyAuditChain, type AuditRow } from '../../src/db/audit';

/** A well-formed chain of `n` entries at positions 1…n, seq 1…n (or the given seqs, in that order). */
function chain(n: number, seqs: number[] = Array.from({ length: n }, (_, i) => i + 1)): AuditRow[] {
  const rows: AuditRow[] = [];
  let prevHash = GENESIS_HASH;
  for (const [i, seq] of seqs.entries()) {
    const row = {
      seq,
      chainPos: i + 1,
      at: new Date(Date.UTC(2026, 10, 1, 8, 0, seq)),
      actor: seq % 2 ? 'olivia' : 'system',
      action: 'declaration.accepted',
      subject: `D-${seq}`,
      detail: { serial: `S${seq}`, totalFen: seq * 100, nested: { b: 1, a: [seq] } },
      prevHash,
    };
    const hash = entryHash(prevHash, row);
    rows.push({ ...row, hash });
    prevHash = hash;
  }
  return rows;
}

/** Positions 1…n again, as a forger who put a row in or moved one would renumber them. */
function renumber(rows: AuditRow[]): AuditRow[] {
  return rows.map((r, i) => ({ ...r, chainPos: i + 1 }));
}

/** Re-hashes row i so its own hash fits its (changed) content, as a careful forger would. */
function rehash(rows: AuditRow[], i: number): void {
  rows[i] = { ...rows[i]!, hash: entryHash(rows[i]!.prevHash, rows[i]!) };
}

describe('the audit chain check', () => {
  it('finds an intact chain intact, also with gaps in seq left by rolled-back transactions', () => {
    expect(verifyAuditChain([])).toEqual({ intact: true, checked: 0, head: null });
    const rows = chain(6, [1, 2, 4, 5, 9, 10]);
    const verdict = verifyAuditChain(rows);
    expect(verdict).toEqual({ intact: true, checked: 6, head: { seq: 10, hash: rows[5]!.hash } });
  });

  it('finds a chain intact whose seqs are out of order: a transaction that began first committed, and was chained, later', () => {
    const rows = chain(5, [1, 3, 2, 5, 4]);
    expect(verifyAuditChain(rows)).toMatchObject({ intact: true, checked: 5, head: { seq: 4 } });
  });

  it('finds a changed chain position at that row', () => {
    const rows = chain(6);
    rows[3] = { ...rows[3]!, chainPos: 9 };
    expect(verifyAuditChain(rows)).toMatchObject({ intact: false, checked: 3, firstBroken: { seq: 4, chainPos: 9, problem: 'edited' } });
  });

  it('does not depend on the order of keys in the detail (jsonb reorders them)', () => {
    const rows = chain(3);
    rows[1] = { ...rows[1]!, detail: { nested: { a: [2], b: 1 }, totalFen: 200, serial: 'S2' } };
    expect(verifyAuditChain(rows).intact).toBe(true);
  });

  it('finds an edited detail, actor or time at that row', () => {
    for (const edit of [
      (r: AuditRow) => ({ ...r, detail: { ...(r.detail as object), totalFen: 1 } }),
      (r: AuditRow) => ({ ...r, actor: 'mallory' }),
      (r: AuditRow) => ({ ...r, at: new Date(r.at.getTime() + 1) }),
      (r: AuditRow) => ({ ...r, hash: 'f'.repeat(64) }),
    ]) {
      const rows = chain(8);
      rows[4] = edit(rows[4]!);
      const verdict = verifyAuditChain(rows);
      expect(verdict).toMatchObject({ intact: false, checked: 4, firstBroken: { seq: 5, problem: 'edited' } });
    }
  });

  it('finds an edited row that was hashed again: the next row no longer chains to it', () => {
    const rows = chain(8);
    rows[4] = { ...rows[4]!, detail: { forged: true } };
    rehash(rows, 4);
    expect(verifyAuditChain(rows).firstBroken).toMatchObject({ seq: 5, problem: 'edited' });
  });

  it('finds a deleted row, also the first one', () => {
    const rows = chain(8);
    rows.splice(3, 1); // seq 4
    expect(verifyAuditChain(rows)).toMatchObject({ intact: false, checked: 3, firstBroken: { seq: 4, chainPos: 4, problem: 'deleted' } });
    const withoutFirst = chain(5).slice(1);
    expect(verifyAuditChain(withoutFirst).firstBroken).toMatchObject({ seq: 1, problem: 'deleted' });
    const several = chain(10);
    several.splice(2, 3); // seq 3, 4, 5
    expect(verifyAuditChain(several).firstBroken).toMatchObject({ seq: 3, chainPos: 3, problem: 'deleted' });
    expect(verifyAuditChain(several).firstBroken!.detail).toContain('chain position 3–5');
    // Deleted and the rest renumbered to hide the gap: the next row no longer chains to the one before.
    expect(verifyAuditChain(renumber(several)).firstBroken).toMatchObject({ problem: 'edited' });
  });

  it('finds an inserted row, whether its hashes were forged well or not', () => {
    const rows = chain(6, [10, 20, 30, 40, 50, 60]);
    // Forged well: chains to row 30 and hashes right; row 40 still chains to row 30.
    const forged = { seq: 35, chainPos: 0, at: new Date(), actor: 'mallory', action: 'payment.paid', subject: 'P-x', detail: {}, prevHash: rows[2]!.hash };
    const wellForged = renumber([...rows.slice(0, 3), { ...forged, hash: entryHash(forged.prevHash, forged) }, ...rows.slice(3)]);
    expect(verifyAuditChain(wellForged).firstBroken).toMatchObject({ seq: 35, problem: 'inserted' });
    // Forged badly: made-up hashes.
    const badlyForged = renumber([...rows.slice(0, 3), { ...forged, prevHash: 'a'.repeat(64), hash: 'b'.repeat(64) }, ...rows.slice(3)]);
    expect(verifyAuditChain(badlyForged).firstBroken).toMatchObject({ seq: 35, problem: 'inserted' });
  });

  it('finds rows that were reordered (their chain positions swapped)', () => {
    const rows = chain(6);
    const swapped = renumber([rows[0]!, rows[1]!, rows[3]!, rows[2]!, rows[4]!, rows[5]!]);
    expect(verifyAuditChain(swapped).firstBroken).toMatchObject({ seq: 4, chainPos: 3, problem: 'inserted' });
  });

  it('works on links alone, as the database check does a page at a time', () => {
    expect(checkChain([{ seq: 1, pos: 1, prevHash: GENESIS_HASH, hash: 'h1', contentOk: true }, { seq: 2, pos: 2, prevHash: 'h1', hash: 'h2', contentOk: true }])).toMatchObject({ intact: true, checked: 2 });
    expect(checkChain([{ seq: 1, pos: 1, prevHash: GENESIS_HASH, hash: 'h1', contentOk: true }, { seq: 2, pos: 2, prevHash: 'h1', hash: 'h2', contentOk: false }]).firstBroken).toMatchObject({ seq: 2, problem: 'edited' });
  });
});
