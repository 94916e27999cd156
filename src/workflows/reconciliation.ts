// The daily reconciliation with the bureau's ledger (对账), run by a Temporal Schedule each night
// for the day before (China time) and on demand for any day.
import type { ActivityOptions } from '@temporalio/workflow';
import { previousChinaDay, type ReconciliationSummary } from '../domain/reconciliation';
import type { ReconciliationInput } from '../contracts/upkeep';
import { atBureau } from './activity-options';

const OPTIONS: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 10 },
};

export async function reconciliationWorkflow(input: ReconciliationInput = {}): Promise<ReconciliationSummary> {
  // The workflow clock is deterministic: the time of the task that runs this.
  return atBureau(OPTIONS).reconcileDay({ date: input.date ?? previousChinaDay(new Date()), actor: input.actor ?? 'system' });
}
