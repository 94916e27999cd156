// 缴费证明 (F-6) and 完税证明 (F-7, first print and 补打): gather and check, number (tax, first
// print only), render and store, record. The API waits for the result and answers the PDF.
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { DatabaseActivities } from '../activities';
import { setBusinessStatus } from './business-status';
import { WAITED_FOR, atBureau } from './activity-options';
import type { CertificateWorkflow } from '../contracts/certificate';
import type { CertificateInput, CertificateResult } from '../domain/certificates';

const act = proxyActivities<DatabaseActivities>(WAITED_FOR);

/** An activity's business refusal (e.g. NOT_PAID) ends the workflow with the same type, for the API. */
function refusalOf(err: unknown): ApplicationFailure | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.nonRetryable) return ApplicationFailure.nonRetryable(cause.message, cause.type);
  return undefined;
}

export const certificateWorkflow: CertificateWorkflow = async (input: CertificateInput): Promise<CertificateResult> => {
  try {
    const data = await act.gatherCertificate(input);
    let { certificateNumber, issueDate } = data;
    if (data.kind === 'tax' && data.reprintOf === null) {
      ({ certificateNumber, issueDate } = await atBureau(WAITED_FOR).issueTaxCertificateNumber({ certificateId: input.certificateId, taxpayerId: data.employer.taxpayerId, period: data.period }));
    }
    if (issueDate === null) throw ApplicationFailure.nonRetryable('no issue date', 'NO_ISSUE_DATE');
    const stored = await act.renderCertificate({ certificateId: input.certificateId, data, certificateNumber, issueDate });
    await act.recordCertificate({
      certificateId: input.certificateId,
      employerId: input.employerId,
      kind: data.kind,
      period: data.period,
      certificateNumber,
      issueDate,
      reprintOf: data.reprintOf,
      stored,
      actor: input.actor,
    });
    setBusinessStatus('printed');
    return { certificateId: input.certificateId, kind: data.kind, period: data.period, certificateNumber, issueDate, reprintOf: data.reprintOf, ...stored };
  } catch (err) {
    const refusal = refusalOf(err);
    if (refusal) setBusinessStatus(`refused:${refusal.type ?? 'REFUSED'}`);
    throw refusal ?? err;
  }
};
