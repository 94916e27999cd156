// Which of an employer's assessed fee items 应征费款 can be declared now (F-2.1–F-2.3, F-2.8):
// downloaded from the bureau, filtered, and split into declarable and excluded with the reason.
//
// Every download of an employer's items (应征费款信息) is kept for KEPT_MS, so declaring right after one (the operator has just downloaded the items to
// choose, or declares one item after another) checks F-2.8 against it instead of downloading all
// the employer's items again. A kept download can be stale in one way that matters: an item the
// bureau has since revoked, found not normal or seen declared elsewhere passes the check. The
// bureau refuses such an item when the workflow submits it (ITEM_NOT_DECLARABLE, with the F-2.8
// reason), and the workflow records that as the declaration's rejection, which frees the items.
// Whatever a kept download would refuse is checked again against a fresh one before refusing.
import type { BureauClient } from '../bureau/client';
import { heldItemIds } from '../db/declarations';
import type { EmployerRow } from '../db/employers';
import { chinaDay } from '../domain/china-time';
import { partitionItems, type DeclarationKind, type FeeItem, type FeeItemFilter } from '../domain/fee-items';
import type { Services } from './context';
import { openEmployer } from './employer-access';

/** How long a download stands in for the bureau when declaring. */
export const KEPT_MS = 60_000;

interface Kept {
  at: number;
  items: Promise<FeeItem[]>;
}

/** Per bureau client, so two services in one process (tests) never share what their bureaus said. */
const keptByBureau = new WeakMap<BureauClient, Map<string, Kept>>();

function keptOf(bureau: BureauClient): Map<string, Kept> {
  let kept = keptByBureau.get(bureau);
  if (!kept) keptByBureau.set(bureau, (kept = new Map()));
  return kept;
}

/** Downloads the employer's items of this kind from the bureau now, and keeps the download. */
export function downloadFeeItems(services: Pick<Services, 'bureau'>, taxpayerId: string, kind: DeclarationKind): Promise<FeeItem[]> {
  const kept = keptOf(services.bureau);
  const now = Date.now();
  for (const [key, k] of kept) if (now - k.at > KEPT_MS) kept.delete(key);
  const key = `${taxpayerId}\u0000${kind}`;
  const items = services.bureau.downloadFeeItems(taxpayerId, kind);
  const entry = { at: now, items };
  kept.set(key, entry);
  // A failed download is not kept: the next request asks the bureau again.
  items.catch(() => kept.get(key) === entry && kept.delete(key));
  return items;
}

/**
 * The employer's items: a download kept from the last KEPT_MS (one still under way included, so
 * requests arriving together download once), or a new one. `kept` says which.
 */
export async function recentFeeItems(services: Pick<Services, 'bureau'>, taxpayerId: string, kind: DeclarationKind): Promise<{ items: FeeItem[]; kept: boolean }> {
  const k = keptOf(services.bureau).get(`${taxpayerId}\u0000${kind}`);
  if (k && Date.now() - k.at <= KEPT_MS) return { items: await k.items, kept: true };
  return { items: await downloadFeeItems(services, taxpayerId, kind), kept: false };
}

export interface FeeItemQuery extends FeeItemFilter {
  kind: DeclarationKind;
}

/** Downloads the employer's items of one kind (and keeps the download); items our own declarations still hold count as declared. */
export async function loadFeeItems(services: Pick<Services, 'db' | 'bureau'>, employer: EmployerRow, query: FeeItemQuery) {
  const [all, held] = await Promise.all([downloadFeeItems(services, employer.taxpayerId, query.kind), heldItemIds(services.db, employer.id)]);
  return { all, ...partitionItems(all, query, chinaDay(new Date()), held) };
}

/** The items of an employer that may be acted for now (F-1.3, F-1.4). */
export async function employerFeeItems(services: Pick<Services, 'db' | 'bureau'>, employerId: string, query: FeeItemQuery) {
  const employer = await openEmployer(services, employerId);
  return { employer, ...(await loadFeeItems(services, employer, query)) };
}
