// Deterministic, realistic data for the mock bureau: the same seed gives the same employers and
// fee items, so a failing test or benchmark can be replayed exactly.
import { INSURANCE_TYPES, type AssessingBureau, type DeclarationKind, type FeeItem, type InsuranceType } from '../domain/fee-items';
import type { Fen } from '../domain/money';
import { USCC_ALPHABET, checkCharacter } from '../domain/taxpayer-id';
import type { BureauAccount, BureauAgreement } from './contract';
import { addDays, addMonths, lastDayOf, laterOf } from './calendar';

export type Rng = () => number;

/** mulberry32: tiny, fast, good enough for test data, and reproducible from a 32-bit seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a: a stable seed from a string, so data generated for a given employer is reproducible. */
export function seedFromString(text: string): number {
  let hash = 0x811c9dc5;
  for (const ch of text) hash = Math.imul(hash ^ (ch.codePointAt(0) as number), 0x01000193) >>> 0;
  return hash;
}

function int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

function pick<T>(rng: Rng, values: readonly T[]): T {
  return values[Math.floor(rng() * values.length)] as T;
}

function digits(rng: Rng, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String(int(rng, 0, 9));
  return out;
}

const GUIYANG_DISTRICTS = [
  { code: '02', name: '南明区' },
  { code: '03', name: '云岩区' },
  { code: '11', name: '花溪区' },
  { code: '12', name: '乌当区' },
  { code: '13', name: '白云区' },
  { code: '15', name: '观山湖区' },
] as const;

const NAME_WORDS = ['筑城', '黔灵', '甲秀', '林城', '数博', '黔程', '山海', '远景', '星辰', '鼎盛', '华创', '云岭', '百花', '南明河', '红枫', '金阳'];
const INDUSTRIES = ['科技', '信息技术', '软件', '大数据', '建筑工程', '物流', '商贸', '餐饮管理', '医药', '电子商务', '文化传媒', '环保工程'];
const BANKS = ['中国工商银行贵阳分行', '中国建设银行贵州省分行', '中国农业银行贵阳分行', '中国银行贵阳市分行', '贵阳银行股份有限公司', '贵州银行股份有限公司'];

export const AGENCIES: Record<AssessingBureau, string> = {
  hr: '贵阳市社会保险事业局',
  medical: '贵阳市医疗保障局',
};

const ASSESSED_BY: Record<InsuranceType, AssessingBureau> = {
  pension: 'hr',
  unemployment: 'hr',
  work_injury: 'hr',
  medical: 'medical',
  maternity: 'medical',
};

/** Rates in basis points (1/10000) so parts are computed in integers: DOMAIN-FACTS' typical values. */
const RATES_BP: Record<InsuranceType, { employer: number; employee: number }> = {
  pension: { employer: 1600, employee: 800 },
  medical: { employer: 800, employee: 200 },
  unemployment: { employer: 70, employee: 30 },
  work_injury: { employer: 50, employee: 0 },
  maternity: { employer: 80, employee: 0 },
};

const AVERAGE_WAGE_FEN = 800_000; // 8,000 yuan a month

/** What an employer's assessments are computed from; kept so later pushes stay consistent. */
export interface EmployerProfile {
  headcount: number;
  perPersonBaseFen: Fen;
}

export interface GeneratedEmployer {
  taxpayerId: string;
  unitNumber: string;
  name: string;
  taxOfficeCode: string;
  taxOfficeName: string;
  balanceFen: Fen;
  agreements: BureauAgreement[];
  accounts: BureauAccount[];
  profile: EmployerProfile;
}

/** '91' (enterprise) + Guiyang division + organisation code + the GB 32100 check character. */
function taxpayerIdFor(rng: Rng, districtCode: string): string {
  const orgCode =
    rng() < 0.5 ? digits(rng, 9) : `MA${Array.from({ length: 7 }, () => pick(rng, [...USCC_ALPHABET])).join('')}`;
  const first17 = `915201${districtCode}${orgCode}`;
  return first17 + checkCharacter(first17);
}

/** Mostly 10-digit unit numbers; every fifth one short, to exercise the initial password's padding. */
function unitNumberFor(rng: Rng, short: boolean): string {
  return short ? digits(rng, int(rng, 3, 5)) : `5201${digits(rng, 6)}`;
}

