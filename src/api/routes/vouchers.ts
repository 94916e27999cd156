// Bank-side vouchers (银行端查询缴费凭证, F-4.6) and their print records (缴费凭证打印记录, F-4.8):
// the records, the stored PDF, printing again (补打) and voiding, both through the voucher's workflow.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { getPayment } from '../../db/payments';
import { findVoucher, listVouchers, type VoucherRow } from '../../db/vouchers';
import { reprintVoucherUpdate, voidVoucherUpdate } from '../../workflows/messages';
import { employerOr404, openEmployer } from '../../use-cases/employer-access';
import { Problem, notFound } from '../problem';
import { money, moneySchema } from '../views';
import { errors, idParams } from './common';

/** How long an operator's void or reprint waits for the workflow before answering 503. */
const UPDATE_WAIT_MS = 60_000;

const VOUCHER_STATUSES = ['issued', 'paid', 'voided', 'expired'] as const;

export function voucherView(v: VoucherRow) {
  return {
    id: v.id,
    paymentId: v.paymentId,
    employerId: v.employerId,
    voucherNumber: v.voucherNumber,
    status: v.status as (typeof VOUCHER_STATUSES)[number],
    ...money('amount', v.amountFen),
    issuedAt: v.issuedAt.toISOString(),
    deadline: v.deadline,
    paidAt: v.paidAt?.toISOString() ?? null,
    bankName: v.bankName,
    accountName: v.accountName,
    account: v.accountMasked,
    printCount: v.printCount,
    lastPrintError: v.lastPrintError,
    pdf: v.pdfPath ? `/api/vouchers/${v.id}/pdf` : null,
    pdfSha256: v.pdfSha256,
    updatedAt: v.updatedAt.toISOString(),
  };
}

const voucherSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    paymentId: { type: 'string' },
    employerId: { type: 'string' },
    voucherNumber: { type: 'string', description: '凭证序号' },
    status: { type: 'string', enum: VOUCHER_STATUSES },
    ...moneySchema('amount'),
    issuedAt: { type: 'string', format: 'date-time', description: '填开日期' },
    deadline: { type: 'string', description: '限缴日期, YYYY-MM-DD (China)' },
    paidAt: { type: ['string', 'null'] },
    bankName: { type: ['string', 'null'] },
    accountName: { type: ['string', 'null'] },
    account: { type: ['string', 'null'], description: 'masked: only the last four digits' },
    printCount: { type: 'integer', description: 'successful prints: the first and every 补打' },
    lastPrintError: { type: ['string', 'null'], description: 'why the last print failed; print again with POST /api/vouchers/:id/reprint' },
    pdf: { type: ['string', 'null'], description: 'the latest print, once there is one' },
    pdfSha256: { type: ['string', 'null'] },
    updatedAt: { type: 'string' },
  },
} as const;

