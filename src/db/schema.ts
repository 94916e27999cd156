// The database schema, as code (drizzle). Money columns are bigint fen; secrets are never stored.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { BatchCounts } from '../domain/batch';
import { BULK_ACTION_KINDS, BULK_ENTRY_STATUSES } from '../domain/bulk-action';
import { RUN_TRIGGERS } from '../domain/declaration-schedule';

const fen = (name: string) => bigint(name, { mode: 'number' });
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** 用人单位 */
export const employers = pgTable('employers', {
  id: text('id').primaryKey(),
  taxpayerId: text('taxpayer_id').notNull().unique(), // 纳税人识别号
  unitNumber: text('unit_number').notNull(), // 单位编号
  name: text('name').notNull(),
  taxOfficeCode: text('tax_office_code').notNull(),
  taxOfficeName: text('tax_office_name').notNull(),
  passwordChangeRequired: boolean('password_change_required').notNull().default(true),
  signedInUntil: timestamp('signed_in_until', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  // Lists page by keyset on (sort timestamp, id): each filter's index ends in that key (migration 0013).
  index('employers_created_idx').on(t.createdAt, t.id),
  index('employers_search_trgm_idx').using('gin', sql`lower(${t.name} || ' ' || ${t.taxpayerId} || ' ' || ${t.unitNumber}) gin_trgm_ops`),
]);

/** 申报: one declaration of assessed items. */
export const declarations = pgTable(
  'declarations',
  {
    id: text('id').primaryKey(), // also the bureau request id: a retry never declares twice
    employerId: text('employer_id')
      .notNull()
      .references(() => employers.id),
    kind: text('kind', { enum: ['regular', 'special'] }).notNull(),
    status: text('status').notNull(), // see domain/declaration.ts
    paymentStatus: text('payment_status').notNull().default('unpaid'),
    totalFen: fen('total_fen').notNull(),
    workflowId: text('workflow_id').notNull(),
    serial: text('serial'), // 申报序号, from the bureau on acceptance
    voidWorkflowId: text('void_workflow_id'), // the latest void (作废) of this declaration
    resultReason: text('result_reason'),
    declaredBy: text('declared_by').notNull(),
    declaredAt: timestamp('declared_at', { withTimezone: true }).notNull().defaultNow(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('declarations_employer_idx').on(t.employerId, t.declaredAt, t.id),
    index('declarations_status_idx').on(t.status, t.declaredAt, t.id),
    index('declarations_declared_idx').on(t.declaredAt, t.id),
    index('declarations_unpaid_idx').on(t.employerId).where(sql`${t.status} = 'accepted' and ${t.paymentStatus} in ('unpaid', 'partially_paid')`),
  ],
);

/** The assessed items a declaration carries, as they were when declared. */
export const declarationLines = pgTable(
  'declaration_lines',
  {
    id: text('id').primaryKey(),
    declarationId: text('declaration_id')
      .notNull()
      .references(() => declarations.id, { onDelete: 'cascade' }),
    itemId: text('item_id').notNull(),
    unitNumber: text('unit_number').notNull(),
    insuranceType: text('insurance_type').notNull(), // 险种
    agency: text('agency').notNull(),
    period: text('period').notNull(), // 费款所属期
    headcount: integer('headcount').notNull(),
    baseFen: fen('base_fen').notNull(),
    employerFen: fen('employer_fen').notNull(),
    employeeFen: fen('employee_fen').notNull(),
    amountFen: fen('amount_fen').notNull(),
    collectionOrder: text('collection_order').notNull(), // 征集单号
    validUntil: date('valid_until').notNull(), // the collection order's last valid day: payments end there
    paidFen: fen('paid_fen').notNull().default(0),
    // true while the declaration holds the item; a rejected or voided one lets it go
    holdsItem: boolean('holds_item').notNull().default(true),
  },
  (t) => [
    // The same item can be held by one declaration at a time: declaring it twice is refused here.
    uniqueIndex('declaration_lines_item_held_uq').on(t.itemId).where(sql`${t.holdsItem}`),
    index('declaration_lines_declaration_idx').on(t.declarationId),
    index('declaration_lines_period_idx').on(t.period, t.declarationId),
  ],
);

/** 缴费: paying declared lines by three-party agreement or bank-side voucher. */
export const payments = pgTable(
  'payments',
  {
    id: text('id').primaryKey(),
    employerId: text('employer_id')
      .notNull()
      .references(() => employers.id),
    method: text('method', { enum: ['three_party', 'bank_voucher'] }).notNull(),
    status: text('status').notNull(),
    totalFen: fen('total_fen').notNull(),
    lineIds: jsonb('line_ids').$type<string[]>().notNull(),
    // The fee periods of its lines, kept with it so a period's payments are found by index (GET /api/payments?period=).
    periods: text('periods').array().notNull().default(sql`'{}'::text[]`),
    agreementId: text('agreement_id'),
    accountMasked: text('account_masked'), // 6222 **** 1234: the full number is never stored
    workflowId: text('workflow_id').notNull(),
    nextRetryAt: timestamp('next_retry_at', { withTimezone: true }),
    deadline: timestamp('deadline', { withTimezone: true }).notNull(), // retries end here
    reason: text('reason'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('payments_employer_idx').on(t.employerId, t.createdAt, t.id),
    index('payments_status_idx').on(t.status, t.createdAt, t.id),
    index('payments_created_idx').on(t.createdAt, t.id),
    index('payments_periods_idx').using('gin', t.periods),
  ],
);

/** Each deduction attempt (实时扣款) of a payment, with its idempotency key. */
export const paymentAttempts = pgTable(
  'payment_attempts',
  {
    paymentId: text('payment_id')
      .notNull()
      .references(() => payments.id, { onDelete: 'cascade' }),
    n: integer('n').notNull(),
    deductionKey: text('deduction_key').notNull().unique(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    outcome: text('outcome').notNull(), // succeeded | failed | unknown
    code: text('code'),
    reason: text('reason'),
  },
  (t) => [primaryKey({ columns: [t.paymentId, t.n] })],
);

/** 银行端查询缴费凭证 and its print records (缴费凭证打印记录). */
export const vouchers = pgTable('vouchers', {
  id: text('id').primaryKey(),
  paymentId: text('payment_id')
    .notNull()
    .references(() => payments.id),
  employerId: text('employer_id')
    .notNull()
    .references(() => employers.id),
  voucherNumber: text('voucher_number').notNull().unique(), // 凭证序号
  status: text('status').notNull(), // issued | paid | voided | expired
  amountFen: fen('amount_fen').notNull(),
  issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
  deadline: date('deadline').notNull(), // 限缴日期
  bankName: text('bank_name'),
  accountName: text('account_name'),
  accountMasked: text('account_masked'),
  pdfPath: text('pdf_path'),
  pdfSha256: text('pdf_sha256'),
  printCount: integer('print_count').notNull().default(0),
  paidAt: timestamp('paid_at', { withTimezone: true }),
  lastPrintError: text('last_print_error'),
  updatedAt: updatedAt(),
}, (t) => [index('vouchers_payment_idx').on(t.paymentId)]);

/** 缴费证明 and 完税证明, each file with its SHA-256. */
export const certificates = pgTable(
  'certificates',
  {
    id: text('id').primaryKey(),
    employerId: text('employer_id')
      .notNull()
      .references(() => employers.id),
    kind: text('kind', { enum: ['payment', 'tax'] }).notNull(),
    period: text('period').notNull(),
    certificateNumber: text('certificate_number'),
    issueDate: date('issue_date').notNull(), // 开具日期
    reprintOf: text('reprint_of'),
    pdfPath: text('pdf_path').notNull(),
    pdfSha256: text('pdf_sha256').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('certificates_employer_idx').on(t.employerId, t.createdAt, t.id),
    index('certificates_period_idx').on(t.period, t.employerId), // the month view's certificates of a period
    // F-7.1: the tax payment certificate's first print happens once per period.
    uniqueIndex('certificates_first_tax_print_uq')
      .on(t.employerId, t.period)
      .where(sql`${t.kind} = 'tax' and ${t.reprintOf} is null`),
  ],
);

/**
 * Append-only, each entry chained to the one before by hash. Entries are written unchained
 * (chain_pos, prev_hash and hash null) and chained just after, in chain_pos order (see db/audit.ts).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subject: text('subject').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull(),
    chainPos: bigint('chain_pos', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [uniqueIndex('audit_log_chain_pos_uq').on(t.chainPos).where(sql`${t.chainPos} is not null`), index('audit_log_unchained_idx').on(t.seq).where(sql`${t.chainPos} is null`)],
);

/** The first answer to a POST with an Idempotency-Key, replayed on a repeat. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    actor: text('actor').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    body: jsonb('body'),
    createdAt: createdAt(),
    /** The request holding the key runs until then; past it a repeat takes the key over (its holder died). */
    lockedUntil: timestamp('locked_until', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.actor, t.key] })],
);

