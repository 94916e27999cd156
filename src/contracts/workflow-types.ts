// Every workflow type the worker runs, once: its name as Temporal knows it (the exported function
// of src/workflows), what it does, whether it is the service's own upkeep, and the short names
// lists take. Starts name their workflow from here, never by a string of their own.
// tests/unit/house.test.ts checks this list against the workflows the worker registers.

interface WorkflowTypeFacts {
  meaning: string;
  /** The service's own upkeep, not anyone's business: lists for people leave it out unless asked. */
  routine?: true;
}

export const WORKFLOW_TYPE_FACTS = {
  declarationWorkflow: { meaning: 'a declaration (申报)' },
  threePartyPaymentWorkflow: { meaning: 'a three-party agreement payment (三方协议缴费)' },
  voidDeclarationWorkflow: { meaning: 'a void of a declaration (作废申报)' },
  voucherPaymentWorkflow: { meaning: 'a bank-side voucher payment (银行端凭证缴费)' },
  batchDeclarationWorkflow: { meaning: 'a batch declaration (批量申报)' },
  bulkActionWorkflow: { meaning: 'a bulk payment or print from the month view (批量操作)' },
  certificateWorkflow: { meaning: 'a certificate print (缴费证明, 完税证明)' },
  reconcilerWorkflow: { meaning: 'the reconciler of recorded starts', routine: true },
  archiveWorkflow: { meaning: 'the archiver of closed histories', routine: true },
  reconciliationWorkflow: { meaning: 'a reconciliation with the bureau’s ledger (对账)' },
  webhookDeliveryWorkflow: { meaning: 'a webhook delivery, one round of it (docs/webhooks.md)' },
  webhookDispatcherWorkflow: { meaning: 'the webhook dispatcher following the audit log', routine: true },
  declarationScheduleWorkflow: { meaning: 'a run of a declaration schedule (申报计划), starting its batch' },
} as const satisfies Record<string, WorkflowTypeFacts>;

export type WorkflowTypeName = keyof typeof WORKFLOW_TYPE_FACTS;
export const WORKFLOW_TYPE_NAMES = Object.keys(WORKFLOW_TYPE_FACTS) as WorkflowTypeName[];

/** Each workflow type by its own name, for starts: `WORKFLOW.declarationWorkflow`. */
export const WORKFLOW = Object.fromEntries(WORKFLOW_TYPE_NAMES.map((t) => [t, t])) as { [T in WorkflowTypeName]: T };

type Facts = (typeof WORKFLOW_TYPE_FACTS)[WorkflowTypeName];
const entries = Object.entries(WORKFLOW_TYPE_FACTS) as [WorkflowTypeName, Facts][];

/** The business's workflow types by the short names a list filter takes (`GET /api/workflows?type=`). */
export const SHORT_WORKFLOW_TYPES: Readonly<Record<string, WorkflowTypeName>> = {
  declaration: 'declarationWorkflow',
  void: 'voidDeclarationWorkflow',
  three_party_payment: 'threePartyPaymentWorkflow',
  voucher_payment: 'voucherPaymentWorkflow',
  declaration_batch: 'batchDeclarationWorkflow',
  bulk_action: 'bulkActionWorkflow',
  certificate: 'certificateWorkflow',
  reconciliation: 'reconciliationWorkflow',
};

/** The service's own upkeep: the reconciler (every 30 s), the archiver and the webhook dispatcher. */
export const ROUTINE_WORKFLOW_TYPES = entries.filter(([, f]) => 'routine' in f).map(([t]) => t);
