// The attention list (待办): what an operator must act on, across all employers, most urgent
// first. The queries (src/db/attention.ts) read each kind from the records' current state, so an
// item leaves the list by itself once what it is about is resolved; here are the pure parts:
// the kinds, what each item says and offers, and the order.
import { chinaTime } from './china-time';
import type { Fen } from './money';
import { formatYuanGrouped } from './money';

export const ATTENTION_KINDS = [
  'payment_awaiting_retry', // a deduction failed (e.g. 余额不足); the next try is scheduled before the deadline
  'payment_failed', // no deduction left before the deadline, and its lines are still unpaid and in no payment
  'declaration_rejected', // 申报失败, and some of its items are not declared again yet
  'declaration_result_unknown', // the bureau gave no result by the deadline: fetch it
  'unpaid_near_deadline', // declared lines unpaid, and in no payment, within ATTENTION_DEADLINE_DAYS of their last valid day
  'voucher_expiring', // a bank-side voucher not paid yet within ATTENTION_DEADLINE_DAYS of its 限缴日期
  'voucher_print_failed', // the voucher's last print failed; it waits at the bank unprinted
  'activity_failing', // a workflow's step has failed 5 or more times in a row and is still retried
  'schedule_run_failed', // a declaration schedule's latest run could not start its batch
] as const;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

export const ATTENTION_SUBJECTS = ['payment', 'declaration', 'voucher', 'workflow', 'declaration_schedule'] as const;
export type AttentionSubject = (typeof ATTENTION_SUBJECTS)[number];

/** What to do about an item: a label for people and the request that does it (or shows where to). */
export interface AttentionAction {
  label: string;
  method: 'GET' | 'POST';
  path: string;
}

export interface AttentionItem {
  kind: AttentionKind;
  /** Null for items about no one employer (a schedule's run, a batch's workflow). */
  employerId: string | null;
  subject: { type: AttentionSubject; id: string };
  /** Since when it needs attention (as near as the records tell). */
  since: Date;
  /** By when it must be done; items without one rank after those with one. */
  deadline: Date | null;
  /** payment_awaiting_retry: when the next deduction is made. */
  nextRetryAt: Date | null;
  detail: string;
  action: AttentionAction;
}

/** One row of a kind's query: the subject and what the item says about it. */
export interface AttentionRow {
  employerId: string | null;
  subjectId: string;
  since: Date;
  /** A payment's deadline, or the end (China time) of a collection order's or voucher's last day. */
  deadline: Date | null;
  nextRetryAt: Date | null;
  amountFen: Fen | null;
  /** Lines (unpaid_near_deadline), attempts (activity_failing). */
  n: number | null;
  /** The bureau's reason, the last error, the activity's name … */
  text: string | null;
  code: string | null;
}

/** Amounts as a person reads them: yuan with separators. */
const yuan = (fen: Fen | null) => `¥${formatYuanGrouped(fen ?? 0)}`;
const SUBJECT: Record<AttentionKind, AttentionSubject> = {
  payment_awaiting_retry: 'payment',
  payment_failed: 'payment',
  declaration_rejected: 'declaration',
  declaration_result_unknown: 'declaration',
  unpaid_near_deadline: 'declaration',
  voucher_expiring: 'voucher',
  voucher_print_failed: 'voucher',
  activity_failing: 'workflow',
  schedule_run_failed: 'declaration_schedule',
};

