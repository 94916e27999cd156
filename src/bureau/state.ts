// The mock bureau's whole state and the operations on it. Operations are synchronous, so each
// is atomic; every change is written to the state file (when there is one) before the answer
// leaves (see flush), so the ledger and pending decisions survive a restart, as a real bureau's would.
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  EXCLUSION_EXPLANATIONS,
  INSURANCE_NAMES,
  exclusionReason,
  type DeclarationKind,
  type FeeItem,
} from '../domain/fee-items';
import { sumFen, type Fen } from '../domain/money';
import { WRONG_PASSWORD_CODE, WRONG_PASSWORD_MESSAGE, initialPassword } from '../domain/password';
import { checkTaxpayerId } from '../domain/taxpayer-id';
import { addDays, chinaDate } from './calendar';
import {
  DEDUCTION_SUCCESS_CODE,
  type BureauAccount,
  type BureauAgreement,
  type BureauCertificate,
  type BureauEmployer,
  type BureauLedgerEntry,
  type BureauVoucher,
  type CertificateRequest,
  type DecisionResult,
  type DeclareRequest,
  type DeductRequest,
  type DeductionFailureCode,
  type DeductionResult,
  type DeductionStatus,
  type FaultMode,
  type FaultOperation,
  type FaultRule,
  type FeeItemPage,
  type PaymentLine,
  type SubmissionReceipt,
  type VoidRequest,
  type VoucherAccount,
  type VoucherIssued,
  type VoucherRequest,
  type VoucherState,
} from './contract';
import { checkPassword, hashPassword, isLegacyHashOf, sameText } from './passwords';
import { faultCanApply, takeFault, type StoredFault } from './faults';
import {
  applyCondition,
  assessRegular,
  assessSpecial,
  completeEmployer,
  generateDataSet,
  mulberry32,
  seedFromString,
  validUntilFor,
  type AssessedItem,
  type EmployerFields,
  type EmployerProfile,
  type GeneratedEmployer,
  type Rng,
} from './generate';

/** A refusal the HTTP layer answers as `{ code, message }` with this status. */
export class BureauRefusal extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BureauRefusal';
  }
}

interface StoredEmployer extends Omit<BureauEmployer, 'passwordIsInitial'> {
  /** scrypt of the password (src/bureau/passwords.ts; an older file: SHA-256); absent: the initial password. */
  passwordHash?: string;
  accountFrozen: boolean;
  profile: EmployerProfile;
}

interface StoredItem extends FeeItem {
  taxpayerId: string;
  heldBy?: string; // the pending or accepted declaration that holds it
  voucherNumber?: string; // the last voucher issued for it; it blocks other payments while open
  payment?: { at: string; ref: string }; // ref: the voucher number or the deduction key
}

/** A decision due at `decideAt`; `result` stays pending until then. */
interface Decision {
  receivedAt: string;
  decideAt: string;
  result: DecisionResult;
}

interface StoredDeclaration extends Decision {
  request: DeclareRequest;
  voidedAt?: string;
}

interface StoredVoid extends Decision {
  request: VoidRequest;
}

interface StoredDeduction {
  request: DeductRequest;
  result: DeductionResult;
}

interface StoredVoucher extends VoucherIssued {
  request: VoucherRequest;
  account: VoucherAccount | null;
  paidAt?: string;
  voidedAt?: string;
}

export interface BureauSettings {
  voucherDeadlineDays: number; // 限缴日期 = issue date + this
  resultDelayMs: number; // how long a declaration or void takes to decide
}

interface StateData {
  version: 1;
  voucherDeadlineDays: number;
  counters: { serial: number; voucher: number; certificate: number; seed: number; fault: number };
  employers: Record<string, StoredEmployer>;
  items: Record<string, StoredItem>;
  declarations: Record<string, StoredDeclaration>;
  voids: Record<string, StoredVoid>;
  deductions: Record<string, StoredDeduction>;
  vouchers: Record<string, StoredVoucher>; // by voucher number
  voucherKeys: Record<string, string>; // idempotency key → voucher number
  certificates: Record<string, BureauCertificate>; // by idempotency key
  ledger: BureauLedgerEntry[];
  faults: StoredFault[];
}

function emptyData(): StateData {
  return {
    version: 1,
    voucherDeadlineDays: 15,
    counters: { serial: 0, voucher: 0, certificate: 0, seed: 0, fault: 0 },
    employers: {},
    items: {},
    declarations: {},
    voids: {},
    deductions: {},
    vouchers: {},
    voucherKeys: {},
    certificates: {},
    ledger: [],
    faults: [],
  };
}

