// Who may print which certificate (F-6, F-7): pure rules over the declared lines of a period and
// the certificates printed before. The activities gather the facts; these decide.

/** 缴费证明 (F-6) or 完税证明 (F-7). */
export type CertificateKind = 'payment' | 'tax';

/** What the certificate workflow is asked to print (shared by the API, the workflow and its activities). */
export interface CertificateInput {
  certificateId: string;
  employerId: string;
  kind: CertificateKind;
  /** The fee period (YYYY-MM): a first print's; for a reprint, chooses among that day's prints. */
  period?: string | undefined;
  /** A reprint (补打) of the tax certificate first printed on this day (YYYY-MM-DD). */
  issueDate?: string | undefined;
  /** A reprint of this certificate (id), instead of finding it by its issue date. */
  reprintOf?: string | undefined;
  actor: string;
}

/** What the certificate workflow answers. */
export interface CertificateResult {
  certificateId: string;
  kind: CertificateKind;
  period: string;
  certificateNumber: string | null;
  issueDate: string;
  reprintOf: string | null;
  pdfPath: string;
  sha256: string;
}

/** A declared line of the period (of an accepted declaration), as far as paying it goes. */
export interface PeriodLine {
  amountFen: number;
  paidFen: number;
}

/** A certificate printed before. */
export interface PrintedCertificate {
  id: string;
  kind: CertificateKind;
  period: string;
  issueDate: string; // YYYY-MM-DD
  reprintOf: string | null;
}

export type CertificateRefusal =
  | { code: 'NOTHING_PAID'; message: string }
  | { code: 'NOT_PAID'; message: string }
  | { code: 'ALREADY_PRINTED'; message: string }
  | { code: 'NEVER_PRINTED'; message: string }
  | { code: 'PERIOD_REQUIRED'; message: string };

/** F-6: a payment certificate shows the fees paid for the period; with nothing paid there is none. */
export function paymentCertificateRefusal(period: string, lines: readonly PeriodLine[]): CertificateRefusal | null {
  if (!lines.some((l) => l.paidFen > 0)) {
    return { code: 'NOTHING_PAID', message: `no fees were paid for ${period}: there is nothing to certify` };
  }
  return null;
}

/** F-7.1: the tax certificate is printed once per period, and only when every declared fee is paid. */
export function taxFirstPrintRefusal(period: string, lines: readonly PeriodLine[], printed: readonly PrintedCertificate[]): CertificateRefusal | null {
  const first = printed.find((c) => c.kind === 'tax' && c.period === period && c.reprintOf === null);
  if (first) {
    return { code: 'ALREADY_PRINTED', message: `the tax payment certificate for ${period} was printed on ${first.issueDate}: print it again (补打) by its issue date` };
  }
  if (lines.length === 0) return { code: 'NOT_PAID', message: `nothing is declared for ${period}` };
  const unpaid = lines.filter((l) => l.paidFen < l.amountFen).length;
  if (unpaid > 0) return { code: 'NOT_PAID', message: `${unpaid} of the ${lines.length} declared fees of ${period} are not paid in full` };
  return null;
}

/**
 * F-7.2: a reprint (补打) is of a tax certificate first printed on the issue date; when several
 * periods were printed that day the period chooses one.
 */
export function reprintTarget(
  issueDate: string,
  period: string | undefined,
  printed: readonly PrintedCertificate[],
): { ok: PrintedCertificate } | { refused: CertificateRefusal } {
  const firsts = printed.filter((c) => c.kind === 'tax' && c.reprintOf === null && c.issueDate === issueDate && (period === undefined || c.period === period));
  if (firsts.length === 0) {
    return { refused: { code: 'NEVER_PRINTED', message: `no tax payment certificate was printed on ${issueDate}${period ? ` for ${period}` : ''}` } };
  }
  if (firsts.length > 1) {
    return { refused: { code: 'PERIOD_REQUIRED', message: `${firsts.length} tax payment certificates were printed on ${issueDate} (${firsts.map((c) => c.period).join(', ')}): give the period` } };
  }
  return { ok: firsts[0]! };
}

/** The workflow that prints a certificate (it writes the row itself, so there is no outbox entry to name it). */
export const certificateWorkflowId = (certificateId: string) => `certificate-${certificateId}`;
