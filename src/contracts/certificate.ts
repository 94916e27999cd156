// The certificate workflow (缴费证明 F-6, 完税证明 F-7): its signature, so the API waits for its
// result typed without importing workflow code. Its input and result are the domain's.
import type { CertificateInput, CertificateResult } from '../domain/certificates';

export type CertificateWorkflow = (input: CertificateInput) => Promise<CertificateResult>;
