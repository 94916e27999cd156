// 社会保险费缴费证明 (F-6) and 税收完税证明 (F-7: first print once, reprint 补打 by issue date).
// Each print runs a certificate workflow; the API waits for it and answers the stored PDF.
import { callerOf } from '../caller';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { findCertificate, listCertificates, type CertificateRow } from '../../db/certificates';
import type { certificateWorkflow } from '../../workflows/certificate';
import type { CertificateInput, CertificateResult } from '../../domain/certificates';
import { startAttributes } from '../../search-attributes';
import { employerOr404, openEmployer } from '../../use-cases/employer-access';
import { Problem, notFound } from '../problem';
import { newWorkId } from '../../use-cases/start-work';
import { dateSchema, errors, idParams, periodSchema } from './common';

/** How long a print may take before the API answers 503 (the workflow still finishes). */
const PRINT_WAIT_MS = 90_000;

const REFUSALS: Record<string, string> = {
  NOTHING_PAID: 'Nothing was paid for this period',
  NOT_PAID: 'The period’s declared fees are not all paid',
  ALREADY_PRINTED: 'The tax payment certificate of this period was printed before',
  NEVER_PRINTED: 'No tax payment certificate was printed on that day',
  PERIOD_REQUIRED: 'Give the period',
};

export function certificateView(c: CertificateRow) {
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

const certificateSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    employerId: { type: 'string' },
    kind: { type: 'string', enum: ['payment', 'tax'], description: 'payment: 缴费证明 (F-6); tax: 完税证明 (F-7)' },
    period: { type: 'string', description: '费款所属期, YYYY-MM' },
    certificateNumber: { type: ['string', 'null'], description: '完税证明号码, from the bureau (tax only)' },
    issueDate: { type: 'string', description: '开具日期, YYYY-MM-DD' },
    reprint: { type: 'boolean', description: '补打' },
    reprintOf: { type: ['string', 'null'] },
    pdf: { type: 'string' },
    pdfSha256: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const pdfResponse = { description: 'application/pdf', type: 'string', format: 'binary' } as const;

const periodBody = { type: 'object', properties: { period: periodSchema }, required: ['period'], additionalProperties: false } as const;

export default async function certificateRoutes(app: FastifyInstance) {
  const filesDir = path.join(app.config.dataDir, 'files');

  async function sendPdf(reply: FastifyReply, c: { id: string; pdfPath: string; sha256: string; name: string }) {
    const pdf = await readFile(path.join(filesDir, c.pdfPath)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new Problem(404, 'CERTIFICATE_FILE_MISSING', 'The printed file is missing', `certificate ${c.id} has no stored file`);
      throw err;
    });
    return reply
      .type('application/pdf')
      .header('content-disposition', `inline; filename="${c.name}.pdf"`)
      .header('etag', `"${c.sha256}"`)
      .header('x-certificate-id', c.id)
      .send(pdf);
  }

  /** Runs the certificate workflow and waits; its refusals become 409 problems. */
  async function print(request: FastifyRequest, input: Omit<CertificateInput, 'certificateId'>): Promise<CertificateResult> {
    // The workflow writes the record itself, so nothing is recorded before it runs; a repeat of a
    // keyed request names the same workflow and waits for the print its first try began.
    const certificateId = newWorkId(callerOf(request), 'C');
    const workflowId = `certificate-${certificateId}`;
    try {
      return await app.temporal.connection.withDeadline(Date.now() + PRINT_WAIT_MS, async () => {
        try {
          return await app.temporal.workflow.execute<typeof certificateWorkflow>('certificateWorkflow', {
            taskQueue: app.config.taskQueue,
            workflowId,
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            workflowExecutionTimeout: '5 minutes',
            typedSearchAttributes: startAttributes({ employerId: input.employerId, period: input.period, status: 'printing' }),
            args: [{ certificateId, ...input }],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          return app.temporal.workflow.getHandle<typeof certificateWorkflow>(workflowId).result();
        }
      });
    } catch (err) {
      if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure && err.cause.type && REFUSALS[err.cause.type]) {
        throw new Problem(409, err.cause.type, REFUSALS[err.cause.type]!, err.cause.message);
      }
      if (err instanceof WorkflowFailedError) {
        throw new Problem(502, 'PRINT_FAILED', 'The certificate could not be printed', err.cause?.message ?? err.message);
      }
      throw new Problem(503, 'TEMPORAL_UNAVAILABLE', 'The certificate was not printed in time', `see GET /api/employers/${input.employerId}/certificates, or try again`);
    }
  }

  const send = (reply: FastifyReply, r: CertificateResult) =>
    sendPdf(reply, { id: r.certificateId, pdfPath: r.pdfPath, sha256: r.sha256, name: `${r.kind}-certificate-${r.certificateNumber ?? r.certificateId}${r.reprintOf ? '-reprint' : ''}` });

  for (const [kind, url, summary] of [
    ['payment', '/employers/:id/certificates/payment', 'Print the social insurance payment certificate of a period (社会保险费缴费证明, F-6)'],
    ['tax', '/employers/:id/certificates/tax', 'First print of the tax payment certificate of a period (税收完税证明, F-7.1): once, after every declared fee is paid'],
  ] as const) {
    app.post<{ Params: { id: string }; Body: { period: string } }>(
      url,
      {
        config: { access: 'write' },
        schema: {
          summary,
          tags: ['certificates'],
          params: idParams,
          body: periodBody,
          produces: ['application/pdf'],
          response: { 200: pdfResponse, ...errors(400, 401, 403, 404, 409, 502, 503) },
        },
      },
      async (request, reply) => {
        const employer = await openEmployer(app, request.params.id);
        return send(reply, await print(request, { employerId: employer.id, kind, period: request.body.period, actor: request.actor!.name }));
      },
    );
  }

  app.post<{ Params: { id: string }; Body: { issueDate: string; period?: string } }>(
    '/employers/:id/certificates/tax/reprint',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Reprint (补打, F-7.2) the tax payment certificate first printed on an issue date: the same number and content',
        tags: ['certificates'],
        params: idParams,
        body: {
          type: 'object',
          properties: { issueDate: { ...dateSchema, description: '开具日期 of the first print, YYYY-MM-DD' }, period: { ...periodSchema, description: 'needed only when several periods were printed that day' } },
          required: ['issueDate'],
          additionalProperties: false,
        },
        produces: ['application/pdf'],
        response: { 200: pdfResponse, ...errors(400, 401, 403, 404, 409, 502, 503) },
      },
    },
    async (request, reply) => {
      const employer = await openEmployer(app, request.params.id);
      const { issueDate, period } = request.body;
      return send(reply, await print(request, { employerId: employer.id, kind: 'tax', issueDate, ...(period ? { period } : {}), actor: request.actor!.name }));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/employers/:id/certificates',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Every certificate printed for the employer (F-6, F-7), newest first',
        tags: ['certificates'],
        params: idParams,
        response: { 200: { type: 'object', properties: { certificates: { type: 'array', items: certificateSchema } } }, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const employer = await employerOr404(app, request.params.id);
      return { certificates: (await listCertificates(app.db, employer.id)).map(certificateView) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/certificates/:id/pdf',
    {
      config: { access: 'read' },
      schema: {
        summary: 'A printed certificate, as stored (application/pdf)',
        tags: ['certificates'],
        params: idParams,
        produces: ['application/pdf'],
        response: { 200: pdfResponse, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const c = await findCertificate(app.db, request.params.id);
      if (!c) throw notFound('certificate', request.params.id);
      return sendPdf(reply, { id: c.id, pdfPath: c.pdfPath, sha256: c.pdfSha256, name: `${c.kind}-certificate-${c.certificateNumber ?? c.id}${c.reprintOf ? '-reprint' : ''}` });
    },
  );
}
