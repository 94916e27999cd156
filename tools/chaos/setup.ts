// Employers for a chaos run, the way an operator gets them ready: seeded at the mock bureau,
// added through the API with their initial password, the password changed, signed in, and
// each period's regular items declared and accepted (F-1, F-2). Then the payments to make.
import type { Rng } from '../../src/bureau/generate';
import { initialPassword } from '../../src/domain/password';
import type { ApiClient, BureauAdmin } from './http';

export const CHAOS_PASSWORD = 'Chaos2026';
/** What a rich employer holds: far more than all its fees. */
export const RICH_BALANCE_FEN = 10_000_000_000;

export interface ReadyEmployer {
  id: string;
  taxpayerId: string;
  poor: boolean; // balance 0 until topped up
  agreementId: string;
  accountId: string | undefined;
  declarationIds: string[];
  payables: { lineId: string; itemId: string; dueFen: number }[];
}

export type VoucherAction = 'pay' | 'void' | 'race' | 'leave';

export interface PlannedPayment {
  n: number;
  employer: ReadyEmployer;
  method: 'three_party' | 'bank_voucher';
  lineIds: string[];
  voucherAction?: VoucherAction;
  account?: { accountId: string } | { bankName: string; accountName: string; accountNumber: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` over `items`, at most `concurrency` at a time. */
/** The API request that pays a planned payment (F-4.2–F-4.6), as the chaos and cluster clients send it. */
export function paymentBody(plan: PlannedPayment) {
  return {
    lineIds: plan.lineIds,
    amountConfirmed: true,
    password: CHAOS_PASSWORD,
    method: plan.method,
    ...(plan.method === 'three_party' ? { agreementId: plan.employer.agreementId } : plan.account ? { account: plan.account } : {}),
  };
}

export async function inPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  return results;
}

export function shuffle<T>(rng: Rng, values: readonly T[]): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The `count` months before this one, oldest first (YYYY-MM). */
export function recentPeriods(count: number, now = new Date()): string[] {
  return Array.from({ length: count }, (_, k) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (count - k), 1));
    return d.toISOString().slice(0, 7);
  });
}

export interface SeededEmployer {
  taxpayerId: string;
  unitNumber: string;
}

/** F-1 via the API: the employer added, its password changed to CHAOS_PASSWORD, signed in; answers its id. */
export async function signedInEmployer(api: ApiClient, { taxpayerId, unitNumber }: SeededEmployer): Promise<string> {
  const added = await api.expect<{ id: string }>(201, 'POST', '/api/employers', { taxpayerId, taxpayerIdConfirm: taxpayerId, unitNumber, password: initialPassword(unitNumber) });
  const base = `/api/employers/${added.id}`;
  await api.expect(200, 'POST', `${base}/password`, { password: initialPassword(unitNumber), newPassword: CHAOS_PASSWORD, newPasswordConfirm: CHAOS_PASSWORD });
  await api.expect(200, 'POST', `${base}/sign-in`, { password: CHAOS_PASSWORD });
  return added.id;
}

/** One employer through F-1 and F-2 via the API; its declared lines are then payable. */
async function readyEmployer(api: ApiClient, seeded: SeededEmployer, periods: readonly string[], poor: boolean): Promise<ReadyEmployer> {
  const { taxpayerId } = seeded;
  const added = { id: await signedInEmployer(api, seeded) };
  const base = `/api/employers/${added.id}`;
  const feeItems = await api.expect<{ items: { itemId: string; period: string }[] }>(200, 'GET', `${base}/fee-items?kind=regular`);
  const declarationIds: string[] = [];
  for (const period of periods) {
    const itemIds = feeItems.items.filter((i) => i.period === period).map((i) => i.itemId);
    if (itemIds.length === 0) throw new Error(`employer ${taxpayerId} has nothing to declare for ${period}`);
    const declared = await api.expect<{ id: string }>(202, 'POST', `${base}/declarations`, { kind: 'regular', itemIds, headcountConfirmed: true });
    declarationIds.push(declared.id);
  }
  for (const id of declarationIds) {
    const until = Date.now() + 120_000;
    for (;;) {
      const d = await api.expect<{ status: string }>(200, 'GET', `/api/declarations/${id}`);
      if (d.status === 'accepted') break;
      if (d.status !== 'submitted' || Date.now() > until) throw new Error(`declaration ${id} of ${taxpayerId} is ${d.status}, not accepted`);
      await sleep(500);
    }
  }
  const { payables } = await api.expect<{ payables: ReadyEmployer['payables'] }>(200, 'GET', `${base}/payables`);
  // F-4.5, F-4.6: the agreements and reported accounts, as the operator sees them.
  const known = await api.expect<{ agreements: { agreementId: string; status: string }[]; accounts: { accountId: string }[] }>(200, 'GET', base);
  const agreement = known.agreements.find((a) => a.status === 'valid');
  if (!agreement) throw new Error(`employer ${taxpayerId} has no valid agreement`);
  return {
    id: added.id,
    taxpayerId,
    poor,
    agreementId: agreement.agreementId,
    accountId: known.accounts[0]?.accountId,
    declarationIds,
    payables: payables.map((p) => ({ lineId: p.lineId, itemId: p.itemId, dueFen: p.dueFen })),
  };
}

export interface SetupRequest {
  api: ApiClient;
  bureau: BureauAdmin;
  rng: Rng;
  seed: number;
  employers: number;
  periods: readonly string[];
  poorShare: number;
  concurrency: number;
}

export async function readyEmployers(r: SetupRequest): Promise<ReadyEmployer[]> {
  const { employers: seeded } = await r.bureau.expectOk<{ employers: SeededEmployer[] }>('POST', '/admin/seed', { employers: r.employers, periods: r.periods, seed: r.seed });
  const poorCount = Math.round(seeded.length * r.poorShare);
  const poor = new Set(shuffle(r.rng, seeded.map((e) => e.taxpayerId)).slice(0, poorCount));
  await inPool(seeded, r.concurrency, (e) =>
    r.bureau.expectOk('PATCH', `/admin/employers/${e.taxpayerId}`, { balanceFen: poor.has(e.taxpayerId) ? 0 : RICH_BALANCE_FEN }),
  );
  return inPool(seeded, r.concurrency, (e) => readyEmployer(r.api, e, r.periods, poor.has(e.taxpayerId)));
}

/** How many employers give enough lines for the payments (1–3 lines each, two on average). */
export function employersNeeded(payments: number, periods: number): number {
  return Math.max(2, Math.ceil((payments * 2.3) / (5 * periods)));
}

export interface PlanRequest {
  rng: Rng;
  employers: readonly ReadyEmployer[];
  threeParty: number;
  vouchers: number;
  voucherPayShare: number;
  voucherVoidShare: number;
  voucherRaceShare: number;
}

/** Splits every employer's lines into payments of 1–3 lines, in a random order. */
export function planPayments(r: PlanRequest): PlannedPayment[] {
  const groups: { employer: ReadyEmployer; lineIds: string[] }[] = [];
  for (const employer of r.employers) {
    const lines = shuffle(r.rng, employer.payables.map((p) => p.lineId));
    while (lines.length > 0) groups.push({ employer, lineIds: lines.splice(0, 1 + Math.floor(r.rng() * 3)) });
  }
  const total = r.threeParty + r.vouchers;
  if (groups.length < total) throw new Error(`only ${groups.length} groups of lines for ${total} payments: add employers or periods`);
  const chosen = shuffle(r.rng, groups).slice(0, total);
  const voucherAt = new Set(shuffle(r.rng, chosen.map((_, i) => i)).slice(0, r.vouchers));
  return chosen.map((g, n) => {
    if (!voucherAt.has(n)) return { n, employer: g.employer, method: 'three_party', lineIds: g.lineIds };
    const x = r.rng();
    const voucherAction: VoucherAction =
      x < r.voucherPayShare ? 'pay' : x < r.voucherPayShare + r.voucherVoidShare ? 'void' : x < r.voucherPayShare + r.voucherVoidShare + r.voucherRaceShare ? 'race' : 'leave';
    // Now the bureau's default account, now a reported one, now one typed in.
    const pick = r.rng();
    const account =
      pick < 0.4 || !g.employer.accountId
        ? undefined
        : pick < 0.7
          ? { accountId: g.employer.accountId }
          : { bankName: '中国建设银行贵阳分行', accountName: '混沌测试账户', accountNumber: `5200${String(100000000 + n)}` };
    return { n, employer: g.employer, method: 'bank_voucher', lineIds: g.lineIds, voucherAction, ...(account ? { account } : {}) };
  });
}
