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
  | { status: 'rejected'; reason: string; decidedAt: string };

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
