// 社会保险费缴费证明 (F-6) and 税收完税证明 (F-7: first print once, reprint 补打 by issue date).
// Each print runs a certificate workflow (src/use-cases/print-certificate.ts); the answer is the stored PDF.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { PERIOD_PATTERN } from '../../domain/fee-items';
import { findCertificate, listCertificates, type CertificateRow } from '../../db/certificates';
import { employerOr404 } from '../../use-cases/employer-access';
import { printCertificate } from '../../use-cases/print-certificate';
import { callerOf } from '../caller';
import { pageKey } from '../paging';
import { Problem, notFound } from '../../domain/problem';
import { CertificateList, CertificatePdf } from '../schemas/certificates';
import { IdParams, PageCursor, Period, Type, errors } from '../schemas/common';

function certificateView(c: CertificateRow) {
  return {
    id: c.id,
    employerId: c.employerId,
    kind: c.kind,
    period: c.period,
    certificateNumber: c.certificateNumber,
    issueDate: c.issueDate,
    reprint: c.reprintOf !== null,
    reprintOf: c.reprintOf,
    pdf: `/api/certificates/${c.id}/pdf`,
    pdfSha256: c.pdfSha256,
    createdBy: c.createdBy,
    createdAt: c.createdAt.toISOString(),
  };
}

/** A stored print, as the file answer names it. */
interface StoredPrint {
  id: string;
  kind: string;
  certificateNumber: string | null;
  reprintOf: string | null;
  pdfPath: string;
  sha256: string;
}

/** How many certificates a page lists when the query does not say. */
const CERTIFICATES_LIMIT = 100;

const PeriodBody = Type.Object({ period: Period }, { additionalProperties: false });
const ReprintBody = Type.Object(
  {
    issueDate: Type.String({ format: 'date', description: '开具日期 of the first print, YYYY-MM-DD' }),
    period: Type.Optional(Type.String({ pattern: PERIOD_PATTERN, description: 'fee period 费款所属期, YYYY-MM: needed only when several periods were printed that day' })),
  },
  { additionalProperties: false },
);
const printAnswers = { 200: CertificatePdf, ...errors(400, 401, 403, 404, 409, 502, 503) };

const certificateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const filesDir = path.join(app.config.dataDir, 'files');

  async function sendPdf(reply: FastifyReply, c: StoredPrint) {
    const name = `${c.kind}-certificate-${c.certificateNumber ?? c.id}${c.reprintOf ? '-reprint' : ''}`;
    const pdf = await readFile(path.join(filesDir, c.pdfPath)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new Problem(404, 'CERTIFICATE_FILE_MISSING', 'The printed file is missing', `certificate ${c.id} has no stored file`);
      throw err;
    });
    return reply
      .type('application/pdf')
      .header('content-disposition', `inline; filename="${name}.pdf"`)
      .header('etag', `"${c.sha256}"`)
      .header('x-certificate-id', c.id)
      .send(pdf);
  }

  for (const [kind, url, summary] of [
    ['payment', '/employers/:id/certificates/payment', 'Print the social insurance payment certificate of a period (社会保险费缴费证明, F-6)'],
    ['tax', '/employers/:id/certificates/tax', 'First print of the tax payment certificate of a period (税收完税证明, F-7.1): once, after every declared fee is paid'],
  ] as const) {
    app.post(
      url,
      { config: { access: 'write' }, schema: { summary, tags: ['certificates'], params: IdParams('employer'), body: PeriodBody, response: printAnswers } },
      async (request, reply) => {
        const printed = await printCertificate(app, callerOf(request), { employerId: request.params.id, kind, period: request.body.period });
        return sendPdf(reply, { ...printed, id: printed.certificateId });
      },
    );
  }

  app.post(
    '/employers/:id/certificates/tax/reprint',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Reprint (补打, F-7.2) the tax payment certificate first printed on an issue date: the same number and content',
        tags: ['certificates'],
        params: IdParams('employer'),
        body: ReprintBody,
        response: printAnswers,
      },
    },
    async (request, reply) => {
      const { issueDate, period } = request.body;
      const printed = await printCertificate(app, callerOf(request), { employerId: request.params.id, kind: 'tax', issueDate, period });
      return sendPdf(reply, { ...printed, id: printed.certificateId });
    },
  );

  app.get(
    '/employers/:id/certificates',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Every certificate printed for the employer (F-6, F-7), newest first',
        description: 'Page with `cursor` = the answer’s `nextCursor`.',
        tags: ['certificates'],
        params: IdParams('employer'),
        querystring: Type.Object(
          { cursor: Type.Optional(PageCursor), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: CERTIFICATES_LIMIT })) },
          { additionalProperties: false },
        ),
        response: { 200: CertificateList, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const employer = await employerOr404(app, request.params.id);
      const page = await listCertificates(app.db, employer.id, { after: pageKey(request.query.cursor), limit: request.query.limit ?? CERTIFICATES_LIMIT });
      return { certificates: page.rows.map(certificateView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/certificates/:id/pdf',
    {
      config: { access: 'read' },
      schema: {
        summary: 'A printed certificate, as stored (application/pdf)',
        tags: ['certificates'],
        params: IdParams('certificate'),
        response: { 200: CertificatePdf, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const c = await findCertificate(app.db, request.params.id);
      if (!c) throw notFound('certificate', request.params.id);
      return sendPdf(reply, { ...c, sha256: c.pdfSha256 });
    },
  );
};

export default certificateRoutes;
