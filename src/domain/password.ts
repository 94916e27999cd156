// The declaration password (申报密码) rules of F-1.

/** F-1.2: the last 6 characters of the unit number (单位编号), padded with 0 at the end when shorter. */
export function initialPassword(unitNumber: string): string {
  return unitNumber.length >= 6 ? unitNumber.slice(-6) : unitNumber.padEnd(6, '0');
}

/** The bureau's exact wording for a wrong password (F-4.3). */
export const WRONG_PASSWORD_CODE = '20101';
export const WRONG_PASSWORD_MESSAGE = '申报密码验证失败：[20101]您输入的申报密码有误，请重新输入。';

/** A new declaration password: 6 to 20 letters and digits, not the initial one, typed twice. */
export function newPasswordProblem(p: { password: string; newPassword: string; newPasswordConfirm: string; unitNumber: string }): string | null {
  if (p.newPassword !== p.newPasswordConfirm) return 'the new password and its confirmation differ: type the same new password twice';
  if (!/^[A-Za-z0-9]{6,20}$/.test(p.newPassword)) return 'the new password must have 6 to 20 letters or digits';
  if (p.newPassword === p.password) return 'the new password must differ from the current one';
  if (p.newPassword === initialPassword(p.unitNumber)) return 'the new password must not be the initial password';
  return null;
}

/**
 * Repeated wrong passwords for one employer lock it for a while: `maxFailures` within
 * `windowMs` lock it for `lockMs`. Pure: the caller stores the state.
 */
export interface LockoutPolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}
export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export interface PasswordFailures {
  failures: number;
  windowStartedAt: Date | null;
  lockedUntil: Date | null;
}
export const NO_FAILURES: PasswordFailures = { failures: 0, windowStartedAt: null, lockedUntil: null };

export function lockedUntil(state: PasswordFailures, now: Date): Date | null {
  return state.lockedUntil && state.lockedUntil > now ? state.lockedUntil : null;
}

export function afterWrongPassword(state: PasswordFailures, now: Date, policy: LockoutPolicy = DEFAULT_LOCKOUT): PasswordFailures {
  const windowOpen = state.windowStartedAt && now.getTime() - state.windowStartedAt.getTime() < policy.windowMs && !state.lockedUntil;
  const failures = windowOpen ? state.failures + 1 : 1;
  const windowStartedAt = windowOpen ? state.windowStartedAt : now;
  if (failures >= policy.maxFailures) return { failures, windowStartedAt, lockedUntil: new Date(now.getTime() + policy.lockMs) };
  return { failures, windowStartedAt, lockedUntil: null };
}

export function attemptsLeft(state: PasswordFailures, policy: LockoutPolicy = DEFAULT_LOCKOUT): number {
  return Math.max(0, policy.maxFailures - state.failures);
}

/**
 * Counts an attempt as wrong before the bureau checks it, so attempts that arrive together cannot
 * all pass the limit: the one that reaches it locks. Null while locked (the bureau is not asked).
 */
export function countAttempt(state: PasswordFailures, now: Date, policy: LockoutPolicy = DEFAULT_LOCKOUT): PasswordFailures | null {
  return lockedUntil(state, now) ? null : afterWrongPassword(state, now, policy);
}

/** Takes back a counted attempt the bureau never judged (it did not answer): it neither counts nor locks. */
export function uncountAttempt(state: PasswordFailures, policy: LockoutPolicy = DEFAULT_LOCKOUT): PasswordFailures {
  const failures = Math.max(0, state.failures - 1);
  if (failures === 0) return NO_FAILURES;
  return { failures, windowStartedAt: state.windowStartedAt, lockedUntil: failures >= policy.maxFailures ? state.lockedUntil : null };
}
