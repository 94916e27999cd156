// Turns bureau client errors into Temporal failures: business answers are final (non-retryable,
// typed by the bureau's code); faults are retried under the activity's retry policy.
import { ApplicationFailure } from '@temporalio/activity';
import { BureauBusinessError, BureauTimeoutError, BureauUnavailableError } from '../bureau/client';

export async function callBureau<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof BureauBusinessError) throw ApplicationFailure.nonRetryable(err.message, err.code);
    if (err instanceof BureauTimeoutError) throw ApplicationFailure.retryable(err.message, 'BUREAU_TIMEOUT');
    if (err instanceof BureauUnavailableError) throw ApplicationFailure.retryable(err.message, 'BUREAU_UNAVAILABLE');
    throw err;
  }
}
