// Batch declaration activities (批量申报): prepare one employer's declaration, record what became
// of it. Each is safe to repeat: the declaration id is fixed by the batch and the employer's
// place in it, so a retried preparation finds the declaration it made instead of declaring twice.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { batchCounts, completeBatch, finishEntry, getBatchEntry, markEntryDeclaring, settleDecidedEntries, stuckEntries } from '../db/batches';
import {
  ItemsAlreadyDeclaredError,
  deleteUnstartedDeclaration,
  getDeclaration,
  heldItemIds,
  insertDeclaration,
  type DeclarationRecord,
} from '../db/declarations';
import { findEmployer } from '../db/employers';
import {
  PASSWORD_CHANGE_REASON,
  batchDeclarationId,
  planBatchDeclaration,
  type BatchCounts,
  type BatchEntryStatus,
  type BatchReason,
} from '../domain/batch';
import { chinaDay } from '../domain/china-time';
import type { DeclarationStatus } from '../domain/declaration';
import { callBureau } from './bureau-errors';
import type { ActivityDeps } from './deps';

/** What the workflow does next for one employer. */
export type BatchPreparation =
  | { action: 'declare'; declarationId: string; taxpayerId: string; itemIds: string[]; employerId?: string }
  | { action: 'skipped'; code: string }
  /** Handled before (a repeat after the entry was finished): nothing to do. */
  | { action: 'finished'; status: BatchEntryStatus };

const SYSTEM = 'system';

/** The same answer whether the declaration was just inserted or found again (items in one order). */
function declareOf(record: DeclarationRecord, taxpayerId: string): BatchPreparation {
  return { action: 'declare', declarationId: record.id, taxpayerId, itemIds: record.lines.map((l) => l.itemId).sort(), employerId: record.employerId };
}

export function batchActivities({ db, bureau }: Pick<ActivityDeps, 'db' | 'bureau'>) {
  return {
    /**
     * Downloads the employer's regular items from the bureau, keeps those of the batch's period
     * that can be declared now and inserts the declaration (id `<batch>-<n>`), or skips the
     * employer with the reason. Batch declarations do not require a sign-in (F-1.4): the operator
     * who starts the batch acts for every employer in it, as the declaration's `declaredBy` and
     * the audit log record; only an employer whose initial password was never changed (F-1.3) is
     * skipped. The bureau is retried by the caller's retry policy, a few times only.
     */
    async prepareBatchDeclaration(input: { batchId: string; n: number }): Promise<BatchPreparation> {
      const found = await getBatchEntry(db, input.batchId, input.n);
      if (!found) throw new Error(`no entry ${input.n} in batch ${input.batchId}`);
      const { batch, entry } = found;
      if (entry.status === 'skipped') return { action: 'skipped', code: entry.reasonCode ?? 'SKIPPED' };
      if (entry.status === 'done' || entry.status === 'failed') return { action: 'finished', status: entry.status };

      const employer = await findEmployer(db, entry.employerId);
      if (!employer) throw new Error(`employer ${entry.employerId} of batch ${batch.id} is gone`);
      const declarationId = batchDeclarationId(batch.id, input.n);
      // A repeat after the declaration was made: carry on with it.
      const existing = await getDeclaration(db, declarationId);
      if (existing) {
        await markEntryDeclaring(db, batch.id, input.n, declarationId);
        return declareOf(existing, employer.taxpayerId);
      }

      const skip = async (reason: BatchReason): Promise<BatchPreparation> => {
        await finishEntry(db, batch.id, input.n, { status: 'skipped', reason }, SYSTEM);
        return { action: 'skipped', code: reason.code };
      };
      if (employer.passwordChangeRequired) return skip(PASSWORD_CHANGE_REASON);

      // 预处理信息下载进度: each page is a heartbeat, so a lost worker is noticed quickly.
      const downloaded = await callBureau(() =>
        bureau.downloadFeeItems(employer.taxpayerId, 'regular', (done, total) => Context.current().heartbeat({ done, total })),
      );
      const today = chinaDay(new Date());
      let held = await heldItemIds(db, employer.id);
      let record: DeclarationRecord;
      for (let tries = 1; ; tries++) {
        const plan = planBatchDeclaration(downloaded, batch.period, today, held);
        if (plan.action === 'skip') return skip(plan.reason);
        try {
          record = await insertDeclaration(db, {
            id: declarationId,
            employerId: employer.id,
            kind: 'regular',
            workflowId: `declaration-${declarationId}`,
            actor: batch.createdBy,
            items: plan.items,
          }); // the batch workflow starts this declaration as its child
          break;
        } catch (err) {
          // A concurrent attempt of this same activity may have inserted it a moment ago.
          const raced = await getDeclaration(db, declarationId);
          if (raced) {
            record = raced;
            break;
          }
          // Some items were declared by another declaration meanwhile: plan again without them
          // (when none is left, the employer is skipped as already declared, F-2.8 a).
          if (!(err instanceof ItemsAlreadyDeclaredError) || tries >= 3) throw err;
          held = new Set([...(await heldItemIds(db, employer.id)), ...err.itemIds]);
        }
      }
      await markEntryDeclaring(db, batch.id, input.n, declarationId);
      return declareOf(record, employer.taxpayerId);
    },

    /**
     * The employer could not be prepared. A declaration the preparation inserted but whose
     * workflow never started is withdrawn, so its items are free again.
     */
    async recordBatchFailure(input: { batchId: string; n: number; reason: BatchReason; withdrawDeclaration: boolean }): Promise<void> {
      const declarationId = batchDeclarationId(input.batchId, input.n);
      if (input.withdrawDeclaration && (await getDeclaration(db, declarationId))) {
        await deleteUnstartedDeclaration(db, declarationId, SYSTEM, `batch ${input.batchId}: ${input.reason.message}`);
      }
      await finishEntry(db, input.batchId, input.n, { status: 'failed', reason: input.reason }, SYSTEM);
    },

    /** The declaration's workflow ended; its status is in the declarations table already. */
    async recordBatchDeclared(input: { batchId: string; n: number; declarationId: string; status: DeclarationStatus }): Promise<void> {
      await finishEntry(db, input.batchId, input.n, { status: 'done', declarationId: input.declarationId }, SYSTEM);
    },

    /** For a declaration whose workflow the batch could not wait on itself: its status now. */
    async readDeclarationStatus(input: { declarationId: string }): Promise<DeclarationStatus | null> {
      const record = await getDeclaration(db, input.declarationId);
      return record ? (record.status as DeclarationStatus) : null;
    },

    async completeDeclarationBatch(input: { batchId: string }): Promise<void> {
      await completeBatch(db, input.batchId);
    },
  };
}

