// Payments (F-4): payables, paying by three-party agreement or bank-side voucher, and the
// operator's retry-now and cancel of a deduction awaiting its retry.
import { callerOf } from '../caller';
import type { FastifyInstance } from 'fastify';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { VoucherAccount } from '../../bureau/contract';
import { LinesNotPayableError, createPayment, getPayment, listPayables, listPayments, type PaymentRecord } from '../../db/payments';
import { PAYMENT_METHODS, PAYMENT_STATES, maskAccount, paymentDeadline, type PaymentMethod, type PaymentState } from '../../domain/payment';
import { INSURANCE_NAMES, type InsuranceType } from '../../domain/fee-items';
import { cancelPaymentUpdate, retryPaymentNowUpdate } from '../../workflows/messages';
import type { ThreePartyPaymentInput, VoucherPaymentInput } from '../../workflows/payment-inputs';
import { singlePeriod } from '../../search-attributes';
import { earlierStart, newWorkId, recordStartOf, startRecorded, type WorkStart } from '../../use-cases/start-work';
import { openEmployer, withDeclarationPassword } from '../../use-cases/employer-access';
import { Problem, notFound } from '../problem';
import { activityFailureView, money } from '../views';
import { errors, idParams } from './common';

/** F-4.2, confirmed before a deduction. */
export const AMOUNT_CHECK = '请核对险种和金额后再扣款。Check the insurance types and amounts before the deduction.';

type AccountChoice = { accountId: string } | VoucherAccount;

interface PayBody {
  lineIds: string[];
  amountConfirmed: boolean;
  password: string;
  method: PaymentMethod;
  agreementId?: string;
  account?: AccountChoice;
}

export function paymentView(p: PaymentRecord) {
  return {
    id: p.id,
    employerId: p.employerId,
    method: p.method,
    status: p.status as PaymentState,
    ...money('total', p.totalFen),
    lines: p.lines.map((l) => ({ lineId: l.lineId, itemId: l.itemId, ...money('amount', l.amountFen) })),
    agreementId: p.agreementId,
    account: p.accountMasked,
    attempts: p.attempts.map((a) => ({ n: a.n, at: a.at.toISOString(), outcome: a.outcome, code: a.code, reason: a.reason })),
    nextRetryAt: p.nextRetryAt?.toISOString() ?? null,
    reason: p.reason,
    lastError: activityFailureView(p.failing),
    deadline: p.deadline.toISOString(),
    workflowId: p.workflowId,
    createdBy: p.createdBy,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    voucher: p.voucher
      ? {
          id: p.voucher.id,
          voucherNumber: p.voucher.voucherNumber,
          status: p.voucher.status,
          deadline: p.voucher.deadline,
          pdf: p.voucher.pdfPath ? `/api/vouchers/${p.voucher.id}/pdf` : null,
          lastPrintError: p.voucher.lastPrintError,
        }
      : null,
  };
}

const accountSchema = {
  oneOf: [
    { type: 'object', properties: { accountId: { type: 'string', minLength: 1, maxLength: 100 } }, required: ['accountId'], additionalProperties: false },
    {
      type: 'object',
      properties: {
        bankName: { type: 'string', minLength: 2, maxLength: 100 },
        accountName: { type: 'string', minLength: 2, maxLength: 100 },
        accountNumber: { type: 'string', pattern: '^[0-9]{10,30}$' },
      },
      required: ['bankName', 'accountName', 'accountNumber'],
      additionalProperties: false,
    },
  ],
  description: 'a reported deposit account (存款账户账号报告) by id, or one typed in',
} as const;

