// Bank-side vouchers (银行端查询缴费凭证, F-4.6) and their print records (缴费凭证打印记录, F-4.8):
// the records, the stored PDF, printing again (补打) and voiding, both through the voucher's workflow.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listVouchers, type VoucherRow } from '../../db/vouchers';
import type { VoucherState } from '../../domain/payment';
import { employerOr404 } from '../../use-cases/employer-access';
import { voucherOr404 } from '../../use-cases/payment-records';
import { reprintVoucher } from '../../use-cases/reprint-voucher';
import { voidVoucher } from '../../use-cases/void-voucher';
import { callerOf } from '../caller';
import { Problem } from '../../domain/problem';
import { FileAnswer, IdParams, errors } from '../schemas/common';
import { VoucherList, VoucherReprinted, VoucherView } from '../schemas/vouchers';
import { money } from '../views';

function voucherView(v: VoucherRow) {
  return {
    id: v.id,
    paymentId: v.paymentId,
    employerId: v.employerId,
    voucherNumber: v.voucherNumber,
    status: v.status as VoucherState,
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

const voucherRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const filesDir = path.join(app.config.dataDir, 'files');

  app.get(
    '/employers/:id/vouchers',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Print records of the bank-side vouchers (缴费凭证打印记录, F-4.8), newest first',
        tags: ['vouchers'],
        params: IdParams('employer'),
        response: { 200: VoucherList, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const employer = await employerOr404(app, request.params.id);
      return { vouchers: (await listVouchers(app.db, employer.id)).map(voucherView) };
    },
  );

  app.get(
    '/vouchers/:id/pdf',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The voucher as printed last (application/pdf)',
        tags: ['vouchers'],
        params: IdParams('voucher'),
        produces: ['application/pdf'],
        response: { 200: FileAnswer('the voucher as printed last', 'application/pdf'), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const voucher = await voucherOr404(app, request.params.id);
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

  app.post(
    '/vouchers/:id/reprint',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Print the voucher again (补打, F-4.8): the same voucher number, marked as a reprint',
        tags: ['vouchers'],
        params: IdParams('voucher'),
        response: { 200: VoucherReprinted, ...errors(401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { voucher, printed } = await reprintVoucher(app, callerOf(request), { voucherId: request.params.id });
      return { ...voucherView(voucher), printed };
    },
  );

  app.post(
    '/vouchers/:id/void',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Void an unpaid voucher (作废, F-4.8); its lines can be paid again',
        tags: ['vouchers'],
        params: IdParams('voucher'),
        response: { 200: VoucherView, ...errors(401, 403, 404, 409, 503) },
      },
    },
    async (request) => voucherView(await voidVoucher(app, callerOf(request), { voucherId: request.params.id })),
  );
};

export default voucherRoutes;
