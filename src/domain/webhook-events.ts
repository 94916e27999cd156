// What a webhook may subscribe to: the audit log's actions (each state change writes one), by
// name, by resource (`payment.*`) or all of them (`*`). Every action the code writes is either
// here or in INTERNAL_AUDIT_ACTIONS: tests/unit/audit-actions.test.ts scans the sources for them.
import { redactSecrets } from './redact';

/** Every action a webhook can name, with what it means. */
export const WEBHOOK_EVENT_DESCRIPTIONS = {
  'employer.added': 'an employer was added',
  'employer.signed_in': 'an operator signed in to an employer (F-1.4)',
  'employer.signed_out': 'the sign-in to an employer ended',
  'employer.password_changed': 'an employer’s initial declaration password was changed',
  'employer.password_reset': 'staff reset an employer’s password',
  'declaration.submitted': 'a declaration 申报 was sent to the bureau',
  'declaration.accepted': 'the bureau accepted a declaration (申报成功)',
  'declaration.rejected': 'the bureau rejected a declaration (申报失败)',
  'declaration.result_unknown': 'no result from the bureau by the deadline: an operator must look',
  'declaration.withdrawn': 'a declaration was withdrawn before the bureau decided',
  'declaration.voiding': 'a void 作废 of a declaration was sent',
  'declaration.voided': 'the bureau voided a declaration',
  'declaration.void_rejected': 'the bureau refused a void: the declaration stands',
  'declaration.void_result_unknown': 'no void result from the bureau by the deadline',
  'declaration_batch.started': 'a batch declaration 批量申报 started',
  'declaration_batch.employer_skipped': 'a batch skipped an employer (nothing to declare, or may not declare yet)',
  'declaration_batch.employer_failed': 'a batch could not declare for an employer',
  'declaration_batch.completed': 'every employer of a batch was handled',
  'bulk_action.started': 'a bulk payment or print from the month view 批量操作 started',
  'bulk_action.entry_skipped': 'a bulk action skipped an employer (nothing to pay or print, or may not yet)',
  'bulk_action.entry_failed': 'a bulk action could not pay or print for an employer',
  'bulk_action.completed': 'every employer of a bulk action was handled',
  'declaration_schedule.created': 'a declaration schedule 申报计划 was created',
  'declaration_schedule.paused': 'a schedule was paused: its calendar starts no batch until unpaused',
  'declaration_schedule.unpaused': 'a paused schedule was unpaused',
  'declaration_schedule.deleted': 'a schedule was deleted',
  'declaration_schedule.run_started': 'a schedule’s run started its batch (detail.trigger: calendar, or manual for an operator’s trigger)',
  'declaration_schedule.run_failed': 'a schedule’s run could not start its batch (detail.code says why)',
  'payment.started': 'a payment 缴费 was started',
  'payment.deducting': 'a deduction 实时扣款 is being made again',
  'payment.awaiting_retry': 'a deduction failed; the next is scheduled (nextRetryAt)',
  'payment.paid': 'a payment was paid',
  'payment.failed': 'a payment failed: no retry was left before its deadline',
  'payment.cancelled': 'an operator stopped a payment’s retries',
  'payment.voucher_voided': 'a voucher payment ended with its voucher voided',
  'payment.voucher_expired': 'a voucher payment ended unpaid at its 限缴日期',
  'deduction.succeeded': 'a deduction attempt succeeded',
  'deduction.failed': 'a deduction attempt failed for a business reason',
  'deduction.unknown': 'a deduction attempt’s outcome is being resolved with the bureau',
  'voucher.issued': 'a bank-side voucher 缴费凭证 was issued',
  'voucher.printed': 'a voucher was printed',
  'voucher.reprinted': 'a voucher was printed again (补打)',
  'voucher.print_failed': 'a voucher could not be printed',
  'voucher.paid': 'a voucher was paid at a bank counter',
  'voucher.voided': 'a voucher was voided',
  'voucher.expired': 'a voucher passed its 限缴日期 unpaid',
  'certificate.payment.printed': 'a payment certificate 缴费证明 was printed',
  'certificate.payment.reprinted': 'a payment certificate was printed again',
  'certificate.tax.printed': 'a tax payment certificate 完税证明 was printed',
  'certificate.tax.reprinted': 'a tax payment certificate was printed again',
  'reconciliation.clean': 'a day’s reconciliation with the bureau found nothing amiss',
  'reconciliation.discrepancies': 'a day’s reconciliation with the bureau found discrepancies',
} as const;

export type WebhookEvent = keyof typeof WEBHOOK_EVENT_DESCRIPTIONS;
export const WEBHOOK_EVENTS = Object.keys(WEBHOOK_EVENT_DESCRIPTIONS) as WebhookEvent[];

/**
 * Audit actions never delivered: webhook changes (a receiver would learn of the others) and the
 * workflow bookkeeping, which deliveries themselves cause (each closed delivery workflow is
 * archived, `workflow.archived`: delivering that would never end). Whole resources, so a new
 * action of theirs is not delivered either.
 */
const UNDELIVERED = ['webhook.', 'workflow.'];

/** The actions of those resources the code writes: in the audit log and GET /api/events, never in a webhook. */
export const INTERNAL_AUDIT_ACTIONS = ['webhook.created', 'webhook.deleted', 'webhook.redelivered', 'workflow.archived', 'workflow.start_repaired'] as const;

/** Every action the audit log is written with (GET /api/events names its events by them). */
export const AUDIT_ACTIONS: readonly string[] = [...WEBHOOK_EVENTS, ...INTERNAL_AUDIT_ACTIONS];

const resourceOf = (action: string) => action.slice(0, action.indexOf('.'));

/** `payment.*` and the like: every action of one resource. */
export const WEBHOOK_EVENT_WILDCARDS = ['*', ...new Set(WEBHOOK_EVENTS.map((e) => `${resourceOf(e)}.*`))];

/** What a subscription may list: an action, a resource's wildcard or `*`. */
export const WEBHOOK_SUBSCRIPTIONS: readonly string[] = [...WEBHOOK_EVENT_WILDCARDS, ...WEBHOOK_EVENTS];

export function deliverable(action: string): boolean {
  return action.includes('.') && !UNDELIVERED.some((prefix) => action.startsWith(prefix));
}

/** Whether a webhook subscribed to `events` hears `action`. */
export function subscribes(events: readonly string[], action: string): boolean {
  if (!deliverable(action)) return false;
  return events.some((e) => e === '*' || e === action || (e.endsWith('.*') && action.startsWith(e.slice(0, -1))));
}

/** The event's id: its audit log entry's seq (the id of GET /api/events too), the same in every attempt. */
export const eventIdOf = (seq: number) => `evt_${seq}`;

/** What a delivery POSTs: `{ id, type, createdAt, data: { subject, actor, detail } }`. */
export function webhookEventBody(e: { seq: number; at: Date; actor: string; action: string; subject: string; detail: unknown }) {
  return { id: eventIdOf(e.seq), type: e.action, createdAt: e.at.toISOString(), data: { subject: e.subject, actor: e.actor, detail: redactSecrets(e.detail) } };
}
