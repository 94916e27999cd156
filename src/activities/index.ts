// All activities, built from their dependencies once per worker.
import { declarationActivities, voidActivities } from './declarations';
import { paymentActivities } from './payments';
import { voucherActivities } from './vouchers';
import { batchActivities } from './batches';
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
