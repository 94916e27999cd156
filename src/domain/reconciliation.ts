// Reconciliation with the bureau's ledger (对账): what the bureau says it collected on a day,
// deductions by their idempotency key and counter payments by voucher number, against the
// payments we recorded as paid.
import type { Fen } from './money';
import { chinaDay } from './china-time';

export type CollectionKind = 'deduction' | 'counter_payment';

/** One collection, on either side. `ref`: the deduction's idempotency key or the voucher number. */
export interface Collection {
  ref: string;
  kind: CollectionKind;
  taxpayerId: string;
  amountFen: Fen;
  at: string; // ISO time
}

/** Ours carry the payment they belong to. */
export interface OurCollection extends Collection {
  paymentId: string;
  employerId: string;
}

export const RECONCILIATION_STATUSES = ['matched', 'missingHere', 'missingAtBureau', 'amountMismatch'] as const;
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];

export interface ReconciliationItem {
  status: ReconciliationStatus;
  ref: string;
  kind: CollectionKind;
  taxpayerId: string;
  paymentId: string | null;
  employerId: string | null;
  ourAmountFen: Fen | null;
  bureauAmountFen: Fen | null;
  ourAt: string | null;
  bureauAt: string | null;
}

export interface Reconciliation extends Record<ReconciliationStatus, number> {
  date: string;
  clean: boolean;
  bureauTotalFen: Fen;
  ourTotalFen: Fen;
  /** Discrepancies first, then by time. */
  items: ReconciliationItem[];
}

/** A reconciliation without its items, as the workflow reports it. */
export type ReconciliationSummary = Omit<Reconciliation, 'items'> & { ranAt: string; ranBy: string };

/** The China day before the one a moment falls in: what the nightly reconciliation checks. */
export function previousChinaDay(at: Date): string {
  return chinaDay(new Date(at.getTime() - 24 * 3600_000));
}

/**
 * `bureau`: the bureau's collections of `date`. `ours`: our collections of that day and the days
 * around it, so one recorded on the other side of midnight still matches; only ours of `date`
 * itself count as missing at the bureau.
 */
export function reconcile(date: string, ours: readonly OurCollection[], bureau: readonly Collection[]): Reconciliation {
  const ourByRef = new Map(ours.map((o) => [`${o.kind}:${o.ref}`, o]));
  const items: ReconciliationItem[] = [];
  const seen = new Set<string>();
  for (const b of bureau) {
    const key = `${b.kind}:${b.ref}`;
    seen.add(key);
    const o = ourByRef.get(key);
    items.push({
      status: !o ? 'missingHere' : o.amountFen === b.amountFen ? 'matched' : 'amountMismatch',
      ref: b.ref,
      kind: b.kind,
      taxpayerId: b.taxpayerId,
      paymentId: o?.paymentId ?? null,
      employerId: o?.employerId ?? null,
      ourAmountFen: o?.amountFen ?? null,
      bureauAmountFen: b.amountFen,
      ourAt: o?.at ?? null,
      bureauAt: b.at,
    });
  }
  for (const o of ours) {
    if (seen.has(`${o.kind}:${o.ref}`) || chinaDay(new Date(o.at)) !== date) continue;
    items.push({ status: 'missingAtBureau', ref: o.ref, kind: o.kind, taxpayerId: o.taxpayerId, paymentId: o.paymentId, employerId: o.employerId, ourAmountFen: o.amountFen, bureauAmountFen: null, ourAt: o.at, bureauAt: null });
  }
  const rank = (i: ReconciliationItem) => (i.status === 'matched' ? 1 : 0);
  items.sort((a, b) => rank(a) - rank(b) || (a.bureauAt ?? a.ourAt ?? '').localeCompare(b.bureauAt ?? b.ourAt ?? '') || a.ref.localeCompare(b.ref));
  const count = (s: ReconciliationStatus) => items.filter((i) => i.status === s).length;
  const sum = (xs: readonly { amountFen: Fen }[]) => xs.reduce((t, x) => t + x.amountFen, 0);
  return {
    date,
    matched: count('matched'),
    missingHere: count('missingHere'),
    missingAtBureau: count('missingAtBureau'),
    amountMismatch: count('amountMismatch'),
    clean: items.every((i) => i.status === 'matched'),
    bureauTotalFen: sum(bureau),
    ourTotalFen: sum(ours.filter((o) => chinaDay(new Date(o.at)) === date)),
    items,
  };
}