function loadData(file: string | undefined): StateData {
  if (!file || !existsSync(file)) return emptyData();
  const data = JSON.parse(readFileSync(file, 'utf8')) as StateData;
  // A file we do not understand is refused rather than replaced: it may hold a ledger.
  if (data.version !== 1) throw new Error(`${file}: unknown bureau state version ${String(data.version)}`);
  return data;
}

/** What to store for a new password: nothing for the initial one (derived from the public unit number). */
function passwordHash(e: StoredEmployer, password: string): string | undefined {
  return password === initialPassword(e.unitNumber) ? undefined : hashPassword(password);
}

function nowIso(): string {
  return new Date().toISOString();
}

function compactDate(iso: string): string {
  return chinaDate(new Date(iso)).replaceAll('-', '');
}

/** JSON with object keys sorted, so two equal requests compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Reusing an idempotency key for a different request is a caller's bug: say so, apply nothing. */
function assertSameRequest(stored: object, incoming: object, key: string): void {
  if (canonical(stored) !== canonical(incoming)) {
    throw new BureauRefusal(409, 'KEY_REUSED', `key ${key} was already used for a different request`);
  }
}

const FAULT_REASON = '模拟故障：税务端处理失败 (injected reject)';

export interface SeedRequest {
  employers: number;
  periods: string[];
  seed?: number;
}

export interface AssessmentPush {
  taxpayerId: string;
  period: string;
  kind?: DeclarationKind;
  state?: AssessedCondition;
}

export type AssessedCondition = 'normal' | 'revoked' | 'expired' | 'not_normal';

export interface NewEmployer extends EmployerFields {
  periods?: string[];
}

export interface EmployerPatch {
  balanceFen?: Fen;
  accountFrozen?: boolean;
}

export type AdminEmployer = BureauEmployer & { accountFrozen: boolean };

export class BureauState {
  private data: StateData;
  private dirty = false;
  private writing: Promise<void> | undefined;
  // Rates of faults need randomness only; a fixed seed keeps runs reproducible.
  private readonly rng: Rng = mulberry32(0x5eed);

  constructor(
    private readonly file: string | undefined,
    private resultDelayMs: number,
  ) {
    this.data = loadData(file);
  }

  // ---- persistence ----

  /** Marks the state as changed; the answer of the current request waits for flush(). */
  private changed(): void {
    this.dirty = true;
  }

  /**
   * Makes every change so far durable before the caller answers. Concurrent callers share one
   * write (group commit), so a large state is not rewritten once per request under load; a
   * change made while a write runs goes into the next one.
   */
  async flush(): Promise<void> {
    if (!this.file) return;
    while (this.dirty || this.writing) {
      if (this.writing) {
        await this.writing;
        continue;
      }
      this.dirty = false;
      this.writing = this.write(this.file, JSON.stringify(this.data))
        .catch((err: unknown) => {
          this.dirty = true; // written by the next flush
          throw err;
        })
        .finally(() => {
          this.writing = undefined;
        });
      await this.writing;
    }
  }

