// The daily reconciliation with the bureau's ledger: the bureau's collections of the day against
// ours (of that day and the days around it, for records on either side of midnight).
import { ourCollections, saveReconciliation } from '../db/reconciliations';
import { reconcile, type ReconciliationSummary } from '../domain/reconciliation';
import type { ActivityDeps } from './deps';

export function reconciliationActivities({ db, bureau }: ActivityDeps) {
  return {
    async reconcileDay(input: { date: string; actor: string }): Promise<ReconciliationSummary> {
      const start = new Date(`${input.date}T00:00:00+08:00`).getTime();
      const [theirs, ours] = await Promise.all([bureau.paymentsOn(input.date), ourCollections(db, new Date(start - 86400_000), new Date(start + 2 * 86400_000))]);
      const bureauSide = theirs.map((e) => ({
        ref: e.kind === 'counter_payment' && e.voucherNumber ? e.voucherNumber : e.key,
        kind: e.kind,
        taxpayerId: e.taxpayerId,
        amountFen: e.amountFen,
        at: e.at,
      }));
      const { items: _items, ...summary } = await saveReconciliation(db, reconcile(input.date, ours, bureauSide), input.actor);
      // The items stay in the database: a day's list can outgrow a workflow payload.
      return summary;
    },
  };
}
