// The tax bureau's interface as this service sees it. The mock bureau (server.ts) implements it
// over HTTP; the worker and API reach it only through client.ts, so a real integration can
// replace the mock without touching workflows or routes.
import type { DeclarationKind, FeeItem } from '../domain/fee-items';
import type { Fen } from '../domain/money';

export interface BureauAgreement {
  agreementId: string; // 三方协议号
  bankName: string;
  accountName: string;
  accountNumber: string; // full number; only the bureau and the bank know it, never logged by us
  status: 'valid' | 'expired' | 'unverified';
}

export interface BureauAccount {
  accountId: string;
  bankName: string;
  accountName: string;
  accountNumber: string;
}

export interface BureauEmployer {
  taxpayerId: string; // 纳税人识别号
  unitNumber: string; // 单位编号
  name: string;
  taxOfficeCode: string;
  taxOfficeName: string;
  balanceFen: Fen; // the balance behind its agreements, for simulating deductions
  agreements: BureauAgreement[];
  accounts: BureauAccount[]; // 存款账户账号报告
  passwordIsInitial: boolean; // still the F-1.2 initial password: F-1.3 asks for a change
}

/** GET /v1/employers/:taxpayerId/fee-items?kind=&page=&pageSize= */
export interface FeeItemPage {
  items: FeeItem[];
  page: number; // 1-based
  pageSize: number;
  total: number;
}

/** POST /v1/declarations — idempotent by requestId. */
export interface DeclareRequest {
  requestId: string;
  taxpayerId: string;
  kind: DeclarationKind;
  itemIds: string[];
}

/** GET /v1/declarations/:requestId and GET /v1/voids/:requestId */
export type DecisionResult =
  | { status: 'pending' }
  | { status: 'accepted'; serial: string; decidedAt: string }
  | { status: 'rejected'; reason: string; decidedAt: string; code?: string };

/** Error body of every non-2xx answer of the bureau. */
export interface BureauErrorBody {
  code: string; // e.g. '20101' wrong password, 'UNKNOWN_EMPLOYER', 'ITEM_NOT_DECLARABLE', 'FAULT_INJECTED'
  message: string;
}

export const FAULT_OPERATIONS = [
  'fee_items',
  'verify_password',
  'declare',
  'declaration_result',
  'deduct',
  'deduction_status',
  'issue_voucher',
  'void_voucher',
  'void',
  'void_result',
  'certificate',
] as const;
export type FaultOperation = (typeof FAULT_OPERATIONS)[number];

export const FAULT_MODES = [
  'error', // 503 before anything is applied
  'timeout', // nothing applied, no answer until the client gives up
  'unknown_outcome', // applied, then no answer, as a timeout would look
  'insufficient_balance', // deduct: business failure 余额不足
  'account_frozen', // deduct: business failure 账户冻结
  'delay', // answers normally after delayMs
  'reject', // declaration_result / void_result: the bureau decides "rejected"
] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface FaultRule {
  operation: FaultOperation;
  mode: FaultMode;
  times?: number; // applies to the next n calls (default: until cleared)
  rate?: number; // probability 0..1 per call (default 1)
  delayMs?: number;
}

/** Answer of POST /v1/declarations and POST /v1/voids: received, decided later. */
export interface SubmissionReceipt {
  requestId: string;
  status: 'pending';
}

/** POST /v1/employers/:taxpayerId/verify-password */
export interface PasswordCheck {
  password: string;
}

/** POST /v1/employers/:taxpayerId/password */
export interface PasswordChange {
  password: string;
  newPassword: string;
}

/** POST /v1/voids — 作废 of an accepted declaration, idempotent by requestId. */
export interface VoidRequest {
  requestId: string;
  declarationRequestId: string;
}

/** One declared fee item paid in full by a deduction or a voucher. */
export interface PaymentLine {
  itemId: string;
  amountFen: Fen;
}

/** POST /v1/deductions — real-time deduction (实时扣款) through TIPS, idempotent by key. */
export interface DeductRequest {
  key: string;
  taxpayerId: string;
  agreementId: string;
  lines: PaymentLine[];
  amountFen: Fen; // must equal the sum of the lines
}

/** TIPS result code of a successful deduction. */
export const DEDUCTION_SUCCESS_CODE = '90000';

export const DEDUCTION_FAILURE_CODES = ['INSUFFICIENT_BALANCE', 'ACCOUNT_FROZEN', 'AGREEMENT_INVALID'] as const;
export type DeductionFailureCode = (typeof DEDUCTION_FAILURE_CODES)[number];

/** A business answer of the bank (HTTP 200 both ways); only `succeeded` moved money. */
export type DeductionResult =
  | { key: string; result: 'succeeded'; code: typeof DEDUCTION_SUCCESS_CODE; applied: true; amountFen: Fen; at: string }
  | { key: string; result: 'failed'; code: DeductionFailureCode; reason: string; applied: false; at: string };

/** GET /v1/deductions/:key — how an attempt whose answer was lost really ended. */
export type DeductionStatus =
  | { key: string; state: 'applied'; result: DeductionResult }
  | { key: string; state: 'failed'; result: DeductionResult }
  | { key: string; state: 'not_found' };

export interface VoucherAccount {
  bankName: string;
  accountName: string;
  accountNumber: string;
}

/** POST /v1/vouchers — bank-side voucher (银行端查询缴税凭证), idempotent by key. */
export interface VoucherRequest {
  key: string;
  taxpayerId: string;
  lines: PaymentLine[];
  account?: VoucherAccount; // the payer's account printed on the voucher; the first reported account when absent
}

export interface VoucherIssued {
  voucherNumber: string;
  issuedAt: string;
  deadline: string; // 限缴日期, YYYY-MM-DD
  amountFen: Fen;
}

export type VoucherState = 'issued' | 'paid' | 'voided' | 'expired';

/** GET /v1/vouchers/:number and the answer of POST /v1/vouchers/:number/void */
export interface BureauVoucher extends VoucherIssued {
  taxpayerId: string;
  state: VoucherState;
  lines: PaymentLine[];
  account: VoucherAccount | null;
  paidAt?: string;
  voidedAt?: string;
}

/** POST /v1/certificates — tax payment certificate number (完税证明号码), idempotent by key. */
export interface CertificateRequest {
  key: string;
  taxpayerId: string;
  period: string;
}

/** One paid item as printed on the certificate. */
export interface CertificateLine {
  itemId: string;
  insuranceType: FeeItem['insuranceType'];
  period: string;
  amountFen: Fen;
  paidAt: string; // 入库日期
  originalVoucher: string; // 原凭证号: the voucher number, or the deduction key
}

export interface BureauCertificate {
  certificateNumber: string;
  issuedAt: string;
  taxpayerId: string;
  period: string;
  amountFen: Fen;
  lines: CertificateLine[];
}

/** GET /admin/ledger — money the bureau received, each with the key that applied it once. */
export interface BureauLedgerEntry {
  key: string; // deduction key, or the voucher's issue key for a counter payment
  kind: 'deduction' | 'counter_payment';
  taxpayerId: string;
  amountFen: Fen;
  lines: PaymentLine[];
  at: string;
  agreementId?: string;
  voucherNumber?: string;
}
