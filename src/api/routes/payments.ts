// Payments (F-4): payables, paying by three-party agreement or bank-side voucher, and the
// operator's retry-now and cancel of a deduction awaiting its retry.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listPayables, listPayments, type Payable, type PaymentRecord } from '../../db/payments';
import { INSURANCE_NAMES, type InsuranceType } from '../../domain/fee-items';
import type { AttemptOutcome, PaymentState, VoucherState } from '../../domain/payment';
import { actOnAwaitingDeduction } from '../../use-cases/deduction-retry';
import { openEmployer } from '../../use-cases/employer-access';
import { paymentOr404 } from '../../use-cases/payment-records';
import { startPayment } from '../../use-cases/start-payment';
import { callerOf } from '../caller';
import { pageKey } from '../paging';
import { IdParams, errors } from '../schemas/common';
import { PAYMENTS_LIMIT, PayBody, PayablesAnswer, PaymentList, PaymentStarted, PaymentView, PaymentsQuery } from '../schemas/payments';
import { activityFailureView, money } from '../views';

function payableView(p: Payable) {
  return {
    ...p,
    insuranceType: p.insuranceType as InsuranceType,
    insuranceName: INSURANCE_NAMES[p.insuranceType as InsuranceType],
    ...money('amount', p.amountFen),
    ...money('paid', p.paidFen),
    ...money('due', p.dueFen),
  };
}

function paymentView(p: PaymentRecord) {
  return {
    id: p.id,
    employerId: p.employerId,
    method: p.method,
    status: p.status as PaymentState,
    ...money('total', p.totalFen),
    periods: p.periods,
    lines: p.lines.map((l) => ({
      lineId: l.lineId,
      itemId: l.itemId,
      declarationId: l.declarationId,
      period: l.period,
      insuranceName: INSURANCE_NAMES[l.insuranceType as InsuranceType],
      ...money('amount', l.amountFen),
    })),
    agreementId: p.agreementId,
    account: p.accountMasked,
    attempts: p.attempts.map((a) => ({ n: a.n, at: a.at.toISOString(), outcome: a.outcome as AttemptOutcome, code: a.code, reason: a.reason })),
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
          status: p.voucher.status as VoucherState,
          deadline: p.voucher.deadline,
          pdf: p.voucher.pdfPath ? `/api/vouchers/${p.voucher.id}/pdf` : null,
          lastPrintError: p.voucher.lastPrintError,
        }
      : null,
  };
}

const paymentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/employers/:id/payables',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Declared, unpaid fee lines (F-4.1)',
        tags: ['payments'],
        params: IdParams('employer'),
        response: { 200: PayablesAnswer, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const employer = await openEmployer(app, request.params.id);
      const payables = await listPayables(app.db, employer.id);
      return { payables: payables.map(payableView), ...money('total', payables.reduce((sum, p) => sum + p.dueFen, 0)) };
    },
  );

  app.post(
    '/employers/:id/payments',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Pay declared lines (F-4.2–F-4.6): password check, then three-party deduction or a bank-side voucher',
        tags: ['payments'],
        params: IdParams('employer'),
        body: PayBody,
        response: { 202: PaymentStarted, ...errors(400, 401, 403, 404, 409, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { payment, workflowStarted } = await startPayment(app, callerOf(request), { employerId: request.params.id, ...request.body });
      return reply.status(202).send({ ...paymentView(payment), workflowStarted });
    },
  );

  app.get(
    '/payments/:id',
    {
      config: { access: 'read' },
      schema: {
        summary: 'A payment with every attempt, its next retry and voucher',
        tags: ['payments'],
        params: IdParams('payment'),
        response: { 200: PaymentView, ...errors(401, 403, 404) },
      },
    },
    async (request) => paymentView(await paymentOr404(app, request.params.id)),
  );

  app.get(
    '/payments',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Payments, newest first (the live list of running payments filters by status)',
        description: 'Page with `cursor` = the answer’s `nextCursor`.',
        tags: ['payments'],
        querystring: PaymentsQuery,
        response: { 200: PaymentList, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      // Validation filled in the default; the type cannot know.
      const page = await listPayments(app.db, { employerId: q.employerId, status: q.status, period: q.period, after: pageKey(q.cursor), limit: q.limit ?? PAYMENTS_LIMIT });
      return { payments: page.rows.map(paymentView), nextCursor: page.nextCursor };
    },
  );

  for (const [action, summary] of [
    ['retry', 'Try a failed deduction again now (F-4.7)'],
    ['cancel', 'Stop retrying a failed deduction; its lines can be paid again'],
  ] as const) {
    app.post(
      `/payments/:id/${action}`,
      {
        config: { access: 'write' },
        schema: { summary, tags: ['payments'], params: IdParams('payment'), response: { 200: PaymentView, ...errors(401, 403, 404, 409, 503) } },
      },
      async (request) => paymentView(await actOnAwaitingDeduction(app, callerOf(request), { paymentId: request.params.id, action })),
    );
  }
};

export default paymentRoutes;
