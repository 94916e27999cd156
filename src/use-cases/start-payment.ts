// Starting a payment (缴费, F-4.2–F-4.9): the amount check, the lines still payable before their
// deadline, the declaration password, the agreement (三方协议) or the voucher's account, then the
// payment and its workflow start recorded together and the workflow started. A repeat of a keyed
// request carries on with the payment its first try recorded: never a second one.
import type { VoucherAccount } from '../bureau/contract';
import type { EmployerRow } from '../db/employers';
import { LinesNotPayableError, createPayment, listPayables, type Payable, type PaymentRecord } from '../db/payments';
import { chinaTime } from '../domain/china-time';
import { AMOUNT_CHECK } from '../domain/notices';
import { maskAccount, paymentDeadline, type PaymentMethod } from '../domain/payment';
import { singlePeriod } from '../contracts/search-attributes';
import { threePartyPaymentInput, type VoucherPaymentInput } from '../contracts/payment';
import { Problem } from '../domain/problem';
import type { Caller, Services } from './context';
import { openEmployer, withDeclarationPassword } from './employer-access';
import { paymentOr404 } from './payment-records';
import { newWorkId, startWork, type WorkStart } from './start-work';
import { WORKFLOW } from '../contracts/workflow-types';

export interface PaymentRequest {
  employerId: string;
  /** Declared, unpaid lines (GET /api/employers/:id/payables). */
  lineIds: string[];
  /** F-4.2: the operator checked the insurance types and amounts. */
  amountConfirmed: boolean;
  /** The declaration password (申报密码): checked by the bureau, never passed on. */
  password: string;
  method: PaymentMethod;
  /** three_party: the agreement to deduct by. */
  agreementId?: string | undefined;
  /** bank_voucher: a reported account by id, or one typed in; none: the bureau's default. */
  account?: { accountId: string } | VoucherAccount | undefined;
}

export interface StartedPayment {
  payment: PaymentRecord;
  /** False when Temporal did not answer: the payment is recorded and the reconciler starts it. */
  workflowStarted: boolean;
}

/** What the request itself must say, before anything is looked up. */
function checkRequest(request: PaymentRequest): void {
  if (request.amountConfirmed !== true) throw new Problem(422, 'AMOUNT_NOT_CONFIRMED', 'Confirm the insurance types and amounts first', AMOUNT_CHECK);
  if (request.method === 'three_party' && !request.agreementId) {
    throw new Problem(422, 'AGREEMENT_REQUIRED', 'Choose a three-party agreement', 'give agreementId: one of the agreements listed by GET /api/employers/:id');
  }
  if (request.method === 'three_party' && request.account) {
    throw new Problem(422, 'ACCOUNT_NOT_ALLOWED', 'An account goes with a voucher', 'a three-party payment deducts from the agreement\'s account; omit account');
  }
}

/** The requested lines, each declared, unpaid and free of another payment, and their deadline, not passed. */
async function payableLines(services: Services, employer: EmployerRow, lineIds: string[]): Promise<{ lines: Payable[]; deadline: Date }> {
  const byId = new Map((await listPayables(services.db, employer.id)).map((p) => [p.lineId, p]));
  const notPayable = lineIds.filter((id) => !byId.has(id));
  if (notPayable.length > 0) {
    throw new Problem(409, 'LINES_NOT_PAYABLE', 'Some lines cannot be paid now', `not among the declared, unpaid lines free of another payment: ${notPayable.join(', ')}`, { lineIds: notPayable });
  }
  const lines = lineIds.map((id) => byId.get(id)!);
  const deadline = paymentDeadline(lines.map((l) => l.validUntil));
  if (deadline.getTime() < Date.now()) {
    throw new Problem(409, 'PAYMENT_DEADLINE_PASSED', 'The payment deadline has passed', `the collection order was valid until ${chinaTime(deadline)}: ask the agency to assess the fees again`);
  }
  return { lines, deadline };
}

