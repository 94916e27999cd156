// Certificate activities (缴费证明 F-6, 完税证明 F-7): gather what is printed from our records and
// check it may be printed, ask the bureau for the tax certificate's number, render and store the
// PDF, and record it with its audit entry. The rules themselves are in domain/certificates.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { certificateEmployer, declaredLines, findCertificate, insertCertificate, paidLines, printedTaxCertificates, type CertificateEmployer } from '../db/certificates';
import { chinaDay } from '../domain/china-time';
import { paymentCertificateRefusal, reprintTarget, taxFirstPrintRefusal, type CertificateInput, type CertificateKind, type CertificateRefusal } from '../domain/certificates';
import { monthRange, type PaymentCertificateRow, type TaxCertificateRow } from '../render';
import { callBureau } from './bureau-errors';
import type { ActivityDeps } from './deps';

/** What a certificate prints, gathered and checked. Number and date are known for reprints. */
export interface CertificateData {
  kind: CertificateKind;
  period: string;
  employer: CertificateEmployer;
  reprintOf: string | null;
  certificateNumber: string | null;
  issueDate: string | null;
  issuer: string;
  paymentRows: PaymentCertificateRow[];
  taxRows: TaxCertificateRow[];
}

export interface StoredCertificate {
  pdfPath: string;
  sha256: string;
}

/** Where a certificate's file is stored, relative to the files folder. */
export function certificateFile(certificateId: string): string {
  return path.posix.join('certificates', `${certificateId}.pdf`);
}

const refuse = (r: CertificateRefusal): never => {
  throw ApplicationFailure.nonRetryable(r.message, r.code);
};

export function certificateActivities({ db, bureau, renderer, filesDir, config }: ActivityDeps) {
  async function taxRows(employerId: string, period: string): Promise<TaxCertificateRow[]> {
    const { start, end } = monthRange(period);
    return (await paidLines(db, employerId, period)).map((l) => ({
      originalVoucherNumber: l.originalVoucher,
      insuranceType: l.insuranceType,
      periodStart: start,
      periodEnd: end,
      paidIntoTreasuryDate: chinaDay(l.paidAt),
      amountFen: l.amountFen,
    }));
  }

  return {
    /** Checks the certificate may be printed (non-retryable failures typed by the refusal) and gathers its content. */
    async gatherCertificate(input: CertificateInput): Promise<CertificateData> {
      const employer = await certificateEmployer(db, input.employerId);
      if (!employer) throw ApplicationFailure.nonRetryable(`no employer ${input.employerId}`, 'UNKNOWN_EMPLOYER');
      const base = { kind: input.kind, employer, reprintOf: null, certificateNumber: null, issueDate: null, issuer: config.certificateIssuer, paymentRows: [], taxRows: [] };

      if (input.kind === 'payment') {
        const period = input.period ?? refuse({ code: 'PERIOD_REQUIRED', message: 'a payment certificate needs a period' });
        const lines = await declaredLines(db, input.employerId, period);
        const refused = paymentCertificateRefusal(period, lines);
        if (refused) refuse(refused);
        const paymentRows = lines
          .filter((l) => l.paidFen > 0)
          .map((l) => ({
            insuranceType: l.insuranceType,
            period: l.period,
            baseFen: l.baseFen,
            employerFen: l.employerFen,
            employeeFen: l.employeeFen,
            dueFen: l.amountFen,
            paidFen: l.paidFen,
            collectionSerial: l.collectionOrder,
          }));
        return { ...base, period, issueDate: chinaDay(new Date()), paymentRows };
      }

      const printed = await printedTaxCertificates(db, input.employerId);
      if (input.issueDate !== undefined || input.reprintOf !== undefined) {
        let original;
        if (input.reprintOf !== undefined) {
          original = await findCertificate(db, input.reprintOf);
          if (!original || original.employerId !== input.employerId || original.kind !== 'tax' || original.reprintOf !== null) {
            refuse({ code: 'NEVER_PRINTED', message: `no first print ${input.reprintOf} of a tax payment certificate` });
          }
        } else {
          const target = reprintTarget(input.issueDate!, input.period, printed);
          if ('refused' in target) return refuse(target.refused);
          original = await findCertificate(db, target.ok.id);
        }
        const o = original!;
        return {
          ...base,
          period: o.period,
          reprintOf: o.id,
          certificateNumber: o.certificateNumber,
          issueDate: o.issueDate,
          taxRows: await taxRows(input.employerId, o.period),
        };
      }

      const period = input.period ?? refuse({ code: 'PERIOD_REQUIRED', message: 'a tax payment certificate needs a period' });
      const refused = taxFirstPrintRefusal(period, await declaredLines(db, input.employerId, period), printed);
      if (refused) refuse(refused);
      return { ...base, period, taxRows: await taxRows(input.employerId, period) };
    },

    /** The tax certificate's number (完税证明号码) from the bureau, idempotent by the certificate id. */
    async issueTaxCertificateNumber(input: { certificateId: string; taxpayerId: string; period: string }): Promise<{ certificateNumber: string; issueDate: string }> {
      const issued = await callBureau(() => bureau.issueCertificate({ key: input.certificateId, taxpayerId: input.taxpayerId, period: input.period }));
      return { certificateNumber: issued.certificateNumber, issueDate: chinaDay(new Date(issued.issuedAt)) };
    },

    /** Renders the certificate and stores the file; answers where, with its SHA-256. */
    async renderCertificate(input: { certificateId: string; data: CertificateData; certificateNumber: string | null; issueDate: string }): Promise<StoredCertificate> {
      const { data } = input;
      const reprint = data.reprintOf !== null;
      const { pdf, sha256 } =
        data.kind === 'tax'
          ? await renderer.taxCertificate({
              certificateNumber: input.certificateNumber ?? '',
              issueDate: input.issueDate,
              taxOfficeName: data.employer.taxOfficeName,
              taxpayerId: data.employer.taxpayerId,
              taxpayerName: data.employer.name,
              rows: data.taxRows,
              issuer: data.issuer,
              reprint,
            })
          : await renderer.paymentCertificate({
              certificateNumber: input.certificateId,
              unitNumber: data.employer.unitNumber,
              unitName: data.employer.name,
              taxpayerId: data.employer.taxpayerId,
              periodStart: data.period,
              periodEnd: data.period,
              rows: data.paymentRows,
              issueDate: input.issueDate,
              issuedBy: data.employer.taxOfficeName,
              reprint,
            });
      const pdfPath = certificateFile(input.certificateId);
      const file = path.join(filesDir, pdfPath);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(`${file}.tmp`, pdf);
      await rename(`${file}.tmp`, file);
      return { pdfPath, sha256 };
    },

    /** Records the printed certificate and its audit entry; a second first print of a tax period is refused. */
    async recordCertificate(input: {
      certificateId: string;
      employerId: string;
      kind: CertificateKind;
      period: string;
      certificateNumber: string | null;
      issueDate: string;
      reprintOf: string | null;
      stored: StoredCertificate;
      actor: string;
    }): Promise<void> {
      const outcome = await insertCertificate(db, {
        id: input.certificateId,
        employerId: input.employerId,
        kind: input.kind,
        period: input.period,
        certificateNumber: input.certificateNumber,
        issueDate: input.issueDate,
        reprintOf: input.reprintOf,
        pdfPath: input.stored.pdfPath,
        pdfSha256: input.stored.sha256,
        createdBy: input.actor,
      });
      if (outcome === 'conflict') {
        throw ApplicationFailure.nonRetryable(`the tax payment certificate for ${input.period} was printed meanwhile`, 'ALREADY_PRINTED');
      }
    },
  };
}
