// The daily reconciliation with the bureau's ledger (对账), run by a Temporal Schedule each night
// for the day before (China time) and on demand for any day.
import { previousChinaDay, type ReconciliationSummary } from '../domain/reconciliation';
import type { ReconciliationInput } from '../contracts/upkeep';
import { RECONCILIATION_DAY, atBureau } from './activity-options';

export async function reconciliationWorkflow(input: ReconciliationInput = {}): Promise<ReconciliationSummary> {
  // The workflow clock is deterministic: the time of the task that runs this.
  return atBureau(RECONCILIATION_DAY).reconcileDay({ date: input.date ?? previousChinaDay(new Date()), actor: input.actor ?? 'system' });
}
