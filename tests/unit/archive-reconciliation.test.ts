// The pure parts of the auditor's archive and the reconciliation: retention durations, the
// archive checked against the hashes the audit chain recorded, and a day reconciled with the
// bureau's ledger.
import { describe, expect, it } from 'vitest';
import { checkArchive } from '../../src/domain/archive';
import { parseRetention, retentionFlag } from '../../src/domain/duration';
import { chinaDay } from '../../src/domain/china-time';
import { previousChinaDay, reconcile, type Collection, type OurCollection } from '../../src/domain/reconciliation';
import { loadConfig } from '../../src/config';

describe('TEMPORAL_RETENTION', () => {
  it('defaults to 30 days, takes days or hours, and is written in hours for the Temporal CLI', () => {
    expect(loadConfig({}).temporalRetentionSeconds).toBe(30 * 86400);
    expect(retentionFlag(loadConfig({}).temporalRetentionSeconds)).toBe('720h');
    expect(retentionFlag(parseRetention('3650d'))).toBe('87600h');
    expect(retentionFlag(parseRetention('36h'))).toBe('36h');
    expect(retentionFlag(parseRetention('1.5d'))).toBe('36h');
  });

  it('refuses what Temporal would refuse, and what is not a duration', () => {
    expect(() => parseRetention('12h')).toThrow(/minimum of one day/);
    expect(() => parseRetention('30 days')).toThrow(/TEMPORAL_RETENTION "30 days"/);
    expect(() => loadConfig({ TEMPORAL_RETENTION: '0d' })).toThrow(/minimum/);
  });
});

describe('the archive against the audit chain', () => {
  const a = (workflowId: string, computed: string, stored = computed) => ({ workflowId, runId: `r-${workflowId}`, storedSha256: stored, computedSha256: computed });
  const r = (seq: number, workflowId: string, sha256: string) => ({ seq, workflowId, runId: `r-${workflowId}`, sha256 });

  it('is intact when every history hashes to what was recorded', () => {
    expect(checkArchive([a('w1', 'h1'), a('w2', 'h2')], [r(1, 'w1', 'h1'), r(5, 'w2', 'h2')])).toEqual({ intact: true, checked: 2, problems: [] });
    expect(checkArchive([], [])).toEqual({ intact: true, checked: 0, problems: [] });
  });

  it('names a changed history, a changed stored hash, a removed history and one never recorded', () => {
    const verdict = checkArchive([a('w1', 'edited'), a('w2', 'h2', 'rehashed'), a('w4', 'h4')], [r(1, 'w1', 'h1'), r(2, 'w2', 'h2'), r(3, 'w3', 'h3')]);
    expect(verdict.intact).toBe(false);
    expect(verdict.problems.map((p) => [p.workflowId, p.problem])).toEqual([
      ['w1', 'changed'],
      ['w2', 'changed'],
      ['w3', 'missing'],
      ['w4', 'unrecorded'],
    ]);
    expect(verdict.problems[0]!.detail).toContain('audit entry 1');
  });

  it('tells runs of one workflow apart', () => {
    const run = (runId: string, sha: string) => ({ workflowId: 'batch', runId, storedSha256: sha, computedSha256: sha });
    const verdict = checkArchive([run('a', 'x'), run('b', 'y')], [{ seq: 1, workflowId: 'batch', runId: 'a', sha256: 'x' }, { seq: 2, workflowId: 'batch', runId: 'b', sha256: 'x' }]);
    expect(verdict.problems).toEqual([expect.objectContaining({ runId: 'b', problem: 'changed' })]);
  });
});

describe('reconciliation with the bureau’s ledger', () => {
  const day = '2026-11-28';
  const bureau = (ref: string, amountFen: number, at = '2026-11-28T03:00:00.000Z', kind: Collection['kind'] = 'deduction'): Collection => ({ ref, kind, taxpayerId: 'T1', amountFen, at });
  const ours = (ref: string, amountFen: number, at = '2026-11-28T03:00:01.000Z', kind: Collection['kind'] = 'deduction'): OurCollection => ({ ref, kind, taxpayerId: 'T1', amountFen, at, paymentId: `p-${ref}`, employerId: 'e1' });

  it('a clean day is all matched', () => {
    const r = reconcile(day, [ours('k1', 100), ours('V1', 250, undefined, 'counter_payment')], [bureau('k1', 100), bureau('V1', 250, undefined, 'counter_payment')]);
    expect(r).toMatchObject({ date: day, clean: true, matched: 2, missingHere: 0, missingAtBureau: 0, amountMismatch: 0, bureauTotalFen: 350, ourTotalFen: 350 });
    expect(r.items.every((i) => i.status === 'matched' && i.paymentId !== null)).toBe(true);
  });

  it('finds each kind of discrepancy, discrepancies first', () => {
    const r = reconcile(day, [ours('k1', 100), ours('k2', 300), ours('k3', 90)], [bureau('k1', 100), bureau('k2', 310), bureau('stray', 70)]);
    expect(r).toMatchObject({ clean: false, matched: 1, missingHere: 1, missingAtBureau: 1, amountMismatch: 1 });
    expect(r.items.map((i) => [i.ref, i.status])).toEqual([
      ['k2', 'amountMismatch'],
      ['stray', 'missingHere'],
      ['k3', 'missingAtBureau'],
      ['k1', 'matched'],
    ]);
    expect(r.items[0]).toMatchObject({ ourAmountFen: 300, bureauAmountFen: 310 });
    expect(r.items[1]).toMatchObject({ paymentId: null, ourAmountFen: null });
  });

  it('matches a deduction we recorded just after midnight, and leaves ours of other days alone', () => {
    const lateAtBureau = bureau('k1', 100, '2026-11-28T15:59:59.900Z'); // 23:59:59.9 in China
    const r = reconcile(day, [ours('k1', 100, '2026-11-28T16:00:00.100Z'), ours('k9', 5, '2026-11-29T01:00:00.000Z')], [lateAtBureau]);
    expect(r).toMatchObject({ clean: true, matched: 1, missingAtBureau: 0 });
  });

  it('keys deductions and counter payments apart', () => {
    const r = reconcile(day, [ours('X', 100, undefined, 'counter_payment')], [bureau('X', 100)]);
    expect(r).toMatchObject({ missingHere: 1, missingAtBureau: 1, matched: 0 });
  });

  it('days are China’s', () => {
    expect(chinaDay(new Date('2026-11-28T16:00:00Z'))).toBe('2026-11-29');
    expect(previousChinaDay(new Date('2026-11-28T17:00:00Z'))).toBe('2026-11-28');
    expect(previousChinaDay(new Date('2026-03-01T00:30:00+08:00'))).toBe('2026-02-28');
  });
});
