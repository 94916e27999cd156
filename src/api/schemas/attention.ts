// The attention list (待办) as the API gives it: what an operator must act on, most urgent first.
import { ATTENTION_KINDS, ATTENTION_SUBJECTS } from '../../domain/attention';
import { Enum, Id, Nullable, Timestamp, Type } from './common';

export const AttentionKind = Enum(
  ATTENTION_KINDS,
  'payment_awaiting_retry, payment_failed, declaration_rejected, declaration_result_unknown, unpaid_near_deadline, voucher_expiring, voucher_print_failed, activity_failing, schedule_run_failed (docs/operator-guide.md says when each leaves the list)',
);

/** The most items one answer lists (the counts count them all). */
export const ATTENTION_LIMIT = 200;

export const AttentionQuery = Type.Object(
  {
    employerId: Type.Optional({ ...Id('employer'), description: 'only items about this employer (items about no one employer, such as a schedule’s run, are left out)' }),
    kind: Type.Optional(AttentionKind),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: ATTENTION_LIMIT, description: 'at most this many items (the most urgent)' })),
  },
  { additionalProperties: false },
);

export const AttentionItem = Type.Object({
  kind: AttentionKind,
  employerId: Nullable({ ...Id('employer'), description: 'the employer it is about; null for a schedule’s run or a workflow of no one employer' }),
  subject: Type.Object(
    {
      type: Enum(ATTENTION_SUBJECTS, 'what the id is of: payment, declaration, voucher, workflow (a Temporal workflow id) or declaration_schedule'),
      id: Type.String({ minLength: 1, description: 'its id' }),
    },
    { description: 'the record the item is about' },
  ),
  since: { ...Timestamp, description: 'since when it needs attention, as near as the records tell' },
  deadline: Type.Optional({ ...Timestamp, description: 'by when it must be done: the payment’s deadline, or the end (China time) of the collection order’s or voucher’s last day' }),
  nextRetryAt: Type.Optional({ ...Timestamp, description: 'payment_awaiting_retry: when the next deduction is made' }),
  detail: Type.String({ description: 'what is wrong, in a sentence' }),
  action: Type.Object(
    {
      label: Type.String({ description: 'what to do, for a button' }),
      method: Enum(['GET', 'POST'] as const),
      path: Type.String({ description: 'the API request that does it, or shows where to' }),
    },
    { description: 'the operator’s next step' },
  ),
});

export const AttentionList = Type.Object({
  items: Type.Array(AttentionItem, { description: 'most urgent first: the soonest deadline first (past ones first of all), then those without one; the oldest first among equals' }),
  counts: Type.Object(
    Object.fromEntries(ATTENTION_KINDS.map((k) => [k, Type.Integer({ minimum: 0 })])) as Record<(typeof ATTENTION_KINDS)[number], ReturnType<typeof Type.Integer>>,
    { description: 'items of every kind (for the employer asked about, whatever kind is listed)' },
  ),
});
