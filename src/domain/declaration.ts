// Declarations (申报) and their statuses (F-2, F-3, F-5).

export const DECLARATION_STATUSES = [
  'submitted', // 已提交, waiting for the bureau's result
  'accepted', // 申报成功
  'rejected', // 申报失败
  'result_unknown', // the bureau gave no result by the deadline: an operator must look
  'voiding', // 作废中
  'voided', // 已作废
  'void_rejected', // 作废失败 (the declaration stands)
] as const;
export type DeclarationStatus = (typeof DECLARATION_STATUSES)[number];

/** How much of a declaration is paid (缴费状态). */
export const DECLARATION_PAYMENT_STATUSES = ['unpaid', 'partially_paid', 'paid'] as const;
export type PaymentStatus = (typeof DECLARATION_PAYMENT_STATUSES)[number];

const TRANSITIONS: Record<DeclarationStatus, readonly DeclarationStatus[]> = {
  submitted: ['accepted', 'rejected', 'result_unknown'],
  result_unknown: ['accepted', 'rejected'],
  accepted: ['voiding'],
  voiding: ['voided', 'void_rejected'],
  void_rejected: ['voiding'],
  rejected: [],
  voided: [],
};

export function canTransition(from: DeclarationStatus, to: DeclarationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Whether a declaration in this status still holds its items (they cannot be declared again). */
export function holdsItems(status: DeclarationStatus): boolean {
  return status !== 'rejected' && status !== 'voided';
}

/** The bureau's answer to "what became of declaration X?". */
export type BureauDeclarationResult =
  | { status: 'pending' }
  | { status: 'accepted'; serial: string; acceptedAt: string }
  | { status: 'rejected'; reason: string };

/**
 * How long to wait before asking again while the bureau says pending: doubling from
 * `firstSeconds`, capped at `maxSeconds`, never past the deadline.
 */
export function nextPollDelaySeconds(attempt: number, firstSeconds: number, maxSeconds: number): number {
  return Math.min(firstSeconds * 2 ** Math.max(0, attempt), maxSeconds);
}

/** F-2.7: after a successful result, ask "pay now?" while any declared record is unpaid or partly paid. */
export function payNowPrompt(records: readonly { status: DeclarationStatus; paymentStatus: PaymentStatus }[]): boolean {
  return records.some((r) => r.status === 'accepted' && r.paymentStatus !== 'paid');
}

export const RECORD_ACTIONS = ['view', 'pay', 'void'] as const;
export type RecordAction = (typeof RECORD_ACTIONS)[number];

/** F-5.2: what an operator can do with a declaration record now. */
export function recordActions(status: DeclarationStatus, paymentStatus: PaymentStatus): RecordAction[] {
  const actions: RecordAction[] = ['view'];
  if (status === 'accepted' && paymentStatus !== 'paid') actions.push('pay');
  if ((status === 'accepted' || status === 'void_rejected') && paymentStatus === 'unpaid') actions.push('void');
  return actions;
}