/** Wrong declaration passwords per taxpayer, for the lockout (F-4.3 retries are limited). */
export const passwordFailures = pgTable('password_failures', {
  taxpayerId: text('taxpayer_id').primaryKey(),
  failures: integer('failures').notNull(),
  windowStartedAt: timestamp('window_started_at', { withTimezone: true }),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
});

/** The declared lines a payment pays; `open` while the payment may still pay them. */
export const paymentLines = pgTable(
  'payment_lines',
  {
    paymentId: text('payment_id')
      .notNull()
      .references(() => payments.id, { onDelete: 'cascade' }),
    lineId: text('line_id')
      .notNull()
      .references(() => declarationLines.id),
    itemId: text('item_id').notNull(),
    amountFen: fen('amount_fen').notNull(),
    open: boolean('open').notNull().default(true),
  },
  (t) => [
    primaryKey({ columns: [t.paymentId, t.lineId] }),
    // A line is in one open payment at a time: it is never charged twice.
    uniqueIndex('payment_lines_open_uq').on(t.lineId).where(sql`${t.open}`),
  ],
);

/** 批量申报: one period's regular items declared for many employers by one workflow. */
export const declarationBatches = pgTable(
  'declaration_batches',
  {
    id: text('id').primaryKey(),
    period: text('period').notNull(), // 费款所属期, YYYY-MM
    status: text('status').notNull(), // running | completed (domain/batch.ts)
    total: integer('total').notNull(),
    allEmployers: boolean('all_employers').notNull(), // every employer, or a list
    concurrency: integer('concurrency').notNull(),
    workflowId: text('workflow_id').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    // Its progress counted when it completed (and again when a declaration of it is decided
    // after that): lists read it instead of counting 10,000 entries. Null while it runs.
    finalCounts: jsonb('final_counts').$type<BatchCounts>(),
  },
  (t) => [index('declaration_batches_created_idx').on(t.createdAt, t.id)],
);