export default async function voucherRoutes(app: FastifyInstance) {
  const filesDir = path.join(app.config.dataDir, 'files');

  async function voucherOr404(id: string): Promise<VoucherRow> {
    const voucher = await findVoucher(app.db, id);
    if (!voucher) throw notFound('voucher', id);
    return voucher;
  }

  /** Runs an update of the voucher's workflow; its validator's refusal and a finished workflow are 409s. */
  async function update<T>(voucher: VoucherRow, code: string, title: string, run: (h: WorkflowHandle) => Promise<T>): Promise<T> {
    const payment = await getPayment(app.db, voucher.paymentId);
    if (!payment) throw notFound('payment', voucher.paymentId);
    try {
      return await app.temporal.connection.withDeadline(Date.now() + UPDATE_WAIT_MS, () => run(app.temporal.workflow.getHandle(payment.workflowId)));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new Problem(409, code, title, err.cause?.message ?? err.message);
      if (err instanceof WorkflowNotFoundError || /already completed/i.test((err as Error).message)) {
        const now = await voucherOr404(voucher.id);
        throw new Problem(409, code, title, `voucher ${now.voucherNumber} is ${now.status}`);
      }
      throw new Problem(503, 'TEMPORAL_UNAVAILABLE', 'The voucher’s workflow did not answer in time', `read GET /api/payments/${voucher.paymentId} for the outcome, or try again`);
    }
  }

  app.get<{ Params: { id: string } }>(
    '/employers/:id/vouchers',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Print records of the bank-side vouchers (缴费凭证打印记录, F-4.8), newest first',
        tags: ['vouchers'],
        params: idParams,
        response: { 200: { type: 'object', properties: { vouchers: { type: 'array', items: voucherSchema } } }, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const employer = await employerOr404(app, request.params.id);
      return { vouchers: (await listVouchers(app.db, employer.id)).map(voucherView) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/vouchers/:id/pdf',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The voucher as printed last (application/pdf)',
        tags: ['vouchers'],
        params: idParams,
        produces: ['application/pdf'],
        response: { 200: { description: 'application/pdf', type: 'string', format: 'binary' }, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const voucher = await voucherOr404(request.params.id);
      if (!voucher.pdfPath) {
        throw new Problem(404, 'VOUCHER_NOT_PRINTED', 'The voucher has no printed file yet', voucher.lastPrintError
          ? `the last print failed (${voucher.lastPrintError}); print it again with POST /api/vouchers/${voucher.id}/reprint`
          : 'it is being printed; try again in a moment');
      }
      const pdf = await readFile(path.join(filesDir, voucher.pdfPath)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') {
          throw new Problem(404, 'VOUCHER_FILE_MISSING', 'The printed file is missing', `print the voucher again with POST /api/vouchers/${voucher.id}/reprint`);
        }
        throw err;
      });
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="voucher-${voucher.voucherNumber}.pdf"`)
        .header('etag', `"${voucher.pdfSha256 ?? ''}"`)
        .send(pdf);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/vouchers/:id/reprint',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Print the voucher again (补打, F-4.8): the same voucher number, marked as a reprint',
        tags: ['vouchers'],
        params: idParams,
        response: {
          200: { type: 'object', properties: { ...voucherSchema.properties, printed: { type: 'boolean', description: 'false: this print failed too; see lastPrintError' } } },
          ...errors(401, 403, 404, 409, 503),
        },
      },
    },
    async (request) => {
      const voucher = await voucherOr404(request.params.id);
      await openEmployer(app, voucher.employerId);
      const title = 'Only an issued, unpaid voucher can be printed again';
      if (voucher.status !== 'issued') throw new Problem(409, 'VOUCHER_NOT_ISSUED', title, `voucher ${voucher.voucherNumber} is ${voucher.status}`);
      const result = await update(voucher, 'VOUCHER_NOT_ISSUED', title, (h) => h.executeUpdate(reprintVoucherUpdate, { args: [{ actor: request.actor!.name }] }));
      return { ...voucherView(await voucherOr404(voucher.id)), printed: result.printed };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/vouchers/:id/void',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Void an unpaid voucher (作废, F-4.8); its lines can be paid again',
        tags: ['vouchers'],
        params: idParams,
        response: { 200: voucherSchema, ...errors(401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const voucher = await voucherOr404(request.params.id);
      await openEmployer(app, voucher.employerId);
      const title = 'Only an issued, unpaid voucher can be voided';
      // The repeat of a keyed void whose first try voided it and died before answering.
      if (voucher.status === 'voided' && request.idempotency?.resumed) return voucherView(voucher);
      if (voucher.status !== 'issued') throw new Problem(409, 'VOUCHER_NOT_VOIDABLE', title, `voucher ${voucher.voucherNumber} is ${voucher.status}`);
      const result = await update(voucher, 'VOUCHER_NOT_VOIDABLE', title, (h) => h.executeUpdate(voidVoucherUpdate, { args: [{ actor: request.actor!.name }] }));
      if (result.status !== 'voided') {
        throw new Problem(409, 'VOUCHER_NOT_VOIDABLE', title, `voucher ${voucher.voucherNumber} was ${result.status} before the void reached the bureau`);
      }
      return voucherView(await voucherOr404(voucher.id));
    },
  );
}