/** Where the money comes from, as the bureau knows the employer: a valid agreement (F-4.9) or the voucher's account. */
async function payer(services: Services, employer: EmployerRow, request: PaymentRequest): Promise<{ agreementId: string | null; account: VoucherAccount | null }> {
  const known = await services.bureau.getEmployer(employer.taxpayerId);
  if (request.method === 'three_party') {
    // F-4.9: only employers with a signed agreement pay this way.
    if (known.agreements.length === 0) throw new Problem(409, 'NO_AGREEMENT', 'No three-party agreement', 'this employer has signed no three-party agreement (三方协议): pay by bank-side voucher');
    const agreement = known.agreements.find((a) => a.agreementId === request.agreementId);
    if (!agreement) throw new Problem(422, 'UNKNOWN_AGREEMENT', 'No such agreement', `the employer has no agreement ${request.agreementId}`);
    if (agreement.status !== 'valid') throw new Problem(409, 'AGREEMENT_INVALID', 'The agreement cannot be used', `agreement ${agreement.agreementId} is ${agreement.status}: it must be verified and valid`);
    return { agreementId: agreement.agreementId, account: null };
  }
  const chosen = request.account;
  if (!chosen) return { agreementId: null, account: null };
  if (!('accountId' in chosen)) return { agreementId: null, account: chosen };
  const reported = known.accounts.find((a) => a.accountId === chosen.accountId);
  if (!reported) throw new Problem(422, 'UNKNOWN_ACCOUNT', 'No such reported account', 'choose one of the accounts listed by GET /api/employers/:id, or type one in');
  return { agreementId: null, account: { bankName: reported.bankName, accountName: reported.accountName, accountNumber: reported.accountNumber } };
}

/** The payment workflow's start. Its input, the account number included, is recorded sealed by the payload codec. */
function paymentStart(
  services: Services,
  p: { id: string; workflowId: string; method: PaymentMethod; employer: EmployerRow; lines: Payable[]; deadline: Date; agreementId: string | null; account: VoucherAccount | null },
): WorkStart {
  const common = { workflowId: p.workflowId, subjectType: 'payment' as const, subjectId: p.id };
  const attributes = { employerId: p.employer.id, period: singlePeriod(p.lines.map((l) => l.period)) };
  const { payment } = services.config;
  if (p.method === 'three_party') {
    const input = threePartyPaymentInput({ paymentId: p.id, taxpayerId: p.employer.taxpayerId, agreementId: p.agreementId!, lines: p.lines, deadline: p.deadline, timing: payment });
    return { ...common, workflowType: WORKFLOW.threePartyPaymentWorkflow, attributes: { ...attributes, status: 'deducting' }, args: [input] };
  }
  const lines = p.lines.map((l) => ({ itemId: l.itemId, amountFen: l.dueFen }));
  const input: VoucherPaymentInput = {
    paymentId: p.id,
    employerId: p.employer.id,
    taxpayerId: p.employer.taxpayerId,
    lines,
    amountFen: lines.reduce((sum, l) => sum + l.amountFen, 0),
    account: p.account,
    counterPollSeconds: payment.counterPollSeconds,
  };
  return { ...common, workflowType: WORKFLOW.voucherPaymentWorkflow, attributes: { ...attributes, status: 'voucher_issued' }, args: [input] };
}

export async function startPayment(services: Services, caller: Caller, request: PaymentRequest): Promise<StartedPayment> {
  checkRequest(request);
  const { result: payment, workflowStarted } = await startWork(services, caller, {
    subject: 'payment',
    // A repeat whose first try recorded the payment (and maybe died): the same payment, never a second.
    found: (earlier) => paymentOr404(services, earlier.subjectId),
    record: async ({ startWith }) => {
      const employer = await openEmployer(services, request.employerId);
      const { lines, deadline } = await payableLines(services, employer, request.lineIds);
      // F-4.3: the declaration password, checked by the bureau and never passed on.
      await withDeclarationPassword(services, employer.taxpayerId, () => services.bureau.verifyPassword(employer.taxpayerId, request.password));
      const { agreementId, account } = await payer(services, employer, request);

      const id = newWorkId(caller, 'P');
      const workflowId = `payment-${id}`;
      const start = paymentStart(services, { id, workflowId, method: request.method, employer, lines, deadline, agreementId, account });
      const record = {
        id,
        employerId: employer.id,
        method: request.method,
        lines,
        agreementId,
        accountMasked: account ? `${account.bankName} ${maskAccount(account.accountNumber)}` : null,
        workflowId,
        deadline,
        actor: caller.actor,
      };
      try {
        await createPayment(services.db, record, startWith(start));
      } catch (err) {
        if (err instanceof LinesNotPayableError) throw new Problem(409, 'LINES_NOT_PAYABLE', 'Some lines are in another payment', err.message, { lineIds: err.lineIds });
        throw err;
      }
      return { result: await paymentOr404(services, id), start: workflowId };
    },
  });
  return { payment, workflowStarted };
}
