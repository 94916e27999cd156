// Generated data (seed) and fee item download: realistic, valid, deterministic, paged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BureauEmployer } from '../../src/bureau/contract';
import { INSURANCE_TYPES, type FeeItem } from '../../src/domain/fee-items';
import { checkTaxpayerId } from '../../src/domain/taxpayer-id';
import { startBureau, type TestBureau } from './support';
import { chinaDay } from '../../src/domain/china-time';

const PERIODS = ['2026-10', '2026-11'];
const RATES: Record<string, [number, number]> = {
  pension: [0.16, 0.08],
  medical: [0.08, 0.02],
  unemployment: [0.007, 0.003],
  work_injury: [0.005, 0],
  maternity: [0.008, 0],
};

let bureau: TestBureau;
let employers: BureauEmployer[];
const items = new Map<string, FeeItem[]>(); // all kinds, by taxpayer ID

beforeAll(async () => {
  bureau = await startBureau();
  const seeded = await bureau.admin<{ employers: { taxpayerId: string }[] }>('POST', '/admin/seed', { employers: 6, periods: PERIODS, seed: 7 });
  expect(seeded.status).toBe(200);
  expect(seeded.body.employers).toHaveLength(6);
  employers = (await bureau.admin<{ employers: BureauEmployer[] }>('GET', '/admin/employers')).body.employers;
  for (const e of employers) {
    const regular = await bureau.client.downloadFeeItems(e.taxpayerId, 'regular');
    const special = await bureau.client.downloadFeeItems(e.taxpayerId, 'special');
    items.set(e.taxpayerId, [...regular, ...special]);
  }
});

afterAll(() => bureau.close());

describe('seeded employers', () => {
  it('have valid Unified Social Credit Codes, Guiyang tax offices and the initial password', () => {
    for (const e of employers) {
      expect(checkTaxpayerId(e.taxpayerId)).toEqual({ ok: true, value: e.taxpayerId });
      expect(e.taxpayerId.slice(0, 6)).toBe('915201');
      expect(e.taxOfficeName).toMatch(/^国家税务总局贵阳市.+税务局$/);
      expect(e.name).toMatch(/^贵阳.+有限公司$/);
      expect(e.passwordIsInitial).toBe(true);
      expect(e.agreements).toHaveLength(1);
      expect(e.agreements[0]?.status).toBe('valid');
      expect(e.accounts).toHaveLength(1);
      expect(Number.isSafeInteger(e.balanceFen)).toBe(true);
    }
  });

  it('include unit numbers shorter than 6 characters, to exercise the password padding', () => {
    expect(employers.some((e) => e.unitNumber.length < 6)).toBe(true);
    expect(employers.some((e) => e.unitNumber.length === 10)).toBe(true);
  });

  it('are the same for the same seed', async () => {
    const other = await startBureau();
    try {
      const again = await other.admin<{ employers: { taxpayerId: string }[] }>('POST', '/admin/seed', { employers: 6, periods: PERIODS, seed: 7 });
      expect(again.body.employers.map((e) => e.taxpayerId)).toEqual(employers.map((e) => e.taxpayerId));
    } finally {
      await other.close();
    }
  });
});

describe('seeded fee items', () => {
  it('have the five insurances for every requested period, each normal and valid', () => {
    for (const e of employers) {
      for (const period of PERIODS) {
        const ofPeriod = items.get(e.taxpayerId)!.filter((i) => i.period === period && i.kind === 'regular');
        expect(ofPeriod.map((i) => i.insuranceType).sort()).toEqual([...INSURANCE_TYPES].sort());
        for (const item of ofPeriod) {
          expect(item.state).toBe('normal');
          expect(item.validUntil >= new Date().toISOString().slice(0, 10)).toBe(true);
          expect(item.agency).toBe(item.assessedBy === 'hr' ? '贵阳市社会保险事业局' : '贵阳市医疗保障局');
          expect(item.assessedBy).toBe(['medical', 'maternity'].includes(item.insuranceType) ? 'medical' : 'hr');
        }
      }
    }
  });

  it('are integer fen, amount = employer + employee, parts = base × the rate', () => {
    for (const item of [...items.values()].flat()) {
      for (const fen of [item.baseFen, item.employerFen, item.employeeFen, item.amountFen]) expect(Number.isSafeInteger(fen)).toBe(true);
      expect(item.amountFen).toBe(item.employerFen + item.employeeFen);
      const [employerRate, employeeRate] = RATES[item.insuranceType]!;
      expect(Math.abs(item.employerFen - item.baseFen * employerRate)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(item.employeeFen - item.baseFen * employeeRate)).toBeLessThanOrEqual(0.5);
      const perPerson = item.baseFen / item.headcount;
      expect(perPerson).toBeGreaterThanOrEqual(800_000 * 0.6);
      expect(perPerson).toBeLessThanOrEqual(800_000 * 3);
    }
  });

  it('have unique ids and include special items', () => {
    const all = [...items.values()].flat();
    expect(new Set(all.map((i) => i.itemId)).size).toBe(all.length);
    for (const e of employers) expect(items.get(e.taxpayerId)!.some((i) => i.kind === 'special')).toBe(true);
  });

  it('include every F-2.8 condition: revoked, not normal, declared, and expired', () => {
    const all = [...items.values()].flat();
    const today = chinaDay(new Date()); // the bureau's calendar (UTC+8), a day ahead of UTC from 16:00 UTC
    expect(all.some((i) => i.state === 'revoked')).toBe(true);
    expect(all.some((i) => i.state === 'not_normal')).toBe(true);
    expect(all.some((i) => i.state === 'declared')).toBe(true);
    expect(all.some((i) => i.state === 'normal' && i.validUntil < today)).toBe(true);
  });
});

