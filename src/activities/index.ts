// All activities, built from their dependencies once per worker.
import { declarationActivities, voidActivities } from './declarations';
import { paymentActivities } from './payments';
import { voucherActivities } from './vouchers';
import { batchActivities, batchSettleActivities } from './batches';
import { bulkActionActivities } from './bulk-actions';
import { certificateActivities } from './certificates';
import { reconcilerActivities } from './reconciler';
import { archiveActivities } from './archive';
import { reconciliationActivities } from './reconciliation';
import { webhookActivities } from './webhooks';
import { declarationScheduleActivities } from './declaration-schedules';
import type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...declarationActivities(deps),
    ...voidActivities(deps),
    ...paymentActivities(deps),
    ...voucherActivities(deps),
    ...batchActivities(deps),
    ...batchSettleActivities(deps),
    ...bulkActionActivities(deps),
    ...certificateActivities(deps),
    ...reconcilerActivities(deps),
    ...archiveActivities(deps),
    ...reconciliationActivities(deps),
    ...webhookActivities(deps),
    ...declarationScheduleActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };

/**
 * The activities that send the bureau requests. Workflows schedule them on the bureau's task queue
 * (`atBureau` in src/workflows/activity-options.ts), where the bureau's budget paces them; every
 * other activity works on the database (or renders) and runs unthrottled on the service's queue.
 * tests/unit/bureau-activities.test.ts checks this list against what each activity calls.
 */
export const BUREAU_ACTIVITY_NAMES = [
  'submitDeclaration',
  'fetchDeclarationResult',
  'submitVoid',
  'fetchVoidResult',
  'attemptDeduction',
  'resolveDeduction',
  'issueVoucher',
  'printVoucher', // asks the bureau for the employer's tax office before rendering
  'checkVoucher',
  'voidVoucherAtBureau',
  'prepareBatchDeclaration', // downloads the employer's items
  'payBulkEntry', // asks the bureau for the employer's agreements
  'issueTaxCertificateNumber',
  'reconcileDay', // the bureau's ledger of the day
] as const satisfies readonly (keyof Activities)[];

type BureauActivityName = (typeof BUREAU_ACTIVITY_NAMES)[number];
export type BureauActivities = Pick<Activities, BureauActivityName>;
export type DatabaseActivities = Omit<Activities, BureauActivityName>;

/** Only the bureau's activities, for the worker of the bureau's task queue. */
export function bureauActivities(all: Activities): BureauActivities {
  return Object.fromEntries(BUREAU_ACTIVITY_NAMES.map((name) => [name, all[name]])) as BureauActivities;
}
