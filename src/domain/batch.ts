// Batch declaration (日常申报 for many employers at once): the pure rules. Which of an employer's
// items a batch declares, why an employer is skipped or failed, the deterministic declaration id,
// how a batch's progress is counted and where a run of its workflow ends.
import { EXCLUSION_EXPLANATIONS, partitionItems, type Excluded, type ExclusionReason, type FeeItem } from './fee-items';
import type { DeclarationStatus } from './declaration';

/**
 * How many employers are prepared (items downloaded, declaration made) at the same time, unless the
 * request says otherwise; their declarations then wait for their results in any number.
 */
export const DEFAULT_BATCH_CONCURRENCY = 25;
export const MAX_BATCH_CONCURRENCY = 50;
/** Employers per workflow run: then the batch continues as new, carrying its cursor and counts. */
export const DEFAULT_CONTINUE_AS_NEW_EVERY = 50;

/** Where one employer of a batch stands. */
export const BATCH_ENTRY_STATUSES = [
  'pending', // not looked at yet
  'declaring', // its declaration was submitted; the declaration's own workflow waits for the result
  'done', // the declaration's workflow ended: accepted, rejected or result_unknown
  'skipped', // nothing to declare, or the employer may not declare yet
  'failed', // could not be declared (e.g. the bureau did not answer): see the reason
] as const;
export type BatchEntryStatus = (typeof BATCH_ENTRY_STATUSES)[number];

export const BATCH_STATUSES = ['running', 'completed'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/**
 * Why an employer was skipped or failed: PASSWORD_CHANGE_REQUIRED (F-1.3), NO_ITEMS_FOR_PERIOD
 * (F-2.8 b: nothing was pushed for the period), NO_DECLARABLE_ITEMS (F-2.8 a/b/c: every item of
 * the period is excluded, including items declared elsewhere meanwhile), BUREAU_UNAVAILABLE (no
 * answer after a few attempts), DECLARATION_FAILED (the declaration's workflow failed), or a
 * bureau business code such as UNKNOWN_EMPLOYER.
 */
export type BatchReasonCode = string;

export interface BatchReason {
  code: BatchReasonCode;
  message: string;
  excluded?: Excluded[]; // for NO_DECLARABLE_ITEMS: each item with its F-2.8 reason
}

/** The declaration a batch makes for its employer number `n`: the same on every retry. */
export function batchDeclarationId(batchId: string, n: number): string {
  return `${batchId}-${String(n).padStart(5, '0')}`;
}

export const PASSWORD_CHANGE_REASON: BatchReason = {
  code: 'PASSWORD_CHANGE_REQUIRED',
  message:
    'the declaration password is still the initial (or reset) one (F-1.3): change it with POST /api/employers/:id/password, then declare again',
};

export type BatchPlan = { action: 'declare'; items: FeeItem[] } | { action: 'skip'; reason: BatchReason };

/**
 * What a batch declares for one employer: every regular item of the period that can be declared
 * now (F-2.1, F-2.8). When none can, the employer is skipped with F-2.8's reasons.
 */
export function planBatchDeclaration(
  downloaded: readonly FeeItem[],
  period: string,
  today: string,
  declaredHere: ReadonlySet<string>,
): BatchPlan {
  const regular = downloaded.filter((i) => i.kind === 'regular');
  const { items, excluded } = partitionItems(regular, { period }, today, declaredHere);
  if (items.length > 0) return { action: 'declare', items };
  if (excluded.length === 0) {
    return {
      action: 'skip',
      reason: {
        code: 'NO_ITEMS_FOR_PERIOD',
        message: `no regular items for ${period} came down: ${EXCLUSION_EXPLANATIONS.NOT_NORMAL_DATA}; refresh (刷新) later`,
      },
    };
  }
  return { action: 'skip', reason: { code: 'NO_DECLARABLE_ITEMS', message: describeExclusions(period, excluded), excluded } };
}

/** "no declarable regular items for 2026-10: 2 × already declared (…); 1 × revoked (…)". */
export function describeExclusions(period: string, excluded: readonly Excluded[]): string {
  const counts = new Map<ExclusionReason, number>();
  for (const e of excluded) counts.set(e.reason, (counts.get(e.reason) ?? 0) + 1);
  const parts = [...counts].map(([reason, n]) => `${n} × ${EXCLUSION_EXPLANATIONS[reason]}`);
  return `no declarable regular items for ${period}: ${parts.join('; ')}`;
}

/** Failure types of bureau faults (see activities/bureau-errors.ts): retried, then given up. */
const BUREAU_FAULT_TYPES = new Set(['BUREAU_UNAVAILABLE', 'BUREAU_TIMEOUT']);

/** Why preparing an employer's declaration failed, from the failure's type and message. */
export function preparationFailure(type: string | undefined, message: string, attempts: number): BatchReason {
  if (type && BUREAU_FAULT_TYPES.has(type)) {
    return { code: 'BUREAU_UNAVAILABLE', message: `the tax bureau did not answer after ${attempts} attempts: ${message}; run a batch for this employer again later` };
  }
  if (type && /^[A-Z0-9_]+$/.test(type)) return { code: type, message };
  return { code: 'PREPARATION_FAILED', message };
}

/** The statuses a finished declaration workflow leaves. */
export function isFinalDeclarationStatus(status: DeclarationStatus): boolean {
  return status !== 'submitted';
}

export interface BatchCounts {
  total: number;
  pending: number; // not finished: not looked at yet, or declaring
  declaring: number;
  done: number;
  skipped: number;
  failed: number;
  accepted: number; // of `done`: as the bureau decided
  rejected: number;
  resultUnknown: number;
}

/**
 * Progress from each employer's status and, for finished declarations, the declaration's status
 * now; `weight` counts a row for that many employers (a grouped query's count).
 */
export function countBatch(entries: readonly { status: BatchEntryStatus; declarationStatus?: string | null; weight?: number }[]): BatchCounts {
  const c: BatchCounts = { total: 0, pending: 0, declaring: 0, done: 0, skipped: 0, failed: 0, accepted: 0, rejected: 0, resultUnknown: 0 };
  for (const e of entries) {
    const n = e.weight ?? 1;
    c.total += n;
    if (e.status === 'pending' || e.status === 'declaring') c.pending += n;
    if (e.status === 'declaring') c.declaring += n;
    if (e.status === 'done') {
      c.done += n;
      if (e.declarationStatus === 'rejected') c.rejected += n;
      else if (e.declarationStatus === 'result_unknown') c.resultUnknown += n;
      else c.accepted += n; // accepted, or voiding / voided / void_rejected since: it was accepted
    }
    if (e.status === 'skipped') c.skipped += n;
    if (e.status === 'failed') c.failed += n;
  }
  return c;
}

/**
 * The employers one workflow run takes up: from the cursor, at most `every` of them. The run
 * prepares them all, then continues as new from the end; their declarations still waiting for a
 * result are in the database, where the next run settles them.
 */
export function runRange(cursor: number, total: number, every: number): { from: number; to: number; last: boolean } {
  const to = Math.min(total, cursor + Math.max(1, every));
  return { from: cursor, to, last: to >= total };
}

/** Employers in one batch at most; more go into several batches. */
export const MAX_BATCH_EMPLOYERS = 10_000;

/** A declaration whose workflow failed (not the bureau's refusal): its employer fails, with where to look. */
export function failedDeclaration(message: string, declarationId: string): BatchReason {
  return { code: 'DECLARATION_FAILED', message: `the declaration workflow failed: ${message}; see declaration ${declarationId}` };
}
