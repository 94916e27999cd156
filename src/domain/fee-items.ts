// Assessed fee items (应征费款信息 / 预处理信息) and why an item can or cannot be declared (F-2.8).
import type { Fen } from './money';

export const DECLARATION_KINDS = ['regular', 'special'] as const; // 日常申报 / 特殊缴费申报
export type DeclarationKind = (typeof DECLARATION_KINDS)[number];

export const INSURANCE_TYPES = ['pension', 'medical', 'unemployment', 'work_injury', 'maternity'] as const;
export type InsuranceType = (typeof INSURANCE_TYPES)[number];

/** Chinese names (险种) as printed on documents. */
export const INSURANCE_NAMES: Record<InsuranceType, string> = {
  pension: '企业职工基本养老保险费',
  medical: '职工基本医疗保险费',
  unemployment: '失业保险费',
  work_injury: '工伤保险费',
  maternity: '生育保险费',
};

/** Where the bureau got the item: HR/social security (人社) or medical insurance (医保). */
export type AssessingBureau = 'hr' | 'medical';

/** The state of an item as the bureau reports it. */
export type BureauItemState =
  | 'normal' // 正常
  | 'declared' // 已申报
  | 'not_normal' // 非正常缴费数据
  | 'revoked'; // 征集单已撤销

export interface FeeItem {
  itemId: string;
  kind: DeclarationKind;
  unitNumber: string; // 单位编号
  insuranceType: InsuranceType;
  agency: string; // 社保经办机构
  assessedBy: AssessingBureau;
  period: string; // 费款所属期, YYYY-MM
  headcount: number; // 缴费人数
  baseFen: Fen; // contribution base of all staff
  employerFen: Fen;
  employeeFen: Fen;
  amountFen: Fen; // employer + employee
  collectionOrder: string; // 征集单号
  validUntil: string; // YYYY-MM-DD, last day the collection order is valid
  state: BureauItemState;
}

export const EXCLUSION_REASONS = ['ALREADY_DECLARED', 'NOT_NORMAL_DATA', 'REVOKED', 'EXPIRED'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/** What F-2.8 tells the operator for each reason. */
export const EXCLUSION_EXPLANATIONS: Record<ExclusionReason, string> = {
  ALREADY_DECLARED: 'already declared (已申报): see the declaration records, or void that declaration first',
  NOT_NORMAL_DATA:
    'the HR/medical insurance bureau pushed no normal payment data for it (人社/医保未推送正常缴费数据): ask the agency',
  REVOKED: 'the collection order was revoked (征集单已撤销): ask the agency to assess it again',
  EXPIRED: 'the collection order is past its validity (征集单已过有效期): ask the agency to assess it again',
};

/**
 * Why an item cannot be declared, or null when it can. `declaredHere` holds items that a
 * declaration of ours still holds (the bureau may not have recorded it yet).
 */
export function exclusionReason(item: FeeItem, today: string, declaredHere: ReadonlySet<string>): ExclusionReason | null {
  if (item.state === 'revoked') return 'REVOKED';
  if (item.state === 'not_normal') return 'NOT_NORMAL_DATA';
  if (item.state === 'declared' || declaredHere.has(item.itemId)) return 'ALREADY_DECLARED';
  if (item.validUntil < today) return 'EXPIRED';
  return null;
}

export interface FeeItemFilter {
  unitNumber?: string | undefined;
  agency?: string | undefined;
  period?: string | undefined;
}

/** F-2.2: filter by unit number, agency and fee period. */
export function matchesFilter(item: FeeItem, filter: FeeItemFilter): boolean {
  return (
    (!filter.unitNumber || item.unitNumber === filter.unitNumber) &&
    (!filter.agency || item.agency === filter.agency) &&
    (!filter.period || item.period === filter.period)
  );
}

export interface Excluded {
  itemId: string;
  reason: ExclusionReason;
  explanation: string;
}

/** Splits downloaded items into the declarable ones and the excluded ones with their reason. */
export function partitionItems(
  items: readonly FeeItem[],
  filter: FeeItemFilter,
  today: string,
  declaredHere: ReadonlySet<string>,
): { items: FeeItem[]; excluded: Excluded[] } {
  const declarable: FeeItem[] = [];
  const excluded: Excluded[] = [];
  for (const item of items) {
    if (!matchesFilter(item, filter)) continue;
    const reason = exclusionReason(item, today, declaredHere);
    if (reason) excluded.push({ itemId: item.itemId, reason, explanation: EXCLUSION_EXPLANATIONS[reason] });
    else declarable.push(item);
  }
  return { items: declarable, excluded };
}

/** A period is a month, YYYY-MM. */
export const PERIOD_PATTERN = '^\\d{4}-(0[1-9]|1[0-2])$';
