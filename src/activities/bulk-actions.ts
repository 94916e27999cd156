// Bulk action activities (批量操作): pay one employer's accepted declarations of the period by its
// agreement, read what one print is to be, record what became of an entry. Each is safe to repeat:
// the payment or certificate id is fixed by the action and the employer's place in it, so a
// retried step finds what it made instead of making another.
import { findCertificate } from '../db/certificates';
import { finishBulkEntry, getBulkEntry, completeBulkAction, type BulkEntryRow } from '../db/bulk-actions';
import { findEmployer } from '../db/employers';
import { LinesNotPayableError, createPayment, getPayment, listPayables } from '../db/payments';
import { PASSWORD_CHANGE_REASON } from '../domain/batch';
import { bulkEntryId, planBulkPayment, type BulkEntryStatus, type BulkReason } from '../domain/bulk-action';
import type { CertificateInput } from '../domain/certificates';
import { threePartyPaymentInput } from '../contracts/payment';
import { dispatchStart, findStart, recordStart } from '../temporal/workflow-starts';
import { callBureau } from './bureau-errors';
import type { ActivityDeps } from './deps';
import { WORKFLOW } from '../contracts/workflow-types';

/** An entry handled before (a repeat of its step): nothing more to do. */
const handled = (entry: BulkEntryRow) => entry.status !== 'pending';

export type BulkPrintStep = { action: 'print'; input: CertificateInput } | { action: 'finished' };

export function bulkActionActivities({ db, bureau, temporal, codec, config }: Pick<ActivityDeps, 'db' | 'bureau' | 'temporal' | 'codec' | 'config'>) {
  const entryOf = async (bulkId: string, n: number) => {
    const found = await getBulkEntry(db, bulkId, n);
    if (!found) throw new Error(`no entry ${n} in bulk action ${bulkId}`);
    return found;
  };
  const skip = (bulkId: string, n: number, reason: BulkReason) => finishBulkEntry(db, bulkId, n, { status: 'skipped', reason }, 'system');

  return {
    /**
     * Pays every accepted, unpaid line of the period by the employer's valid agreement: the payment
     * and its workflow start recorded in one transaction (the outbox), then started; a start that
     * fails here is the reconciler's. Its declaration password was checked when the action was
     * asked for (F-4.3); the payment is the asking operator's.
     */
    async payBulkEntry(input: { bulkId: string; n: number }): Promise<void> {
      const { bulk, entry } = await entryOf(input.bulkId, input.n);
      if (handled(entry)) return;
      const paymentId = bulkEntryId(bulk.id, input.n);
      const workflowId = `payment-${paymentId}`;
      if (!(await getPayment(db, paymentId))) {
        const employer = await findEmployer(db, entry.employerId);
        if (!employer) throw new Error(`employer ${entry.employerId} of bulk action ${bulk.id} is gone`);
        if (employer.passwordChangeRequired) return skip(bulk.id, input.n, PASSWORD_CHANGE_REASON);
        const known = await callBureau(() => bureau.getEmployer(employer.taxpayerId));
        const plan = planBulkPayment(await listPayables(db, employer.id), bulk.period, known.agreements, new Date());
        if (plan.action === 'skip') return skip(bulk.id, input.n, plan.reason);
        const args = [threePartyPaymentInput({ paymentId, taxpayerId: employer.taxpayerId, agreementId: plan.agreementId, lines: plan.lines, deadline: plan.deadline, timing: config.payment })];
        try {
          await createPayment(
            db,
            { id: paymentId, employerId: employer.id, method: 'three_party', lines: plan.lines, agreementId: plan.agreementId, accountMasked: null, workflowId, deadline: plan.deadline, actor: bulk.createdBy },
            (tx) =>
              recordStart(tx, codec, {
                workflowId,
                workflowType: WORKFLOW.threePartyPaymentWorkflow,
                taskQueue: config.taskQueue,
                subjectType: 'payment',
                subjectId: paymentId,
                requestRef: null,
                args,
                attributes: { employerId: employer.id, period: bulk.period, status: 'deducting' },
              }),
          );
        } catch (err) {
          if (!(err instanceof LinesNotPayableError)) throw err;
          // A concurrent try of this same step made it a moment ago, or another payment took the lines.
          if (!(await getPayment(db, paymentId))) return skip(bulk.id, input.n, { code: 'LINES_NOT_PAYABLE', message: err.message });
        }
      }
      const start = await findStart(db, workflowId);
      if (start) await dispatchStart(temporal, db, codec, start);
      await finishBulkEntry(db, bulk.id, input.n, { status: 'done', subjectId: paymentId }, 'system');
    },

    /** What the entry's print is to be, or that it was handled before. */
    async prepareBulkPrint(input: { bulkId: string; n: number }): Promise<BulkPrintStep> {
      const { bulk, entry } = await entryOf(input.bulkId, input.n);
      if (handled(entry)) return { action: 'finished' };
      const certificateId = bulkEntryId(bulk.id, input.n);
      // Printed before, and its outcome not yet recorded (the worker died in between).
      if (await findCertificate(db, certificateId)) {
        await finishBulkEntry(db, bulk.id, input.n, { status: 'done', subjectId: certificateId }, 'system');
        return { action: 'finished' };
      }
      const employer = await findEmployer(db, entry.employerId);
      if (!employer) throw new Error(`employer ${entry.employerId} of bulk action ${bulk.id} is gone`);
      if (employer.passwordChangeRequired) {
        await skip(bulk.id, input.n, PASSWORD_CHANGE_REASON);
        return { action: 'finished' };
      }
      const kind = bulk.kind === 'print_tax_certificates' ? 'tax' : 'payment';
      return { action: 'print', input: { certificateId, employerId: employer.id, kind, period: bulk.period, actor: bulk.createdBy } };
    },

    /**
     * An entry's outcome. A step that gave up after making its payment or print (its last write
     * failed) is not a failure: what it made is there, under the entry's id, and is recorded.
     */
    async recordBulkEntry(input: { bulkId: string; n: number; status: Exclude<BulkEntryStatus, 'pending'>; subjectId?: string; reason?: BulkReason }): Promise<void> {
      const id = bulkEntryId(input.bulkId, input.n);
      const made = input.status === 'failed' && ((await getPayment(db, id)) || (await findCertificate(db, id)));
      await finishBulkEntry(db, input.bulkId, input.n, made ? { status: 'done', subjectId: id } : input, 'system');
    },

    async completeBulkAction(input: { bulkId: string }): Promise<void> {
      await completeBulkAction(db, input.bulkId);
    },
  };
}
