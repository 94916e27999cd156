// Batch declaration rules (src/domain/batch.ts): what a batch declares per employer, the reasons it
// gives (F-2.8), the fixed declaration ids, progress counts and where each workflow run ends.
import { describe, expect, it } from 'vitest';
import {
  batchDeclarationId,
  countBatch,
  describeExclusions,
  planBatchDeclaration,
  preparationFailure,
  runRange,
} from '../../src/domain/batch';
import { feeItem } from '../support/fee-item';

const item = feeItem;
const today = '2026-11-27';
const none = new Set<string>();

describe('planBatchDeclaration', () => {
  it('declares every declarable regular item of the period, nothing else', () => {
    const plan = planBatchDeclaration(
      [
        item('A'),
        item('B', { insuranceType: 'medical' }),
        item('C', { period: '2026-09' }), // another period
        item('D', { kind: 'special' }), // special items are not a daily declaration
        item('E', { state: 'revoked' }),
        item('F'),
      ],
      '2026-10',
      today,
      new Set(['F']), // held by a declaration of ours
    );
    expect(plan.action).toBe('declare');
    expect(plan.action === 'declare' && plan.items.map((i) => i.itemId)).toEqual(['A', 'B']);
  });

  it('skips with F-2.8 reasons when every item of the period is excluded', () => {
    const plan = planBatchDeclaration(
      [item('A', { state: 'declared' }), item('B'), item('C', { state: 'not_normal' }), item('D', { validUntil: '2026-11-01' }), item('E', { state: 'revoked' })],
      '2026-10',
      today,
      new Set(['B']),
    );
    expect(plan.action).toBe('skip');
    if (plan.action !== 'skip') return;
    expect(plan.reason.code).toBe('NO_DECLARABLE_ITEMS');
    expect(Object.fromEntries(plan.reason.excluded!.map((e) => [e.itemId, e.reason]))).toEqual({
      A: 'ALREADY_DECLARED',
      B: 'ALREADY_DECLARED',
      C: 'NOT_NORMAL_DATA',
      D: 'EXPIRED',
      E: 'REVOKED',
    });
    expect(plan.reason.message).toContain('2 × already declared');
    expect(plan.reason.message).toContain('征集单已撤销');
  });

  it('skips an employer with no items of the period at all (F-2.8 b)', () => {
    const plan = planBatchDeclaration([item('A', { period: '2026-09' })], '2026-10', today, none);
    expect(plan).toMatchObject({ action: 'skip', reason: { code: 'NO_ITEMS_FOR_PERIOD' } });
    expect(planBatchDeclaration([], '2026-10', today, none)).toMatchObject({ action: 'skip', reason: { code: 'NO_ITEMS_FOR_PERIOD' } });
  });

  it('describes exclusions by reason, with counts', () => {
    const text = describeExclusions('2026-10', [
      { itemId: 'A', reason: 'EXPIRED', explanation: '' },
      { itemId: 'B', reason: 'EXPIRED', explanation: '' },
    ]);
    expect(text).toMatch(/^no declarable regular items for 2026-10: 2 × the collection order is past its validity/);
  });
});

describe('ids, failures, counts, runs', () => {
  it('gives the same declaration id for the same batch and place, different ones otherwise', () => {
    expect(batchDeclarationId('B20261127-ab12cd34', 7)).toBe('B20261127-ab12cd34-00007');
    expect(batchDeclarationId('B20261127-ab12cd34', 7)).toBe(batchDeclarationId('B20261127-ab12cd34', 7));
    expect(batchDeclarationId('B20261127-ab12cd34', 70)).not.toBe(batchDeclarationId('B20261127-ab12cd34', 7));
    expect(batchDeclarationId('B1', 123456)).toBe('B1-123456');
  });

  it('names bureau faults as unavailable, keeps business codes, and labels anything else', () => {
    expect(preparationFailure('BUREAU_UNAVAILABLE', 'GET …: 503', 3)).toMatchObject({ code: 'BUREAU_UNAVAILABLE', message: expect.stringContaining('after 3 attempts') });
    expect(preparationFailure('BUREAU_TIMEOUT', 'no answer', 3).code).toBe('BUREAU_UNAVAILABLE');
    expect(preparationFailure('UNKNOWN_EMPLOYER', '税务机关无此纳税人', 3)).toEqual({ code: 'UNKNOWN_EMPLOYER', message: '税务机关无此纳税人' });
    expect(preparationFailure('Error', 'boom', 3).code).toBe('PREPARATION_FAILED');
    expect(preparationFailure(undefined, 'boom', 3).code).toBe('PREPARATION_FAILED');
  });

  it('counts progress, weighting grouped rows', () => {
    const counts = countBatch([
      { status: 'pending', weight: 3 },
      { status: 'declaring' },
      { status: 'done', declarationStatus: 'accepted', weight: 4 },
      { status: 'done', declarationStatus: 'voided' },
      { status: 'done', declarationStatus: 'rejected' },
      { status: 'done', declarationStatus: 'result_unknown' },
      { status: 'skipped', weight: 2 },
      { status: 'failed' },
    ]);
    expect(counts).toEqual({ total: 14, pending: 4, declaring: 1, done: 7, skipped: 2, failed: 1, accepted: 5, rejected: 1, resultUnknown: 1 });
    expect(countBatch([])).toMatchObject({ total: 0, pending: 0 });
  });

  it('splits a batch into runs of at most `every` employers', () => {
    expect(runRange(0, 200, 50)).toEqual({ from: 0, to: 50, last: false });
    expect(runRange(150, 200, 50)).toEqual({ from: 150, to: 200, last: true });
    expect(runRange(180, 200, 50)).toEqual({ from: 180, to: 200, last: true });
    expect(runRange(0, 3, 0)).toEqual({ from: 0, to: 1, last: false }); // never stuck
  });
});