/** Each employer of a batch and what became of it: its declaration, or why it was skipped or failed. */
export const declarationBatchEntries = pgTable(
  'declaration_batch_entries',
  {
    batchId: text('batch_id')
      .notNull()
      .references(() => declarationBatches.id, { onDelete: 'cascade' }),
    n: integer('n').notNull(), // the employer's place in the batch, from 0
    employerId: text('employer_id')
      .notNull()
      .references(() => employers.id),
    status: text('status').notNull(), // pending | declaring | done | skipped | failed
    declarationId: text('declaration_id'), // the batch's declaration for this employer, once made
    reasonCode: text('reason_code'),
    reason: text('reason'),
    excluded: jsonb('excluded').$type<{ itemId: string; reason: string; explanation: string }[]>(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.batchId, t.n] }),
    // Every employer is in a batch once.
    uniqueIndex('declaration_batch_entries_employer_uq').on(t.batchId, t.employerId),
    // A declaration decided after its batch completed finds the batch to count again.
    index('declaration_batch_entries_declaration_idx').on(t.declarationId),
  ],
);

/** 批量操作 from the month view: one period's payments or certificate prints for many employers by one workflow. */
export const bulkActions = pgTable(
  'bulk_actions',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: BULK_ACTION_KINDS }).notNull(),
    period: text('period').notNull(), // 费款所属期, YYYY-MM
    status: text('status').notNull(), // running | completed
    total: integer('total').notNull(),
    workflowId: text('workflow_id').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('bulk_actions_created_idx').on(t.createdAt, t.id)],
);

/** Each employer of a bulk action and what became of it: its payment or certificate, or why not. */
export const bulkActionEntries = pgTable(
  'bulk_action_entries',
  {
    bulkId: text('bulk_id')
      .notNull()
      .references(() => bulkActions.id, { onDelete: 'cascade' }),
    n: integer('n').notNull(), // the employer's place in the action, from 0
    employerId: text('employer_id')
      .notNull()
      .references(() => employers.id),
    status: text('status', { enum: BULK_ENTRY_STATUSES }).notNull().default('pending'),
    subjectId: text('subject_id'), // the payment started or the certificate printed
    reasonCode: text('reason_code'),
    reason: text('reason'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.bulkId, t.n] }), uniqueIndex('bulk_action_entries_employer_uq').on(t.bulkId, t.employerId)],
);

/**
 * Every workflow start, written in the same transaction as the record it works on (an outbox):
 * whatever instant a process dies, the record has its start request, and the reconciler starts
 * what no request did. Arguments are stored as the codec encrypts them for Temporal.
 */
