// Every workflow the worker runs.
export { declarationWorkflow } from './declaration';
export { threePartyPaymentWorkflow } from './three-party-payment';
export { voidDeclarationWorkflow } from './void-declaration';
export { voucherPaymentWorkflow } from './voucher-payment';
export { batchDeclarationWorkflow } from './batch-declaration';
export { certificateWorkflow } from './certificate';
export { reconcilerWorkflow } from './reconciler';