/** Stuck declarations looked up in Temporal per settle, at most: they are rare (a failed or terminated workflow). */
const STUCK_LOOKUPS = 20;

/** Settling a batch from the database: which of its declarations were decided meanwhile. */
export function batchSettleActivities({ db, temporal }: Pick<ActivityDeps, 'db' | 'temporal'>) {
  return {
    /**
     * Entries whose declaration was decided are done; a declaration still undecided
     * `stuckAfterSeconds` after it was made whose workflow is no longer running (it failed, or was
     * terminated) fails its employer, as does a declaration that is gone. Answers the batch's
     * counts. Safe to repeat: each entry ends once.
     */
    async settleBatchDeclarations(input: { batchId: string; stuckAfterSeconds: number }): Promise<BatchCounts> {
      await settleDecidedEntries(db, input.batchId);
      const stuck = await stuckEntries(db, input.batchId, new Date(Date.now() - input.stuckAfterSeconds * 1000), STUCK_LOOKUPS);
      for (const entry of stuck) {
        const reason = await stuckReason(entry);
        if (reason) await finishEntry(db, input.batchId, entry.n, { status: 'failed', reason }, SYSTEM);
      }
      return (await batchCounts(db, [input.batchId])).get(input.batchId)!;
    },
  };

  async function stuckReason(entry: { declarationId: string | null; workflowId: string | null }): Promise<BatchReason | null> {
    if (entry.workflowId === null) return { code: 'DECLARATION_FAILED', message: `declaration ${entry.declarationId} is gone although its workflow had started` };
    const status = await temporal.workflow
      .getHandle(entry.workflowId)
      .describe()
      .then((d) => d.status.name as string)
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
        throw err;
      });
    if (status === 'RUNNING') return null; // only late (e.g. no worker for a while): keep waiting
    return { code: 'DECLARATION_FAILED', message: `the declaration workflow ended (${status}) without a decision; see declaration ${entry.declarationId}` };
  }
}