function profileFor(rng: Rng): EmployerProfile {
  const percentOfAverage = int(rng, 60, 300);
  // Bases are set in whole yuan.
  const perPersonBaseFen = Math.round((AVERAGE_WAGE_FEN * percentOfAverage) / 100 / 100) * 100;
  return { headcount: int(rng, 3, 200), perPersonBaseFen };
}

function agreementFor(rng: Rng, taxpayerId: string, name: string): BureauAgreement {
  return {
    agreementId: `${taxpayerId.slice(2, 8)}${digits(rng, 12)}`,
    bankName: pick(rng, BANKS),
    accountName: name,
    accountNumber: `24${digits(rng, 17)}`,
    status: 'valid',
  };
}

function accountFor(rng: Rng, taxpayerId: string, name: string): BureauAccount {
  return { accountId: `${taxpayerId}-1`, bankName: pick(rng, BANKS), accountName: name, accountNumber: `52${digits(rng, 17)}` };
}

/** Roughly what the five insurances cost the employer in a month (employer + employee parts). */
export function monthlyDueFen(profile: EmployerProfile): Fen {
  const base = profile.headcount * profile.perPersonBaseFen;
  return INSURANCE_TYPES.reduce((sum, type) => sum + part(base, RATES_BP[type].employer) + part(base, RATES_BP[type].employee), 0);
}

function part(baseFen: Fen, rateBp: number): Fen {
  return Math.round((baseFen * rateBp) / 10_000);
}

export interface EmployerFields {
  taxpayerId: string;
  unitNumber: string;
  name: string;
  balanceFen?: Fen;
  agreements?: BureauAgreement[];
  accounts?: BureauAccount[];
}

/** Completes an employer given by an operator or a test: what is missing is generated. */
export function completeEmployer(rng: Rng, fields: EmployerFields, months: number): GeneratedEmployer {
  const district = GUIYANG_DISTRICTS.find((d) => d.code === fields.taxpayerId.slice(6, 8)) ?? pick(rng, GUIYANG_DISTRICTS);
  const profile = profileFor(rng);
  // Most employers can pay several months; about one in six cannot, so 余额不足 shows up naturally.
  const coverage = rng() < 1 / 6 ? 0.3 : 3 + rng() * 3;
  return {
    taxpayerId: fields.taxpayerId,
    unitNumber: fields.unitNumber,
    name: fields.name,
    taxOfficeCode: `15201${district.code}0000`,
    taxOfficeName: `国家税务总局贵阳市${district.name}税务局`,
    balanceFen: fields.balanceFen ?? Math.round(monthlyDueFen(profile) * Math.max(1, months) * coverage),
    agreements: fields.agreements ?? [agreementFor(rng, fields.taxpayerId, fields.name)],
    accounts: fields.accounts ?? [accountFor(rng, fields.taxpayerId, fields.name)],
    profile,
  };
}

interface Taken {
  taxpayerIds: ReadonlySet<string>;
  unitNumbers: ReadonlySet<string>;
}

/** A new employer whose taxpayer ID and unit number are not in `taken`. */
export function generateEmployer(rng: Rng, index: number, taken: Taken, months: number): GeneratedEmployer {
  const district = pick(rng, GUIYANG_DISTRICTS);
  let taxpayerId = taxpayerIdFor(rng, district.code);
  while (taken.taxpayerIds.has(taxpayerId)) taxpayerId = taxpayerIdFor(rng, district.code);
  let unitNumber = unitNumberFor(rng, index % 5 === 4);
  while (taken.unitNumbers.has(unitNumber)) unitNumber = unitNumberFor(rng, index % 5 === 4);
  const name = `贵阳${pick(rng, NAME_WORDS)}${pick(rng, INDUSTRIES)}有限公司`;
  return completeEmployer(rng, { taxpayerId, unitNumber, name }, months);
}

/** An item before the state gives it a unique id; `baseId` is readable and usually already unique. */
export type AssessedItem = FeeItem & { taxpayerId: string };

export interface AssessmentTarget {
  taxpayerId: string;
  unitNumber: string;
  profile: EmployerProfile;
}

/** Collection orders (征集单) stay valid three months after the period, and never less than
 * three months from today, so freshly assessed items can be declared whatever the period. */
export function validUntilFor(period: string, today: string): string {
  return laterOf(lastDayOf(addMonths(period, 3)), lastDayOf(addMonths(today.slice(0, 7), 3)));
}

