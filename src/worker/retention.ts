// Temporal's retention of closed histories in a namespace (TEMPORAL_RETENTION), as `npm start`
// applies it to the dev server with the Temporal CLI. The archive keeps histories after that.
import { retentionFlag } from '../domain/duration';

/** The arguments of `temporal operator namespace update` that set the namespace's retention. */
export function retentionUpdateArgs(c: { temporalNamespace: string; temporalAddress: string; temporalRetentionSeconds: number }): string[] {
  return ['operator', 'namespace', 'update', '--namespace', c.temporalNamespace, '--retention', retentionFlag(c.temporalRetentionSeconds), '--address', c.temporalAddress];
}