describe('fee item download', () => {
  it('pages through all items of a kind, with progress', async () => {
    const e = employers[0]!;
    const pages = [];
    for (let page = 1; page <= 4; page++) pages.push(await bureau.client.getFeeItems(e.taxpayerId, 'regular', page, 4));
    const total = pages[0]!.total;
    expect(total).toBeGreaterThan(8);
    const paged = pages.flatMap((p) => p.items);
    expect(paged).toHaveLength(Math.min(total, 16));
    expect(new Set(paged.map((i) => i.itemId)).size).toBe(paged.length);
    expect(pages[0]).toMatchObject({ page: 1, pageSize: 4 });

    const progress: [number, number][] = [];
    const all = await bureau.client.downloadFeeItems(e.taxpayerId, 'regular', (done, of) => progress.push([done, of]));
    expect(all).toHaveLength(total);
    expect(progress.at(-1)).toEqual([total, total]);
    expect(all.every((i) => i.kind === 'regular')).toBe(true);
  });

  it('does not leak internal fields', async () => {
    const [item] = await bureau.client.downloadFeeItems(employers[0]!.taxpayerId, 'regular');
    expect(Object.keys(item!).sort()).toEqual(
      ['itemId', 'kind', 'unitNumber', 'insuranceType', 'agency', 'assessedBy', 'period', 'headcount', 'baseFen', 'employerFen', 'employeeFen', 'amountFen', 'collectionOrder', 'validUntil', 'state'].sort(),
    );
  });

  it('refuses an unknown employer with UNKNOWN_EMPLOYER', async () => {
    await expect(bureau.client.getEmployer('91110000600037341L')).rejects.toMatchObject({ name: 'BureauBusinessError', status: 404, code: 'UNKNOWN_EMPLOYER' });
  });
});

describe('admin employers and assessments', () => {
  it('refuses a taxpayer ID with a wrong check character', async () => {
    const answer = await bureau.admin<{ code: string; message: string }>('POST', '/admin/employers', {
      taxpayerId: '91110000600037341X',
      unitNumber: '1234',
      name: '贵阳错误科技有限公司',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('INVALID_TAXPAYER_ID');
    expect(answer.body.message).toContain('"L"');
  });

  it('pushes new items in a given condition and changes one item', async () => {
    const e = employers[1]!;
    const pushed = await bureau.admin<{ items: FeeItem[] }>('POST', '/admin/assessments', { taxpayerId: e.taxpayerId, period: '2026-12', state: 'revoked' });
    expect(pushed.status).toBe(200);
    expect(pushed.body.items).toHaveLength(5);
    expect(pushed.body.items.every((i) => i.state === 'revoked' && i.period === '2026-12')).toBe(true);

    const special = await bureau.admin<{ items: FeeItem[] }>('POST', '/admin/assessments', { taxpayerId: e.taxpayerId, period: '2026-12', kind: 'special' });
    expect(special.body.items).toMatchObject([{ kind: 'special', state: 'normal' }]);

    const again = await bureau.admin<{ items: FeeItem[] }>('POST', '/admin/assessments', { taxpayerId: e.taxpayerId, period: '2026-12' });
    expect(again.body.items.every((i) => i.state === 'normal')).toBe(true);
    expect(new Set([...pushed.body.items, ...again.body.items].map((i) => i.itemId)).size).toBe(10);

    const expired = await bureau.admin<{ items: FeeItem[] }>('POST', '/admin/assessments', { itemId: again.body.items[0]!.itemId, state: 'expired' });
    expect(expired.body.items[0]!.validUntil < chinaDay(new Date())).toBe(true);
    const renewed = await bureau.admin<{ items: FeeItem[] }>('POST', '/admin/assessments', { itemId: pushed.body.items[0]!.itemId, state: 'normal' });
    expect(renewed.body.items[0]!.state).toBe('normal');
  });
});
