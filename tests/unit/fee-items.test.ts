import { describe, expect, it } from 'vitest';
import { EXCLUSION_EXPLANATIONS, exclusionReason, partitionItems, type FeeItem } from '../../src/domain/fee-items';
import { feeItem } from '../support/fee-item';

const base = feeItem('I1');
const today = '2026-11-27';
const none = new Set<string>();

describe('why an item cannot be declared (F-2.8)', () => {
  it('lets a normal, valid, undeclared item through', () => {
    expect(exclusionReason(base, today, none)).toBeNull();
  });

  it('(a) already declared, by the bureau or by a declaration of ours', () => {
    expect(exclusionReason({ ...base, state: 'declared' }, today, none)).toBe('ALREADY_DECLARED');
    expect(exclusionReason(base, today, new Set(['I1']))).toBe('ALREADY_DECLARED');
  });

  it('(b) no normal payment data pushed', () => {
    expect(exclusionReason({ ...base, state: 'not_normal' }, today, none)).toBe('NOT_NORMAL_DATA');
  });

  it('(c) collection order revoked or past its validity', () => {
    expect(exclusionReason({ ...base, state: 'revoked' }, today, none)).toBe('REVOKED');
    expect(exclusionReason({ ...base, validUntil: '2026-11-26' }, today, none)).toBe('EXPIRED');
    expect(exclusionReason({ ...base, validUntil: today }, today, none)).toBeNull();
  });

  it('filters by unit number, agency and period (F-2.2) and explains each exclusion', () => {
    const items: FeeItem[] = [
      base,
      { ...base, itemId: 'I2', period: '2026-09' },
      { ...base, itemId: 'I3', agency: '贵阳市医疗保障局', insuranceType: 'medical' },
      { ...base, itemId: 'I4', state: 'revoked' },
      { ...base, itemId: 'I5', unitNumber: '999' },
    ];
    const result = partitionItems(items, { period: '2026-10', agency: '贵阳市社会保险事业局', unitNumber: '5201001234' }, today, none);
    expect(result.items.map((i) => i.itemId)).toEqual(['I1']);
    expect(result.excluded).toEqual([{ itemId: 'I4', reason: 'REVOKED', explanation: EXCLUSION_EXPLANATIONS.REVOKED }]);
    expect(partitionItems(items, {}, today, none).items).toHaveLength(4);
  });
});