function assessOne(
  rng: Rng,
  target: AssessmentTarget,
  period: string,
  kind: DeclarationKind,
  insuranceType: InsuranceType,
  headcount: number,
  today: string,
): AssessedItem {
  const baseFen = headcount * target.profile.perPersonBaseFen;
  const employerFen = part(baseFen, RATES_BP[insuranceType].employer);
  const employeeFen = part(baseFen, RATES_BP[insuranceType].employee);
  const assessedBy = ASSESSED_BY[insuranceType];
  return {
    itemId: `${target.unitNumber}-${period}-${insuranceType}-${kind}`,
    taxpayerId: target.taxpayerId,
    kind,
    unitNumber: target.unitNumber,
    insuranceType,
    agency: AGENCIES[assessedBy],
    assessedBy,
    period,
    headcount,
    baseFen,
    employerFen,
    employeeFen,
    amountFen: employerFen + employeeFen,
    collectionOrder: `${period.replace('-', '')}5201${digits(rng, 8)}`,
    validUntil: validUntilFor(period, today),
    state: 'normal',
  };
}

/** The monthly items of the five insurances for one period; headcount drifts a little month to month. */
export function assessRegular(rng: Rng, target: AssessmentTarget, period: string, today: string): AssessedItem[] {
  const headcount = Math.max(1, target.profile.headcount + int(rng, -2, 2));
  return INSURANCE_TYPES.map((type) => assessOne(rng, target, period, 'regular', type, headcount, today));
}

/** A special item (特殊缴费): a back payment for a few staff, of pension or medical insurance. */
export function assessSpecial(rng: Rng, target: AssessmentTarget, period: string, today: string): AssessedItem {
  return assessOne(rng, target, period, 'special', pick(rng, ['pension', 'medical'] as const), int(rng, 1, 5), today);
}

/** The conditions F-2.8 explains; `expired` is a normal item whose collection order lapsed. */
export const ANOMALIES = ['revoked', 'not_normal', 'declared', 'expired'] as const;
export type Anomaly = (typeof ANOMALIES)[number];

/** Turns a fresh item into one in the given condition. */
export function applyCondition(item: AssessedItem, condition: Anomaly | 'normal', today: string): AssessedItem {
  if (condition === 'normal') return { ...item, state: 'normal' };
  if (condition === 'expired') return { ...item, state: 'normal', validUntil: addDays(today, -1) };
  return { ...item, state: condition };
}

export interface DataSetRequest {
  employers: number;
  periods: readonly string[];
  seed: number;
  today: string;
  taken: Taken;
}

export interface DataSet {
  employers: GeneratedEmployer[];
  items: AssessedItem[];
}

/**
 * Employers with clean regular items for every requested period and one or two special
 * items. Items in each F-2.8 condition sit in the month before the earliest requested period,
 * so the requested periods stay fully declarable: the first employer always has all four
 * conditions, the others each one with probability 1/4.
 */
export function generateDataSet(request: DataSetRequest): DataSet {
  const rng = mulberry32(request.seed);
  const periods = [...request.periods].sort();
  const earliest = periods[0];
  const taxpayerIds = new Set(request.taken.taxpayerIds);
  const unitNumbers = new Set(request.taken.unitNumbers);
  const employers: GeneratedEmployer[] = [];
  const items: AssessedItem[] = [];
  for (let i = 0; i < request.employers; i++) {
    const employer = generateEmployer(rng, i, { taxpayerIds, unitNumbers }, periods.length);
    taxpayerIds.add(employer.taxpayerId);
    unitNumbers.add(employer.unitNumber);
    employers.push(employer);
    for (const period of periods) items.push(...assessRegular(rng, employer, period, request.today));
    if (earliest === undefined) continue;
    const specials = rng() < 0.5 ? 2 : 1;
    for (let s = 1; s <= specials; s++) items.push(assessSpecial(rng, employer, addMonths(earliest, -6 * s), request.today));
    const history = assessRegular(rng, employer, addMonths(earliest, -1), request.today);
    ANOMALIES.forEach((condition, n) => {
      const item = history[n] as AssessedItem;
      if (i === 0 || rng() < 0.25) items.push(applyCondition(item, condition, request.today));
    });
  }
  return { employers, items };
}