  /** tmp file + rename: a crash mid-write leaves the previous state, never half a file. */
  private async write(file: string, json: string): Promise<void> {
    // Owner-only (src/data-dir.ts), whatever the umask: the ledger and the password hashes.
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, json, { mode: 0o600 });
    await chmod(tmp, 0o600); // a tmp file left by a crash keeps its mode: not ours to trust
    await rename(tmp, file);
  }

  // ---- lookups ----

  private employerRecord(taxpayerId: string): StoredEmployer {
    const employer = this.data.employers[taxpayerId];
    if (!employer) throw new BureauRefusal(404, 'UNKNOWN_EMPLOYER', `税务机关无此纳税人：${taxpayerId}`);
    return employer;
  }

  private employerView(e: StoredEmployer): AdminEmployer {
    return {
      taxpayerId: e.taxpayerId,
      unitNumber: e.unitNumber,
      name: e.name,
      taxOfficeCode: e.taxOfficeCode,
      taxOfficeName: e.taxOfficeName,
      balanceFen: e.balanceFen,
      agreements: e.agreements,
      accounts: e.accounts,
      passwordIsInitial: e.passwordHash === undefined || isLegacyHashOf(e.passwordHash, e.taxpayerId, initialPassword(e.unitNumber)),
      accountFrozen: e.accountFrozen,
    };
  }

  private itemsOf(taxpayerId: string): StoredItem[] {
    return Object.values(this.data.items).filter((item) => item.taxpayerId === taxpayerId);
  }

  private static itemView(item: StoredItem): FeeItem {
    const { taxpayerId: _t, heldBy: _h, voucherNumber: _v, payment: _p, ...feeItem } = item;
    return feeItem;
  }

  private nextSerial(prefixDate: string): string {
    this.data.counters.serial += 1;
    return `${compactDate(prefixDate)}52${String(this.data.counters.serial).padStart(8, '0')}`;
  }

  // ---- faults ----

  /** The fault that fires on this call, if any; consuming it is a mutation like any other. */
  takeFault(operation: FaultOperation, modes: readonly FaultMode[]): FaultRule | undefined {
    const rule = takeFault(this.data.faults, operation, modes, this.rng);
    if (rule) this.changed();
    return rule;
  }

  addFault(rule: FaultRule): StoredFault {
    if (!faultCanApply(rule)) {
      throw new BureauRefusal(400, 'FAULT_NOT_APPLICABLE', `mode ${rule.mode} never takes effect on ${rule.operation}`);
    }
    this.data.counters.fault += 1;
    const fault: StoredFault = { id: this.data.counters.fault, rule, remaining: rule.times ?? null };
    this.data.faults.push(fault);
    this.changed();
    return fault;
  }

  listFaults(): StoredFault[] {
    return this.data.faults;
  }

  clearFaults(): void {
    this.data.faults = [];
    this.changed();
  }

  // ---- employers and passwords (F-1) ----

  employer(taxpayerId: string): AdminEmployer {
    return this.employerView(this.employerRecord(taxpayerId));
  }

  verifyPassword(taxpayerId: string, password: string): void {
    const employer = this.employerRecord(taxpayerId);
    if (employer.passwordHash === undefined) {
      if (sameText(password, initialPassword(employer.unitNumber))) return;
      throw new BureauRefusal(401, WRONG_PASSWORD_CODE, WRONG_PASSWORD_MESSAGE);
    }
    const { ok, upgrade } = checkPassword(employer.passwordHash, taxpayerId, password);
    if (!ok) throw new BureauRefusal(401, WRONG_PASSWORD_CODE, WRONG_PASSWORD_MESSAGE);
    // An older state file's SHA-256: replaced by scrypt now that the password is known.
    if (upgrade) {
      if (password === initialPassword(employer.unitNumber)) delete employer.passwordHash;
      else employer.passwordHash = upgrade;
      this.changed();
    }
  }

  changePassword(taxpayerId: string, password: string, newPassword: string): void {
    this.verifyPassword(taxpayerId, password);
    if (newPassword === password) {
      throw new BureauRefusal(400, 'PASSWORD_UNCHANGED', '新申报密码不能与原密码相同');
    }
    const employer = this.employerRecord(taxpayerId);
    const hash = passwordHash(employer, newPassword);
    if (hash === undefined) delete employer.passwordHash;
    else employer.passwordHash = hash;
    this.changed();
  }

  /** 单位社保费申报密码重置: staff put the F-1.2 initial password back. */
  resetPassword(taxpayerId: string): void {
    const employer = this.employerRecord(taxpayerId);
    delete employer.passwordHash;
    this.changed();
  }

  // ---- fee items (F-2.1) ----

  feeItems(taxpayerId: string, kind: DeclarationKind, page: number, pageSize: number): FeeItemPage {
    this.employerRecord(taxpayerId);
    const all = this.itemsOf(taxpayerId).filter((item) => item.kind === kind);
    const items = all.slice((page - 1) * pageSize, page * pageSize).map(BureauState.itemView);
    return { items, page, pageSize, total: all.length };
  }

  // ---- declarations (F-2.5, F-2.6) ----

  declare(request: DeclareRequest): SubmissionReceipt {
    const receipt: SubmissionReceipt = { requestId: request.requestId, status: 'pending' };
    const existing = this.data.declarations[request.requestId];
    if (existing) {
      assertSameRequest(existing.request, request, request.requestId);
      return receipt;
    }
    this.employerRecord(request.taxpayerId);
    const items = request.itemIds.map((id) => this.declarableItem(id, request));
    const receivedAt = nowIso();
    this.data.declarations[request.requestId] = { request, ...this.newDecision(receivedAt) };
    for (const item of items) item.heldBy = request.requestId;
    this.changed();
    return receipt;
  }

  private newDecision(receivedAt: string): Decision {
    const decideAt = new Date(Date.parse(receivedAt) + this.resultDelayMs).toISOString();
    return { receivedAt, decideAt, result: { status: 'pending' } };
  }

  /** The item, when this employer may declare it now; F-2.8's reason in the refusal otherwise. */
  private declarableItem(itemId: string, request: DeclareRequest): StoredItem {
    const item = this.data.items[itemId];
    const refuse = (why: string): BureauRefusal => new BureauRefusal(409, 'ITEM_NOT_DECLARABLE', `费款 ${itemId} 不可申报：${why}`);
    if (!item || item.taxpayerId !== request.taxpayerId) throw refuse('该单位无此应征费款信息');
    if (item.kind !== request.kind) throw refuse(`它是${item.kind === 'regular' ? '日常' : '特殊缴费'}申报的费款`);
    const held = new Set(item.heldBy ? [item.itemId] : []);
    const reason = exclusionReason(item, chinaDate(), held);
    if (reason) throw refuse(`${INSURANCE_NAMES[item.insuranceType]} ${item.period}: ${EXCLUSION_EXPLANATIONS[reason]}`);
    return item;
  }

  declarationResult(requestId: string): DecisionResult {
    const declaration = this.data.declarations[requestId];
    if (!declaration) throw new BureauRefusal(404, 'UNKNOWN_REQUEST', `税务机关未收到申报请求 ${requestId}`);
    return declaration.result;
  }

  // ---- voids (F-5.3) ----

  requestVoid(request: VoidRequest): SubmissionReceipt {
    const receipt: SubmissionReceipt = { requestId: request.requestId, status: 'pending' };
    const existing = this.data.voids[request.requestId];
    if (existing) {
      assertSameRequest(existing.request, request, request.requestId);
      return receipt;
    }
    this.assertVoidable(request.declarationRequestId);
    this.data.voids[request.requestId] = { request, ...this.newDecision(nowIso()) };
    this.changed();
    return receipt;
  }

  /** Only an accepted declaration with no void under way can be voided. */
  private assertVoidable(declarationRequestId: string): void {
    const declaration = this.data.declarations[declarationRequestId];
    if (!declaration) throw new BureauRefusal(404, 'UNKNOWN_REQUEST', `税务机关未收到申报请求 ${declarationRequestId}`);
    const refuse = (why: string): BureauRefusal =>
      new BureauRefusal(409, 'DECLARATION_NOT_VOIDABLE', `申报 ${declarationRequestId} 不可作废：${why}`);
    if (declaration.voidedAt) throw refuse('已作废');
    if (declaration.result.status !== 'accepted') throw refuse('申报未成功');
    const pending = Object.values(this.data.voids).some(
      (v) => v.request.declarationRequestId === declarationRequestId && v.result.status === 'pending',
    );
    if (pending) throw refuse('已有作废请求正在处理');
  }

  voidResult(requestId: string): DecisionResult {
    const request = this.data.voids[requestId];
    if (!request) throw new BureauRefusal(404, 'UNKNOWN_REQUEST', `税务机关未收到作废请求 ${requestId}`);
    return request.result;
  }

  // ---- asynchronous decisions ----

  /**
   * Decides every declaration and void whose time has come, oldest first. Called before any
   * request is handled and by a timer, so a decision is made once, at the earliest look, even
   * when its timer was lost to a restart. Answers when the next undecided one falls due.
   */
  settleDue(): Date | undefined {
    const now = nowIso();
    const due: { at: string; decide: () => void }[] = [];
    for (const d of Object.values(this.data.declarations)) {
      if (d.result.status === 'pending' && d.decideAt <= now) due.push({ at: d.decideAt, decide: () => this.decideDeclaration(d) });
    }
    for (const v of Object.values(this.data.voids)) {
      if (v.result.status === 'pending' && v.decideAt <= now) due.push({ at: v.decideAt, decide: () => this.decideVoid(v) });
    }
    due.sort((a, b) => a.at.localeCompare(b.at)).forEach((d) => d.decide());
    if (due.length > 0) this.changed();
    const waiting = [...Object.values(this.data.declarations), ...Object.values(this.data.voids)]
      .filter((r) => r.result.status === 'pending')
      .map((r) => r.decideAt)
      .sort();
    return waiting[0] === undefined ? undefined : new Date(waiting[0]);
  }

  private decideDeclaration(declaration: StoredDeclaration): void {
    const decidedAt = declaration.decideAt;
    const items = declaration.request.itemIds.map((id) => this.data.items[id] as StoredItem);
    const rejection = this.declarationRejection(items, decidedAt);
    if (rejection) {
      declaration.result = { status: 'rejected', decidedAt, ...rejection };
      for (const item of items) delete item.heldBy;
      return;
    }
    declaration.result = { status: 'accepted', serial: this.nextSerial(decidedAt), decidedAt };
    for (const item of items) item.state = 'declared';
  }

  /** An injected reject, or an item the agencies changed (revoked, lapsed) while it waited. */
  private declarationRejection(items: StoredItem[], decidedAt: string): { code: string; reason: string } | undefined {
    if (this.takeFault('declaration_result', ['reject'])) return { code: 'FAULT_INJECTED', reason: FAULT_REASON };
    for (const item of items) {
      const reason = exclusionReason(item, chinaDate(new Date(decidedAt)), new Set());
      if (reason) return { code: reason, reason: `费款 ${item.itemId}: ${EXCLUSION_EXPLANATIONS[reason]}` };
    }
    return undefined;
  }

  private decideVoid(request: StoredVoid): void {
    const decidedAt = request.decideAt;
    const declaration = this.data.declarations[request.request.declarationRequestId] as StoredDeclaration;
    const items = declaration.request.itemIds.map((id) => this.data.items[id] as StoredItem);
    const rejection = this.voidRejection(items, decidedAt);
    if (rejection) {
      request.result = { status: 'rejected', decidedAt, ...rejection };
      return;
    }
    request.result = { status: 'accepted', serial: this.nextSerial(decidedAt), decidedAt };
    declaration.voidedAt = decidedAt;
    for (const item of items) {
      item.state = 'normal';
      delete item.heldBy;
    }
  }

  /** Paid or partly paid declarations cannot be voided, nor those a live voucher will pay. */
  private voidRejection(items: StoredItem[], decidedAt: string): { code: string; reason: string } | undefined {
    if (this.takeFault('void_result', ['reject'])) return { code: 'FAULT_INJECTED', reason: FAULT_REASON };
    if (items.some((item) => item.payment)) return { code: 'DECLARATION_PAID', reason: '该申报已缴费或部分缴费，不能作废' };
    if (items.some((item) => this.openVoucherOf(item, chinaDate(new Date(decidedAt))))) {
      return { code: 'VOUCHER_OUTSTANDING', reason: '该申报有未缴未作废的缴款凭证，请先作废凭证' };
    }
    return undefined;
  }

  // ---- payment lines, shared by deductions and vouchers (F-4) ----

  private openVoucherOf(item: StoredItem, today: string): StoredVoucher | undefined {
    const voucher = item.voucherNumber ? this.data.vouchers[item.voucherNumber] : undefined;
    return voucher && BureauState.voucherState(voucher, today) === 'issued' ? voucher : undefined;
  }

  /** Each line must pay, in full, a declared and unpaid item of this employer not on a live voucher. */
  private payableItems(taxpayerId: string, lines: readonly PaymentLine[], amountFen?: Fen): StoredItem[] {
    const today = chinaDate();
    const items = lines.map(({ itemId, amountFen: lineFen }) => {
      const item = this.data.items[itemId];
      const refuse = (code: string, why: string): BureauRefusal => new BureauRefusal(409, code, `费款 ${itemId} 不可缴纳：${why}`);
      if (!item || item.taxpayerId !== taxpayerId) throw refuse('ITEM_NOT_PAYABLE', '该单位无此费款');
      if (item.state !== 'declared') throw refuse('ITEM_NOT_PAYABLE', '尚未申报');
      if (item.payment) throw refuse('ITEM_NOT_PAYABLE', '已缴费');
      const voucher = this.openVoucherOf(item, today);
      if (voucher) throw refuse('ITEM_ON_VOUCHER', `已开具缴款凭证 ${voucher.voucherNumber}，请到银行缴纳或先作废凭证`);
      if (lineFen !== item.amountFen) throw refuse('AMOUNT_MISMATCH', `应缴 ${item.amountFen} 分，不是 ${lineFen} 分`);
      return item;
    });
    if (new Set(lines.map((l) => l.itemId)).size !== lines.length) {
      throw new BureauRefusal(409, 'DUPLICATE_LINE', '同一费款在一次缴费中出现多次');
    }
    if (amountFen !== undefined && amountFen !== sumFen(lines.map((l) => l.amountFen))) {
      throw new BureauRefusal(409, 'AMOUNT_MISMATCH', `合计 ${amountFen} 分与明细之和不符`);
    }
    return items;
  }

  private markPaid(items: StoredItem[], at: string, ref: string): void {
    for (const item of items) item.payment = { at, ref };
  }

  // ---- real-time deduction (F-4.5) ----

  deduct(request: DeductRequest): DeductionResult {
    const existing = this.data.deductions[request.key];
    if (existing) {
      assertSameRequest(existing.request, request, request.key);
      return existing.result;
    }
    const employer = this.employerRecord(request.taxpayerId);
    const agreement = employer.agreements.find((a) => a.agreementId === request.agreementId);
    if (!agreement) throw new BureauRefusal(409, 'UNKNOWN_AGREEMENT', `该单位未签订三方协议 ${request.agreementId}`);
    const items = this.payableItems(request.taxpayerId, request.lines, request.amountFen);
    const at = nowIso();
    const failure = this.deductionFailure(employer, agreement, request.amountFen);
    const result: DeductionResult = failure
      ? { key: request.key, result: 'failed', applied: false, at, ...failure }
      : { key: request.key, result: 'succeeded', code: DEDUCTION_SUCCESS_CODE, applied: true, amountFen: request.amountFen, at };
    if (result.applied) {
      employer.balanceFen -= request.amountFen;
      this.markPaid(items, at, request.key);
      this.data.ledger.push({ key: request.key, kind: 'deduction', taxpayerId: request.taxpayerId, amountFen: request.amountFen, lines: request.lines, at, agreementId: request.agreementId });
    }
    this.data.deductions[request.key] = { request, result };
    this.changed();
    return result;
  }

  private deductionFailure(
    employer: StoredEmployer,
    agreement: BureauAgreement,
    amountFen: Fen,
  ): { code: DeductionFailureCode; reason: string } | undefined {
    const fault = this.takeFault('deduct', ['insufficient_balance', 'account_frozen'])?.mode;
    if (agreement.status !== 'valid') return { code: 'AGREEMENT_INVALID', reason: `三方协议${agreement.status === 'expired' ? '已过期' : '未验证'}` };
    if (fault === 'account_frozen' || employer.accountFrozen) return { code: 'ACCOUNT_FROZEN', reason: '账户冻结' };
    if (fault === 'insufficient_balance' || employer.balanceFen < amountFen) return { code: 'INSUFFICIENT_BALANCE', reason: '余额不足' };
    return undefined;
  }

  deductionStatus(key: string): DeductionStatus {
    const deduction = this.data.deductions[key];
    if (!deduction) return { key, state: 'not_found' };
    return { key, state: deduction.result.applied ? 'applied' : 'failed', result: deduction.result };
  }

  // ---- bank-side vouchers (F-4.6, F-4.8) ----

  private static voucherState(voucher: StoredVoucher, today: string): VoucherState {
    if (voucher.voidedAt) return 'voided';
    if (voucher.paidAt) return 'paid';
    return today > voucher.deadline ? 'expired' : 'issued';
  }

  private voucherView(v: StoredVoucher): BureauVoucher {
    return {
      voucherNumber: v.voucherNumber,
      issuedAt: v.issuedAt,
      deadline: v.deadline,
      amountFen: v.amountFen,
      taxpayerId: v.request.taxpayerId,
      state: BureauState.voucherState(v, chinaDate()),
      lines: v.request.lines,
      account: v.account,
      ...(v.paidAt ? { paidAt: v.paidAt } : {}),
      ...(v.voidedAt ? { voidedAt: v.voidedAt } : {}),
    };
  }

  private voucherRecord(voucherNumber: string): StoredVoucher {
    const voucher = this.data.vouchers[voucherNumber];
    if (!voucher) throw new BureauRefusal(404, 'UNKNOWN_VOUCHER', `无此缴款凭证：${voucherNumber}`);
    return voucher;
  }

  issueVoucher(request: VoucherRequest): VoucherIssued {
    const existingNumber = this.data.voucherKeys[request.key];
    if (existingNumber) {
      const existing = this.voucherRecord(existingNumber);
      assertSameRequest(existing.request, request, request.key);
      return { voucherNumber: existing.voucherNumber, issuedAt: existing.issuedAt, deadline: existing.deadline, amountFen: existing.amountFen };
    }
    const employer = this.employerRecord(request.taxpayerId);
    const items = this.payableItems(request.taxpayerId, request.lines);
    const issuedAt = nowIso();
    this.data.counters.voucher += 1;
    const issued: VoucherIssued = {
      voucherNumber: `3${compactDate(issuedAt)}${String(this.data.counters.voucher).padStart(8, '0')}`,
      issuedAt,
      deadline: addDays(chinaDate(new Date(issuedAt)), this.data.voucherDeadlineDays),
      amountFen: sumFen(request.lines.map((l) => l.amountFen)),
    };
    const account = request.account ?? BureauState.payerAccount(employer.accounts[0]);
    this.data.vouchers[issued.voucherNumber] = { ...issued, request, account };
    this.data.voucherKeys[request.key] = issued.voucherNumber;
    for (const item of items) item.voucherNumber = issued.voucherNumber;
    this.changed();
    return issued;
  }

  private static payerAccount(account: BureauAccount | undefined): VoucherAccount | null {
    return account ? { bankName: account.bankName, accountName: account.accountName, accountNumber: account.accountNumber } : null;
  }

  voucher(voucherNumber: string): BureauVoucher {
    return this.voucherView(this.voucherRecord(voucherNumber));
  }

  /** Only an unpaid voucher can be voided; voiding again answers the same. */
  voidVoucher(voucherNumber: string): BureauVoucher {
    const voucher = this.voucherRecord(voucherNumber);
    if (voucher.paidAt) throw new BureauRefusal(409, 'VOUCHER_PAID', `缴款凭证 ${voucherNumber} 已缴款，不能作废`);
    if (!voucher.voidedAt) {
      voucher.voidedAt = nowIso();
      this.changed();
    }
    return this.voucherView(voucher);
  }

  /** The bank counter takes the money (admin): items paid, one ledger entry, repeat-safe. */
  payVoucher(voucherNumber: string): BureauVoucher {
    const voucher = this.voucherRecord(voucherNumber);
    const state = BureauState.voucherState(voucher, chinaDate());
    if (state === 'paid') return this.voucherView(voucher);
    if (state !== 'issued') throw new BureauRefusal(409, `VOUCHER_${state.toUpperCase()}`, `缴款凭证 ${voucherNumber} 状态为 ${state}，不能缴款`);
    const at = nowIso();
    voucher.paidAt = at;
    const items = voucher.request.lines.map((l) => this.data.items[l.itemId] as StoredItem);
    this.markPaid(items, at, voucherNumber);
    const { key, taxpayerId, lines } = voucher.request;
    this.data.ledger.push({ key, kind: 'counter_payment', taxpayerId, amountFen: voucher.amountFen, lines, at, voucherNumber });
    this.changed();
    return this.voucherView(voucher);
  }

  // ---- tax payment certificate (F-7) ----

  /** A certificate number for a period whose declared fees are all paid. */
  issueCertificate(request: CertificateRequest): BureauCertificate {
    const existing = this.data.certificates[request.key];
    if (existing) {
      assertSameRequest({ taxpayerId: existing.taxpayerId, period: existing.period }, { taxpayerId: request.taxpayerId, period: request.period }, request.key);
      return existing;
    }
    const employer = this.employerRecord(request.taxpayerId);
    const declared = this.itemsOf(request.taxpayerId).filter((i) => i.period === request.period && i.state === 'declared');
    const paid = declared.flatMap((item) => (item.payment ? [{ item, payment: item.payment }] : []));
    if (declared.length === 0 || paid.length < declared.length) {
      throw new BureauRefusal(409, 'NOT_PAID', `所属期 ${request.period} 无已缴费款或仍有未缴费款，不能开具完税证明`);
    }
    const issuedAt = nowIso();
    this.data.counters.certificate += 1;
    const certificate: BureauCertificate = {
      certificateNumber: `${employer.taxOfficeCode.slice(1, 7)}${compactDate(issuedAt).slice(2, 4)}${String(this.data.counters.certificate).padStart(8, '0')}`,
      issuedAt,
      taxpayerId: request.taxpayerId,
      period: request.period,
      amountFen: sumFen(declared.map((i) => i.amountFen)),
      lines: paid.map(({ item, payment }) => ({
        itemId: item.itemId,
        insuranceType: item.insuranceType,
        period: item.period,
        amountFen: item.amountFen,
        paidAt: payment.at,
        originalVoucher: payment.ref,
      })),
    };
    this.data.certificates[request.key] = certificate;
    this.changed();
    return certificate;
  }

  // ---- admin ----

  reset(): void {
    this.data = emptyData();
    this.changed();
  }

  settings(): BureauSettings {
    return { voucherDeadlineDays: this.data.voucherDeadlineDays, resultDelayMs: this.resultDelayMs };
  }

  updateSettings(patch: Partial<BureauSettings>): BureauSettings {
    if (patch.voucherDeadlineDays !== undefined) this.data.voucherDeadlineDays = patch.voucherDeadlineDays;
    if (patch.resultDelayMs !== undefined) this.resultDelayMs = patch.resultDelayMs;
    this.changed();
    return this.settings();
  }

  listEmployers(): AdminEmployer[] {
    return Object.values(this.data.employers).map((e) => this.employerView(e));
  }

  /** Gives each item a unique id: the readable base id, suffixed when a later push repeats it. */
  private insertItem(item: AssessedItem): StoredItem {
    let itemId = item.itemId;
    for (let n = 2; this.data.items[itemId]; n++) itemId = `${item.itemId}-${n}`;
    const stored: StoredItem = { ...item, itemId };
    this.data.items[itemId] = stored;
    return stored;
  }

  private insertEmployer(e: GeneratedEmployer): void {
    this.data.employers[e.taxpayerId] = {
      ...e,
      accountFrozen: false,
    };
  }

  seed(request: SeedRequest): AdminEmployer[] {
    this.data.counters.seed += 1;
    const dataSet = generateDataSet({
      employers: request.employers,
      periods: request.periods,
      seed: request.seed ?? this.data.counters.seed,
      today: chinaDate(),
      taken: {
        taxpayerIds: new Set(Object.keys(this.data.employers)),
        unitNumbers: new Set(Object.values(this.data.employers).map((e) => e.unitNumber)),
      },
    });
    dataSet.employers.forEach((e) => this.insertEmployer(e));
    dataSet.items.forEach((item) => this.insertItem(item));
    this.changed();
    return dataSet.employers.map((e) => this.employer(e.taxpayerId));
  }

  addEmployer(request: NewEmployer): AdminEmployer {
    const check = checkTaxpayerId(request.taxpayerId);
    if (!check.ok) throw new BureauRefusal(400, 'INVALID_TAXPAYER_ID', check.problem);
    if (this.data.employers[check.value]) throw new BureauRefusal(409, 'EMPLOYER_EXISTS', `纳税人 ${check.value} 已存在`);
    if (Object.values(this.data.employers).some((e) => e.unitNumber === request.unitNumber)) {
      throw new BureauRefusal(409, 'UNIT_NUMBER_EXISTS', `单位编号 ${request.unitNumber} 已存在`);
    }
    const periods = request.periods ?? [];
    // Seeded from the taxpayer ID: the same employer always gets the same generated details.
    const rng = mulberry32(seedFromString(check.value));
    const employer = completeEmployer(rng, { ...request, taxpayerId: check.value }, periods.length);
    this.insertEmployer(employer);
    for (const period of periods) assessRegular(rng, employer, period, chinaDate()).forEach((item) => this.insertItem(item));
    this.changed();
    return this.employer(employer.taxpayerId);
  }

  patchEmployer(taxpayerId: string, patch: EmployerPatch): AdminEmployer {
    const employer = this.employerRecord(taxpayerId);
    if (patch.balanceFen !== undefined) employer.balanceFen = patch.balanceFen;
    if (patch.accountFrozen !== undefined) employer.accountFrozen = patch.accountFrozen;
    this.changed();
    return this.employer(taxpayerId);
  }

  /** The HR or medical bureau pushes new assessments for a period, in the given condition. */
  pushAssessment(push: AssessmentPush): FeeItem[] {
    const employer = this.employerRecord(push.taxpayerId);
    const today = chinaDate();
    const fresh = push.kind === 'special' ? [assessSpecial(this.rng, employer, push.period, today)] : assessRegular(this.rng, employer, push.period, today);
    const stored = fresh.map((item) => this.insertItem(applyCondition(item, push.state ?? 'normal', today)));
    this.changed();
    return stored.map(BureauState.itemView);
  }

  /** An agency changes one item, e.g. revokes its collection order; 'normal' also renews a lapsed validity. */
  setItemState(itemId: string, condition: AssessedCondition): FeeItem {
    const item = this.data.items[itemId];
    if (!item) throw new BureauRefusal(404, 'UNKNOWN_ITEM', `无此应征费款信息：${itemId}`);
    const today = chinaDate();
    const renewed = condition === 'normal' && item.validUntil < today ? { ...item, validUntil: validUntilFor(item.period, today) } : item;
    Object.assign(item, applyCondition(renewed, condition, today));
    this.changed();
    return BureauState.itemView(item);
  }

  /** What was collected on a day (China time): the ledger a real bureau lets us reconcile against. */
  paymentsOn(date: string): BureauLedgerEntry[] {
    return this.data.ledger.filter((e) => chinaDate(new Date(e.at)) === date);
  }

  ledger(): BureauLedgerEntry[] {
    return this.data.ledger;
  }

  /** Everything, for debugging a test (password hashes included; no plain passwords are kept). */
  snapshot(): StateData {
    return this.data;
  }
}
