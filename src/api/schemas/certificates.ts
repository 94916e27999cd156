// The answers of the certificate routes: 社会保险费缴费证明 (F-6) and 税收完税证明 (F-7).
import type { CertificateKind } from '../../domain/certificates';
import { Enum, FileAnswer, Id, NextCursor, Nullable, Period, Timestamp, Type } from './common';

export const CertificateKindEnum = Enum(['payment', 'tax'] as const satisfies readonly CertificateKind[], 'payment: 缴费证明 (F-6); tax: 完税证明 (F-7)');

export const CertificateView = Type.Object({
  id: Id('certificate'),
  employerId: Id('employer'),
  kind: CertificateKindEnum,
  period: Period,
  certificateNumber: Nullable(Type.String({ description: '完税证明号码, from the bureau (tax only)' })),
  issueDate: Type.String({ format: 'date', description: '开具日期, YYYY-MM-DD' }),
  reprint: Type.Boolean({ description: '补打' }),
  reprintOf: Nullable(Id('the certificate this reprints')),
  pdf: Type.String({ description: 'GET: the stored PDF' }),
  pdfSha256: Type.String({ description: 'SHA-256 of the PDF, hex; also its ETag' }),
  createdBy: Type.String({ description: 'who printed it' }),
  createdAt: Timestamp,
});

export const CertificateList = Type.Object({ certificates: Type.Array(CertificateView, { description: 'newest first' }), nextCursor: NextCursor });

/** A printed certificate as a file, with the headers that name it. */
export const CertificatePdf = {
  ...FileAnswer('the certificate (application/pdf)', 'application/pdf'),
  headers: {
    'x-certificate-id': { type: 'string', description: 'the certificate’s id (GET /api/certificates/{id}/pdf serves it again)' },
    etag: { type: 'string', description: 'the PDF’s SHA-256, quoted' },
  },
};