export const workflowStarts = pgTable(
  'workflow_starts',
  {
    workflowId: text('workflow_id').primaryKey(),
    workflowType: text('workflow_type').notNull(),
    taskQueue: text('task_queue').notNull(),
    subjectType: text('subject_type').notNull(), // declaration | payment | void | batch
    subjectId: text('subject_id').notNull(),
    /** The keyed request that asked for it (a digest of actor and Idempotency-Key), so its repeat finds it. */
    requestRef: text('request_ref'),
    args: jsonb('args').$type<unknown[]>().notNull(),
    searchAttributes: jsonb('search_attributes').$type<Record<string, string>>().notNull(),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    startAttempts: integer('start_attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [
    uniqueIndex('workflow_starts_request_uq').on(t.requestRef),
    index('workflow_starts_pending_idx').on(t.createdAt).where(sql`${t.startedAt} is null`),
    index('workflow_starts_subject_idx').on(t.subjectId),
  ],
);

/** The latest failure of an activity that is being retried (gone once it succeeds), or that ended its workflow's step for good. */
export const activityFailures = pgTable(
  'activity_failures',
  {
    workflowId: text('workflow_id').notNull(),
    activityId: text('activity_id').notNull(),
    activityType: text('activity_type').notNull(),
    attempt: integer('attempt').notNull(),
    lastError: text('last_error').notNull(),
    /** Not retried any more: the data can never be written (see permanentDataError). Kept, not aged out. */
    final: boolean('final').notNull().default(false),
    failedAt: timestamp('failed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.activityId] }), index('activity_failures_failed_at_idx').on(t.failedAt)],
);

/**
 * Browser sessions (POST /api/session). The cookie holds a random id; only its SHA-256 is stored,
 * with the API key's name and `key_check`, an HMAC of the key under the session id, so a rotated
 * key ends its sessions and a copy of this table yields neither session ids nor keys.
 */
export const sessions = pgTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    actor: text('actor').notNull(),
    keyCheck: text('key_check').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_expires_at_idx').on(t.expiresAt)],
);
/** The auditor's archive: each closed workflow's history (proto3 JSON, payloads encrypted as in Temporal), kept for years. */
export const workflowArchive = pgTable(
  'workflow_archive',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    workflowId: text('workflow_id').notNull(),
    runId: text('run_id').notNull(),
    workflowType: text('workflow_type').notNull(),
    status: text('status').notNull(), // completed, failed, terminated, …
    taskQueue: text('task_queue').notNull(),
    employerId: text('employer_id'),
    period: text('period'),
    businessStatus: text('business_status'),
    startTime: timestamp('start_time', { withTimezone: true }).notNull(),
    closeTime: timestamp('close_time', { withTimezone: true }).notNull(),
    historyLength: integer('history_length').notNull(),
    history: text('history').notNull(), // exactly what GET /api/workflows/:id/history answers
    sha256: text('sha256').notNull(), // of `history` (UTF-8), also in the audit chain
    bytes: integer('bytes').notNull(),
    archivedAt: timestamp('archived_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('workflow_archive_run_uq').on(t.workflowId, t.runId), index('workflow_archive_close_idx').on(t.closeTime)],
);

/** Where the archiver of a task queue got to: workflows closed after this are looked for next time. */
export const archiveCheckpoints = pgTable('archive_checkpoints', {
  taskQueue: text('task_queue').primaryKey(),
  closedAfter: timestamp('closed_after', { withTimezone: true }).notNull(),
  updatedAt: updatedAt(),
});

/** A day's reconciliation with the bureau's ledger (the latest run). */
export const reconciliations = pgTable('reconciliations', {
  date: date('date').primaryKey(),
  result: jsonb('result').$type<Record<string, unknown>>().notNull(),
  discrepancies: integer('discrepancies').notNull(),
  ranBy: text('ran_by').notNull(),
  ranAt: timestamp('ran_at', { withTimezone: true }).notNull().defaultNow(),
});

// ---- Signed webhooks (docs/webhooks.md) ----

/**
 * A webhook's secret as stored: sealed for this purpose and this webhook (src/webhooks/secret.ts),
 * or, in rows written before issue 26 was fixed, as the codec's payloads (still read; re-sealed at start).
 */
export type StoredWebhookSecret = { format: 'webhook-secret/v1'; keyId: string; data: string } | unknown[];

/**
 * A receiver of events. The secret is sealed with a key derived from the payload codec's for
 * webhook secrets only (the codec endpoint cannot open it) and opened only to sign. The dispatcher marks where in the audit chain it starts and stops hearing
 * events: at its own webhook.created and webhook.deleted entries.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    url: text('url').notNull(),
    events: jsonb('events').$type<string[]>().notNull(),
    description: text('description'),
    secret: jsonb('secret').$type<StoredWebhookSecret>().notNull(),
    /** The keyed request that registered it: its repeat answers this webhook again. */
    requestRef: text('request_ref'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    deletedBy: text('deleted_by'),
    /** Chain positions of its webhook.created and webhook.deleted entries, once the dispatcher passed them. */
    listeningFrom: bigint('listening_from', { mode: 'number' }),
    listeningUntil: bigint('listening_until', { mode: 'number' }),
  },
  (t) => [uniqueIndex('webhooks_request_uq').on(t.requestRef)],
);

/** One event for one webhook: made once (the unique key), delivered in rounds (the first, then each redelivery). */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(), // <webhook id>-<event seq>
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id),
    eventSeq: bigint('event_seq', { mode: 'number' }).notNull(), // the audit log entry
    eventType: text('event_type').notNull(),
    subject: text('subject').notNull(),
    eventAt: timestamp('event_at', { withTimezone: true }).notNull(),
    status: text('status').notNull(), // pending | delivered | failed | cancelled
    round: integer('round').notNull().default(1),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_uq').on(t.webhookId, t.eventSeq),
    index('webhook_deliveries_status_idx').on(t.status),
  ],
);

