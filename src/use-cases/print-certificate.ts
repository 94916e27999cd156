// Printing a certificate: 社会保险费缴费证明 (F-6), 税收完税证明 (F-7.1, printed once a period) and its
// reprint 补打 (F-7.2, by the first print's issue date). The certificate workflow gathers the
// facts, applies the rules (src/domain/certificates.ts), numbers, renders and records the print
// with its audit entry; the caller waits for it and gets the stored file.
//
// Crash safety without an outbox: nothing is recorded before the workflow runs (it writes the
// record itself), and its id comes from the request's idempotency key. A process that dies after
// starting it leaves it to finish; a repeat of the keyed request names the same workflow, which
// Temporal refuses to start twice (REJECT_DUPLICATE), and waits for that one's result instead.
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Problem } from '../domain/problem';
import { certificateWorkflowId, type CertificateInput, type CertificateRefusal, type CertificateResult } from '../domain/certificates';
import { startAttributes } from '../contracts/search-attributes';
import type { CertificateWorkflow } from '../contracts/certificate';
import type { Caller, Services } from './context';
import { openEmployer } from './employer-access';
import { newWorkId } from './start-work';
import { WORKFLOW } from '../contracts/workflow-types';

/** How long a print may take before the caller is answered 503 (the workflow still finishes). */
const PRINT_WAIT_MS = 90_000;

/** The workflow's refusals (its failure types), as the problems the caller gets (409). */
const REFUSALS: Record<CertificateRefusal['code'], string> = {
  NOTHING_PAID: 'Nothing was paid for this period',
  NOT_PAID: 'The period’s declared fees are not all paid',
  ALREADY_PRINTED: 'The tax payment certificate of this period was printed before',
  NEVER_PRINTED: 'No tax payment certificate was printed on that day',
  PERIOD_REQUIRED: 'Give the period',
};

const isRefusal = (type: string | undefined | null): type is CertificateRefusal['code'] => typeof type === 'string' && Object.hasOwn(REFUSALS, type);

/** A first print of a period (F-6, F-7.1), or a reprint of the tax certificate first printed on `issueDate` (F-7.2). */
export type PrintRequest =
  | { employerId: string; kind: CertificateInput['kind']; period: string }
  | { employerId: string; kind: 'tax'; issueDate: string; period?: string | undefined };

/** Prints a certificate for an employer that may be acted for, and answers the stored print. */
export async function printCertificate(services: Services, caller: Caller, request: PrintRequest): Promise<CertificateResult> {
  const employer = await openEmployer(services, request.employerId);
  const certificateId = newWorkId(caller, 'C');
  const workflowId = certificateWorkflowId(certificateId);
  const input: CertificateInput = { ...request, employerId: employer.id, certificateId, actor: caller.actor };
  const { temporal, config } = services;
  try {
    return await temporal.connection.withDeadline(Date.now() + PRINT_WAIT_MS, async () => {
      try {
        return await temporal.workflow.execute<CertificateWorkflow>(WORKFLOW.certificateWorkflow, {
          taskQueue: config.taskQueue,
          workflowId,
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowExecutionTimeout: '5 minutes',
          typedSearchAttributes: startAttributes({ employerId: employer.id, period: request.period, status: 'printing' }),
          args: [input],
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        caller.log.info({ workflowId }, 'repeat of a keyed print: waiting for the print its first try began');
        return temporal.workflow.getHandle<CertificateWorkflow>(workflowId).result();
      }
    });
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure && isRefusal(err.cause.type)) {
      throw new Problem(409, err.cause.type, REFUSALS[err.cause.type], err.cause.message);
    }
    if (err instanceof WorkflowFailedError) {
      throw new Problem(502, 'PRINT_FAILED', 'The certificate could not be printed', err.cause?.message ?? err.message);
    }
    throw new Problem(503, 'TEMPORAL_UNAVAILABLE', 'The certificate was not printed in time', `see GET /api/employers/${employer.id}/certificates, or try again`);
  }
}