function describeItem(kind: AttentionKind, r: AttentionRow): { detail: string; action: AttentionAction } {
  const id = r.subjectId;
  const employer = r.employerId ?? '';
  switch (kind) {
    case 'payment_awaiting_retry':
      return {
        detail: `deduction of ${yuan(r.amountFen)} failed (${r.text ?? 'no reason given'}); the next try is at ${r.nextRetryAt ? chinaTime(r.nextRetryAt) : 'its scheduled time'}: top up the account (or cancel)`,
        action: { label: 'retry now (after a top-up)', method: 'POST', path: `/api/payments/${id}/retry` },
      };
    case 'payment_failed':
      return {
        detail: `payment of ${yuan(r.amountFen)} failed for good (${r.text ?? 'no reason given'}); its lines are still unpaid`,
        action: { label: 'pay the lines again', method: 'GET', path: `/api/employers/${employer}/payables` },
      };
    case 'declaration_rejected':
      return {
        detail: `declaration rejected by the bureau: ${r.text ?? 'no reason given'}; its items are not declared again yet`,
        action: { label: 'see why, then declare the items again', method: 'GET', path: `/api/declarations/${id}` },
      };
    case 'declaration_result_unknown':
      return {
        detail: 'the bureau gave no result by the deadline: fetch it now',
        action: { label: 'fetch the result', method: 'POST', path: `/api/declarations/${id}/fetch-result` },
      };
    case 'unpaid_near_deadline':
      return {
        detail: `${r.n ?? 0} declared line(s), ${yuan(r.amountFen)} still unpaid, close to their last valid day`,
        action: { label: 'pay', method: 'GET', path: `/api/employers/${employer}/payables` },
      };
    case 'voucher_expiring':
      return {
        detail: `voucher of ${yuan(r.amountFen)} not paid at the bank yet; it expires at the end of its 限缴日期`,
        action: { label: 'get the voucher paid at a bank counter', method: 'GET', path: `/api/vouchers/${id}/pdf` },
      };
    case 'voucher_print_failed':
      return {
        detail: `the voucher's print failed: ${r.text ?? 'no reason given'}`,
        action: { label: 'print again', method: 'POST', path: `/api/vouchers/${id}/reprint` },
      };
    case 'activity_failing':
      return {
        detail: `${r.code ?? 'a step'} has failed ${r.n ?? 0} times in a row and is still retried: ${r.text ?? ''}`.trim(),
        action: { label: 'look at the workflow', method: 'GET', path: `/api/workflows/${encodeURIComponent(id)}/history` },
      };
    case 'schedule_run_failed':
      return {
        detail: `the latest run could not start its batch: ${r.code ?? 'FAILED'}: ${r.text ?? ''}`.trim(),
        action: { label: 'fix the cause, then run it now', method: 'POST', path: `/api/declaration-schedules/${id}/trigger` },
      };
  }
}

export function attentionItem(kind: AttentionKind, r: AttentionRow): AttentionItem {
  return {
    kind,
    employerId: r.employerId,
    subject: { type: SUBJECT[kind], id: r.subjectId },
    since: r.since,
    deadline: r.deadline,
    nextRetryAt: r.nextRetryAt,
    ...describeItem(kind, r),
  };
}

/**
 * Most urgent first: the soonest deadline first (past ones before all), then items without a
 * deadline; among equals the oldest first; then by kind and subject, so the order is stable.
 */
export function compareAttention(a: AttentionItem, b: AttentionItem): number {
  const da = a.deadline?.getTime() ?? Infinity;
  const db = b.deadline?.getTime() ?? Infinity;
  if (da !== db) return da < db ? -1 : 1;
  const sa = a.since.getTime();
  const sb = b.since.getTime();
  if (sa !== sb) return sa - sb;
  const ka = ATTENTION_KINDS.indexOf(a.kind);
  const kb = ATTENTION_KINDS.indexOf(b.kind);
  if (ka !== kb) return ka - kb;
  return a.subject.id < b.subject.id ? -1 : a.subject.id > b.subject.id ? 1 : 0;
}

export function rankAttention(items: readonly AttentionItem[]): AttentionItem[] {
  return [...items].sort(compareAttention);
}

/** Every kind, counted (0 for those with no item). */
export function attentionCounts(counted: ReadonlyMap<AttentionKind, number>): Record<AttentionKind, number> {
  return Object.fromEntries(ATTENTION_KINDS.map((k) => [k, counted.get(k) ?? 0])) as Record<AttentionKind, number>;
}