export default async function paymentRoutes(app: FastifyInstance) {
  async function paymentOr404(id: string): Promise<PaymentRecord> {
    const p = await getPayment(app.db, id);
    if (!p) throw notFound('payment', id);
    return p;
  }

  app.get<{ Params: { id: string } }>(
    '/employers/:id/payables',
    {
      config: { access: 'read' },
      schema: { summary: 'Declared, unpaid fee lines (F-4.1)', tags: ['payments'], params: idParams, response: errors(401, 403, 404, 409) },
    },
    async (request) => {
      const employer = await openEmployer(app, request.params.id);
      const payables = await listPayables(app.db, employer.id);
      return {
        payables: payables.map((p) => ({
          ...p,
          insuranceName: INSURANCE_NAMES[p.insuranceType as InsuranceType],
          ...money('amount', p.amountFen),
          ...money('paid', p.paidFen),
          ...money('due', p.dueFen),
        })),
        ...money('total', payables.reduce((sum, p) => sum + p.dueFen, 0)),
      };
    },
  );

  app.post<{ Params: { id: string }; Body: PayBody }>(
    '/employers/:id/payments',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Pay declared lines (F-4.2–F-4.6): password check, then three-party deduction or a bank-side voucher',
        tags: ['payments'],
        params: idParams,
        body: {
          type: 'object',
          properties: {
            lineIds: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, minItems: 1, maxItems: 200, uniqueItems: true },
            amountConfirmed: { type: 'boolean', description: AMOUNT_CHECK },
            password: { type: 'string', minLength: 1, maxLength: 64, description: '申报密码' },
            method: { type: 'string', enum: PAYMENT_METHODS },
            agreementId: { type: 'string', minLength: 1, maxLength: 100, description: 'three_party: the agreement (三方协议) to deduct by' },
            account: accountSchema,
          },
          required: ['lineIds', 'amountConfirmed', 'password', 'method'],
          additionalProperties: false,
        },
        response: errors(400, 401, 403, 404, 409, 422, 429, 503),
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.amountConfirmed !== true) throw new Problem(422, 'AMOUNT_NOT_CONFIRMED', 'Confirm the insurance types and amounts first', AMOUNT_CHECK);
      if (body.method === 'three_party' && !body.agreementId) {
        throw new Problem(422, 'AGREEMENT_REQUIRED', 'Choose a three-party agreement', 'give agreementId: one of the agreements listed by GET /api/employers/:id');
      }
      if (body.method === 'three_party' && body.account) {
        throw new Problem(422, 'ACCOUNT_NOT_ALLOWED', 'An account goes with a voucher', 'a three-party payment deducts from the agreement\'s account; omit account');
      }
      // A repeat whose first try recorded the payment (and maybe died): the same payment, never a second.
      const earlier = await earlierStart(app, callerOf(request), 'payment');
      if (earlier) return reply.status(202).send({ ...paymentView(await paymentOr404(earlier.subjectId)), workflowStarted: earlier.started });
      const employer = await openEmployer(app, request.params.id);
      const payables = await listPayables(app.db, employer.id);
      const byId = new Map(payables.map((p) => [p.lineId, p]));
      const notPayable = body.lineIds.filter((id) => !byId.has(id));
      if (notPayable.length > 0) {
        throw new Problem(409, 'LINES_NOT_PAYABLE', 'Some lines cannot be paid now', `not among the declared, unpaid lines free of another payment: ${notPayable.join(', ')}`, { lineIds: notPayable });
      }
      const lines = body.lineIds.map((id) => byId.get(id)!);
      const deadline = paymentDeadline(lines.map((l) => l.validUntil));
      if (deadline.getTime() < Date.now()) {
        throw new Problem(409, 'PAYMENT_DEADLINE_PASSED', 'The payment deadline has passed', `the collection order was valid until ${deadline.toISOString()}: ask the agency to assess the fees again`);
      }

      // F-4.3: the declaration password, checked by the bureau and never passed on.
      await withDeclarationPassword(app, employer.taxpayerId, () => app.bureau.verifyPassword(employer.taxpayerId, body.password));
      const known = await app.bureau.getEmployer(employer.taxpayerId);

      let agreementId: string | null = null;
      let account: VoucherAccount | null = null;
      if (body.method === 'three_party') {
        // F-4.9: only employers with a signed agreement pay this way.
        if (known.agreements.length === 0) throw new Problem(409, 'NO_AGREEMENT', 'No three-party agreement', 'this employer has signed no three-party agreement (三方协议): pay by bank-side voucher');
        const agreement = known.agreements.find((a) => a.agreementId === body.agreementId);
        if (!agreement) throw new Problem(422, 'UNKNOWN_AGREEMENT', 'No such agreement', `the employer has no agreement ${body.agreementId}`);
        if (agreement.status !== 'valid') throw new Problem(409, 'AGREEMENT_INVALID', 'The agreement cannot be used', `agreement ${agreement.agreementId} is ${agreement.status}: it must be verified and valid`);
        agreementId = agreement.agreementId;
      } else if (body.account && 'accountId' in body.account) {
        const reported = known.accounts.find((a) => a.accountId === (body.account as { accountId: string }).accountId);
        if (!reported) throw new Problem(422, 'UNKNOWN_ACCOUNT', 'No such reported account', 'choose one of the accounts listed by GET /api/employers/:id, or type one in');
        account = { bankName: reported.bankName, accountName: reported.accountName, accountNumber: reported.accountNumber };
      } else if (body.account) {
        account = body.account as VoucherAccount;
      }

      const id = newWorkId(callerOf(request), 'P');
      const workflowId = `payment-${id}`;
      const paymentLines = lines.map((l) => ({ itemId: l.itemId, amountFen: l.dueFen }));
      const amountFen = paymentLines.reduce((sum, l) => sum + l.amountFen, 0);
      const attributes = { employerId: employer.id, period: singlePeriod(lines.map((l) => l.period)) };
      // The workflow's input, the account number included, is recorded sealed by the payload codec.
      const start: WorkStart =
        body.method === 'three_party'
          ? {
              workflowId,
              workflowType: 'threePartyPaymentWorkflow',
              subjectType: 'payment',
              subjectId: id,
              attributes: { ...attributes, status: 'deducting' },
              args: [
                {
                  paymentId: id,
                  taxpayerId: employer.taxpayerId,
                  agreementId: agreementId!,
                  lines: paymentLines,
                  amountFen,
                  retryScheduleSeconds: app.config.payment.retryScheduleSeconds,
                  deadline: deadline.toISOString(),
                  statusPollSeconds: app.config.payment.statusPollSeconds,
                } satisfies ThreePartyPaymentInput,
              ],
            }
          : {
              workflowId,
              workflowType: 'voucherPaymentWorkflow',
              subjectType: 'payment',
              subjectId: id,
              attributes: { ...attributes, status: 'voucher_issued' },
              args: [
                {
                  paymentId: id,
                  employerId: employer.id,
                  taxpayerId: employer.taxpayerId,
                  lines: paymentLines,
                  amountFen,
                  account,
                  counterPollSeconds: app.config.payment.counterPollSeconds,
                } satisfies VoucherPaymentInput,
              ],
            };
      try {
        await createPayment(
          app.db,
          {
            id,
            employerId: employer.id,
            method: body.method,
            lines,
            agreementId,
            accountMasked: account ? `${account.bankName} ${maskAccount(account.accountNumber)}` : null,
            workflowId,
            deadline,
            actor: request.actor!.name,
          },
          recordStartOf(app, callerOf(request), start),
        );
      } catch (err) {
        if (err instanceof LinesNotPayableError) throw new Problem(409, 'LINES_NOT_PAYABLE', 'Some lines are in another payment', err.message, { lineIds: err.lineIds });
        throw err;
      }
      const started = await startRecorded(app, callerOf(request), workflowId);
      return reply.status(202).send({ ...paymentView(await paymentOr404(id)), workflowStarted: started });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/payments/:id',
    {
      config: { access: 'read' },
      schema: { summary: 'A payment with every attempt, its next retry and voucher', tags: ['payments'], params: idParams, response: errors(401, 403, 404) },
    },
    async (request) => paymentView(await paymentOr404(request.params.id)),
  );

  app.get<{ Querystring: { employerId?: string; status?: PaymentState; limit: number } }>(
    '/payments',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Payments, newest first (the live list of running payments filters by status)',
        tags: ['payments'],
        querystring: {
          type: 'object',
          properties: {
            employerId: { type: 'string', maxLength: 100 },
            status: { type: 'string', enum: PAYMENT_STATES },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
          additionalProperties: false,
        },
        response: errors(400, 401, 403),
      },
    },
    async (request) => {
      const rows = await listPayments(app.db, request.query);
      const records = await Promise.all(rows.map((r) => paymentOr404(r.id)));
      return { payments: records.map(paymentView) };
    },
  );

  for (const [action, update, summary] of [
    ['retry', retryPaymentNowUpdate, 'Try a failed deduction again now (F-4.7)'],
    ['cancel', cancelPaymentUpdate, 'Stop retrying a failed deduction; its lines can be paid again'],
  ] as const) {
    app.post<{ Params: { id: string } }>(
      `/payments/:id/${action}`,
      { config: { access: 'write' }, schema: { summary, tags: ['payments'], params: idParams, response: errors(401, 403, 404, 409, 503) } },
      async (request) => {
        const payment = await paymentOr404(request.params.id);
        // The repeat of a keyed request whose first try did it and died before answering: the state it led to.
        const doneBefore = action === 'cancel' ? payment.status === 'cancelled' : payment.status !== 'awaiting_retry';
        if (payment.method === 'three_party' && request.idempotency?.resumed && doneBefore) return paymentView(payment);
        if (payment.method !== 'three_party' || payment.status !== 'awaiting_retry') {
          throw new Problem(409, 'PAYMENT_NOT_AWAITING_RETRY', `Only a deduction awaiting its retry can be ${action === 'retry' ? 'retried now' : 'cancelled'}`, `payment ${payment.id} is ${payment.status}`);
        }
        try {
          await app.temporal.connection.withDeadline(Date.now() + 30_000, () => app.temporal.workflow.getHandle(payment.workflowId).executeUpdate(update));
        } catch (err) {
          // The validator's answer when the state moved on meanwhile.
          if (err instanceof WorkflowUpdateFailedError) throw new Problem(409, 'PAYMENT_NOT_AWAITING_RETRY', 'The payment is no longer awaiting a retry', err.cause?.message ?? err.message);
          throw err;
        }
        return paymentView(await paymentOr404(payment.id));
      },
    );
  }
}