/** Each POST of a delivery and how it was answered. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    round: integer('round').notNull(),
    n: integer('n').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.round, t.n] })],
);

/** How far the dispatcher followed the audit chain: entries up to this position have their deliveries. */
export const webhookDispatch = pgTable('webhook_dispatch', {
  id: text('id').primaryKey(), // one row: 'audit_log'
  afterChainPos: bigint('after_chain_pos', { mode: 'number' }).notNull(),
  updatedAt: updatedAt(),
});

/**
 * 申报计划: a batch declaration every month, run by a Temporal Schedule (`temporal_schedule_id`).
 * The row is what the operator asked for; `sync_version` > `synced_version` while Temporal has
 * not been brought to it yet (a create, pause, unpause or delete whose process died before
 * telling Temporal): the reconciler finishes it. A deleted schedule keeps its row (and runs).
 * The attention list's partial indexes on payments, declarations, declaration_lines and vouchers
 * are in migrations/0012_schedules_attention.sql.
 */
export const declarationSchedules = pgTable(
  'declaration_schedules',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    employerIds: jsonb('employer_ids').$type<string[]>(), // null: every employer at the time of each run
    dayOfMonth: integer('day_of_month').notNull(), // 1–28, China time
    time: text('time').notNull(), // HH:MM, China time
    period: text('period', { enum: ['previous_month', 'current_month'] }).notNull(),
    temporalScheduleId: text('temporal_schedule_id').notNull().unique(),
    paused: boolean('paused').notNull().default(false),
    note: text('note'),
    syncVersion: integer('sync_version').notNull().default(1),
    syncedVersion: integer('synced_version').notNull().default(0),
    lastSyncError: text('last_sync_error'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('declaration_schedules_unsynced_idx').on(t.id).where(sql`${t.syncVersion} > ${t.syncedVersion}`)],
);

/** Each run of a schedule: the batch it started (written in the batch's own transaction), or why it could not. */
export const declarationScheduleRuns = pgTable(
  'declaration_schedule_runs',
  {
    scheduleId: text('schedule_id')
      .notNull()
      .references(() => declarationSchedules.id),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }).notNull(),
    trigger: text('trigger', { enum: RUN_TRIGGERS }).notNull(),
    period: text('period').notNull(),
    status: text('status', { enum: ['started', 'failed'] }).notNull(),
    batchId: text('batch_id').references(() => declarationBatches.id),
    errorCode: text('error_code'),
    error: text('error'),
    triggeredBy: text('triggered_by').notNull(), // the operator, or schedule:<id> for the calendar
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.scheduleId, t.scheduledAt] })],
);

/**
 * The bureau's shared pace (BUREAU_MAX_REQUESTS_PER_SECOND): the next moment any worker may send
 * the bureau a request. One row; each request moves it on by one interval (src/db/bureau-pace.ts).
 */
export const bureauPace = pgTable('bureau_pace', {
  id: integer('id').primaryKey(),
  nextAt: timestamp('next_at', { withTimezone: true }).notNull(),
});
