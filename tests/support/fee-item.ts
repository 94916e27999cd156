import type { FeeItem } from '../../src/domain/fee-items';

/** A normal, valid regular pension item of October 2026; override what a test needs. */
export const feeItem = (itemId: string, over: Partial<FeeItem> = {}): FeeItem => ({
  itemId,
  kind: 'regular',
  unitNumber: '5201001234',
  insuranceType: 'pension',
  agency: '贵阳市社会保险事业局',
  assessedBy: 'hr',
  period: '2026-10',
  headcount: 12,
  baseFen: 96_000_00,
  employerFen: 15_360_00,
  employeeFen: 7_680_00,
  amountFen: 23_040_00,
  collectionOrder: 'ZJ202610000001',
  validUntil: '2026-12-31',
  state: 'normal',
  ...over,
});
