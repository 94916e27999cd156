// The employers' assessed fee items (应征费款信息) as the bureau last gave them. Every download is
// kept for KEPT_MS, so declaring right after one (the operator has just downloaded the items to
// choose, or declares one item after another) checks F-2.8 against it instead of downloading all
// the employer's items again. A kept download can be stale in one way that matters: an item the
// bureau has since revoked, found not normal or seen declared elsewhere passes the check. The
// bureau refuses such an item when the workflow submits it (ITEM_NOT_DECLARABLE, with the F-2.8
// reason), and the workflow records that as the declaration's rejection, which frees the items.
// Whatever a kept download would refuse is checked again against a fresh one before refusing.
import type { BureauClient } from '../bureau/client';
import type { DeclarationKind, FeeItem } from '../domain/fee-items';
import type { Services } from './context';

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
