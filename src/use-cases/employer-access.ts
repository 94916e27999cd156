// Guards around an employer: the declaration password check with its lockout (F-4.3), and
// "change the initial password first" / "sign in first" (F-1.3, F-1.4) before any action.
import { BureauBusinessError } from '../bureau/client';
import { changePasswordFailures, findEmployer, type EmployerRow } from '../db/employers';
import { chinaTime } from '../domain/china-time';
import { NO_FAILURES, WRONG_PASSWORD_CODE, attemptsLeft, countAttempt, lockedUntil, uncountAttempt } from '../domain/password';
import { Problem, notFound } from '../domain/problem';
import type { Services } from './context';

function lockedProblem(until: Date): Problem {
  const seconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  return new Problem(
    429,
    'PASSWORD_LOCKED',
    'Too many wrong declaration passwords',
    `this employer is locked until ${chinaTime(until)} after repeated wrong passwords; try again then, or ask tax bureau staff to reset the password`,
    { lockedUntil: until.toISOString(), retryAfterSeconds: seconds },
  );
}

/**
 * Runs a bureau call that checks the declaration password. The attempt is counted as wrong
 * before the bureau is asked (atomically, see changePasswordFailures), so however many arrive at
 * once, at most the lockout's limit reach the bureau. A wrong password answers the bureau's exact
 * 20101 message; a right one clears the count; no answer takes the attempt back.
 */
export async function withDeclarationPassword<T>(services: Pick<Services, 'db'>, taxpayerId: string, call: () => Promise<T>): Promise<T> {
  const now = new Date();
  const { before, after: counted } = await changePasswordFailures(services.db, taxpayerId, (state) => countAttempt(state, now));
  if (!counted) throw lockedProblem(lockedUntil(before, now)!);
  let result: T;
  try {
    result = await call();
  } catch (err) {
    if (err instanceof BureauBusinessError && err.code === WRONG_PASSWORD_CODE) {
      if (counted.lockedUntil) throw lockedProblem(counted.lockedUntil);
      throw new Problem(422, 'PASSWORD_INVALID', 'Wrong declaration password', err.message, { bureauCode: err.code, attemptsLeft: attemptsLeft(counted) });
    }
    await changePasswordFailures(services.db, taxpayerId, uncountAttempt);
    throw err;
  }
  await changePasswordFailures(services.db, taxpayerId, () => NO_FAILURES);
  return result;
}

export async function employerOr404(services: Pick<Services, 'db'>, id: string): Promise<EmployerRow> {
  const employer = await findEmployer(services.db, id);
  if (!employer) throw notFound('employer', id);
  return employer;
}

/** An employer that may be acted for: its initial password changed, and signed in now. */
export async function openEmployer(services: Pick<Services, 'db'>, id: string): Promise<EmployerRow> {
  const employer = await employerOr404(services, id);
  if (employer.passwordChangeRequired) {
    throw new Problem(
      409,
      'PASSWORD_CHANGE_REQUIRED',
      'The declaration password must be changed first',
      `employer ${employer.name} still has its initial (or reset) password: change it with POST /api/employers/${employer.id}/password, then sign in`,
    );
  }
  if (!employer.signedInUntil || employer.signedInUntil <= new Date()) {
    throw new Problem(
      409,
      'SIGN_IN_REQUIRED',
      'Sign in to this employer first',
      `sign in with the declaration password: POST /api/employers/${employer.id}/sign-in${employer.signedInUntil ? ` (the last sign-in ended at ${chinaTime(employer.signedInUntil)})` : ''}`,
    );
  }
  return employer;
}
