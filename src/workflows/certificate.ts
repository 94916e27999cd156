// 缴费证明 (F-6) and 完税证明 (F-7, first print and 补打): gather and check, number (tax, first
// print only), render and store, record. The API waits for the result and answers the PDF.
import { ActivityFailure, ApplicationFailure, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { DatabaseActivities } from '../activities';
import { setBusinessStatus } from './search-attributes';
import { HEARTBEAT_TIMEOUT, atBureau } from './activity-options';
import type { CertificateWorkflow } from '../contracts/certificate';
import type { CertificateInput, CertificateResult } from '../domain/certificates';

// Someone waits for the answer: technical failures retry a few times, then the print fails.
const OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 4 },
};
const act = proxyActivities<DatabaseActivities>(OPTIONS);

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
      ({ certificateNumber, issueDate } = await atBureau(OPTIONS).issueTaxCertificateNumber({ certificateId: input.certificateId, taxpayerId: data.employer.taxpayerId, period: data.period }));
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
