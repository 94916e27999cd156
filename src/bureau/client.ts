// The only way the worker and the API reach the bureau. Every failure becomes one of three
// errors, chosen by what the caller may safely do next:
//   BureauUnavailableError — nothing was applied: retrying is safe;
//   BureauTimeoutError     — the request may have been applied: ask before sending it again;
//   BureauBusinessError    — the bureau refused (4xx, with its code): retrying will not help.
// Each sets `name`, so the class survives as the failure type when Temporal serialises it.
import type { DeclarationKind, FeeItem } from '../domain/fee-items';
import type {
  BureauCertificate,
  BureauEmployer,
  BureauErrorBody,
  BureauLedgerEntry,
  BureauVoucher,
  CertificateRequest,
  DecisionResult,
  DeclareRequest,
  DeductRequest,
  DeductionResult,
  DeductionStatus,
  FeeItemPage,
  SubmissionReceipt,
  VoidRequest,
  VoucherIssued,
  VoucherRequest,
} from './contract';

export abstract class BureauError extends Error {}

/** The bureau could not be reached or answered 5xx: nothing was applied, safe to retry. */
export class BureauUnavailableError extends BureauError {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'BureauUnavailableError';
  }
}

/** No answer in time, or the connection broke after the request left: the outcome is unknown. */
export class BureauTimeoutError extends BureauError {
  constructor(message: string) {
    super(message);
    this.name = 'BureauTimeoutError';
  }
}

/** The bureau refused the request (4xx) with its own code and message, e.g. '20101'. */
export class BureauBusinessError extends BureauError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BureauBusinessError';
  }
}

export interface BureauClientOptions {
  timeoutMs?: number; // per call, including reading the answer (default 10 s)
  /** Resolves when the next request may be sent (the workers' shared budget, src/db/bureau-pace.ts); not part of the timeout. */
  pace?: () => Promise<void>;
}

/** Connection errors that prove the request never reached the bureau. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

const FEE_ITEMS_PAGE_SIZE = 100;

export class BureauClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly pace: (() => Promise<void>) | undefined;

  constructor(baseUrl: string, opts: BureauClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.pace = opts.pace;
  }

  /** The same bureau, each request paced by `pace`. */
  paced(pace: () => Promise<void>): BureauClient {
    return new BureauClient(this.baseUrl, { timeoutMs: this.timeoutMs, pace });
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const what = `${method} ${path}`;
    await this.pace?.();
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      throw BureauClient.transportError(err, what);
    }
    if (response.ok) return JSON.parse(text) as T;
    const error = BureauClient.errorBody(text, response.status);
    if (response.status >= 500) throw new BureauUnavailableError(`${what}: ${error.message}`, response.status, error.code);
    throw new BureauBusinessError(response.status, error.code, error.message);
  }

  /** Refused connections never carried the request; anything else may have been applied. */
  private static transportError(err: unknown, what: string): BureauError {
    const code = causeCode(err);
    if (code && NOT_SENT_CODES.has(code)) return new BureauUnavailableError(`${what}: bureau unreachable (${code})`);
    if (err instanceof Error && err.name === 'TimeoutError') return new BureauTimeoutError(`${what}: no answer in time, outcome unknown`);
    return new BureauTimeoutError(`${what}: connection lost (${code ?? (err as Error).message}), outcome unknown`);
  }

  private static errorBody(text: string, status: number): BureauErrorBody {
    try {
      const parsed = JSON.parse(text) as Partial<BureauErrorBody>;
      if (typeof parsed.code === 'string' && typeof parsed.message === 'string') return { code: parsed.code, message: parsed.message };
    } catch {
      // not JSON: a proxy or a crash answered; fall through to a generic body
    }
    return { code: `HTTP_${status}`, message: text.slice(0, 200) || `HTTP ${status}` };
  }

  private static segment(value: string): string {
    return encodeURIComponent(value);
  }

  health(): Promise<{ status: string }> {
    return this.call('GET', '/health');
  }

  // ---- employers and passwords ----

  getEmployer(taxpayerId: string): Promise<BureauEmployer> {
    return this.call('GET', `/v1/employers/${BureauClient.segment(taxpayerId)}`);
  }

  /** Resolves when the password is right; BureauBusinessError code '20101' when it is wrong. */
  async verifyPassword(taxpayerId: string, password: string): Promise<void> {
    await this.call('POST', `/v1/employers/${BureauClient.segment(taxpayerId)}/verify-password`, { password });
  }

  async changePassword(taxpayerId: string, password: string, newPassword: string): Promise<void> {
    await this.call('POST', `/v1/employers/${BureauClient.segment(taxpayerId)}/password`, { password, newPassword });
  }

  /** Staff reset (单位社保费申报密码重置): back to the initial password of F-1.2. */
  async resetPassword(taxpayerId: string): Promise<void> {
    await this.call('POST', `/v1/employers/${BureauClient.segment(taxpayerId)}/password-reset`);
  }

  // ---- fee items ----

  getFeeItems(taxpayerId: string, kind: DeclarationKind, page = 1, pageSize = FEE_ITEMS_PAGE_SIZE): Promise<FeeItemPage> {
    const query = new URLSearchParams({ kind, page: String(page), pageSize: String(pageSize) });
    return this.call('GET', `/v1/employers/${BureauClient.segment(taxpayerId)}/fee-items?${query}`);
  }

  /** All items of a kind, page by page, reporting progress (预处理信息下载进度) after each page. */
  async downloadFeeItems(taxpayerId: string, kind: DeclarationKind, onProgress?: (done: number, total: number) => void): Promise<FeeItem[]> {
    const items: FeeItem[] = [];
    for (let page = 1; ; page++) {
      const answer = await this.getFeeItems(taxpayerId, kind, page);
      items.push(...answer.items);
      onProgress?.(items.length, answer.total);
      if (answer.items.length === 0 || items.length >= answer.total) return items;
    }
  }

  // ---- declarations and voids ----

  declare(request: DeclareRequest): Promise<SubmissionReceipt> {
    return this.call('POST', '/v1/declarations', request);
  }

  getDeclarationResult(requestId: string): Promise<DecisionResult> {
    return this.call('GET', `/v1/declarations/${BureauClient.segment(requestId)}`);
  }

  requestVoid(request: VoidRequest): Promise<SubmissionReceipt> {
    return this.call('POST', '/v1/voids', request);
  }

  getVoidResult(requestId: string): Promise<DecisionResult> {
    return this.call('GET', `/v1/voids/${BureauClient.segment(requestId)}`);
  }

  // ---- payments ----

  /** A business failure (余额不足, frozen, agreement) is an answer, not an error: check `result`. */
  deduct(request: DeductRequest): Promise<DeductionResult> {
    return this.call('POST', '/v1/deductions', request);
  }

  getDeductionStatus(key: string): Promise<DeductionStatus> {
    return this.call('GET', `/v1/deductions/${BureauClient.segment(key)}`);
  }

  issueVoucher(request: VoucherRequest): Promise<VoucherIssued> {
    return this.call('POST', '/v1/vouchers', request);
  }

  getVoucher(voucherNumber: string): Promise<BureauVoucher> {
    return this.call('GET', `/v1/vouchers/${BureauClient.segment(voucherNumber)}`);
  }

  /** Refused with code VOUCHER_PAID once the bank took the money. */
  voidVoucher(voucherNumber: string): Promise<BureauVoucher> {
    return this.call('POST', `/v1/vouchers/${BureauClient.segment(voucherNumber)}/void`);
  }

  /** What the bureau collected on a day (China time): deductions by key, counter payments by voucher number. */
  async paymentsOn(date: string): Promise<BureauLedgerEntry[]> {
    const answer = await this.call<{ entries: BureauLedgerEntry[] }>('GET', `/v1/payments?${new URLSearchParams({ date })}`);
    return answer.entries;
  }

  /** Refused with code NOT_PAID while any declared item of the period is unpaid. */
  issueCertificate(request: CertificateRequest): Promise<BureauCertificate> {
    return this.call('POST', '/v1/certificates', request);
  }
}
