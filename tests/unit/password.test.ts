import { describe, expect, it } from 'vitest';
import { NO_FAILURES, afterWrongPassword, attemptsLeft, countAttempt, initialPassword, lockedUntil, newPasswordProblem, uncountAttempt } from '../../src/domain/password';

describe('initial declaration password (F-1.2)', () => {
  it('is the last 6 characters of the unit number', () => {
    expect(initialPassword('5201031234567')).toBe('234567');
    expect(initialPassword('123456')).toBe('123456');
  });

  it('pads a short unit number with 0 at its end', () => {
    expect(initialPassword('1234')).toBe('123400');
    expect(initialPassword('7')).toBe('700000');
  });
});

describe('a new password (F-1.3)', () => {
  const base = { password: '123456', newPassword: 'Abc12345', newPasswordConfirm: 'Abc12345', unitNumber: '5201123456' };
  it('must be typed twice the same', () => {
    expect(newPasswordProblem(base)).toBeNull();
    expect(newPasswordProblem({ ...base, newPasswordConfirm: 'Abc12346' })).toContain('differ');
  });
  it('must be 6–20 letters or digits, differ from the current and the initial one', () => {
    expect(newPasswordProblem({ ...base, newPassword: 'ab1', newPasswordConfirm: 'ab1' })).toContain('6 to 20');
    expect(newPasswordProblem({ ...base, newPassword: '123456', newPasswordConfirm: '123456', password: 'x' })).toContain('initial');
    expect(newPasswordProblem({ ...base, password: 'Abc12345' })).toContain('differ from the current');
  });
});

describe('lockout after wrong passwords', () => {
  const t0 = new Date('2026-11-27T10:00:00Z');
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
  const policy = { maxFailures: 3, windowMs: 10 * 60_000, lockMs: 15 * 60_000 };

  it('locks at the last allowed failure within the window, for lockMs', () => {
    let s = NO_FAILURES;
    s = afterWrongPassword(s, at(0), policy);
    s = afterWrongPassword(s, at(1), policy);
    expect(lockedUntil(s, at(1))).toBeNull();
    expect(attemptsLeft(s, policy)).toBe(1);
    s = afterWrongPassword(s, at(2), policy);
    expect(lockedUntil(s, at(2))).toEqual(at(17));
    expect(lockedUntil(s, at(17))).toBeNull();
  });

  it('starts counting again once the window has passed', () => {
    let s = afterWrongPassword(NO_FAILURES, at(0), policy);
    s = afterWrongPassword(s, at(1), policy);
    s = afterWrongPassword(s, at(12), policy);
    expect(s.failures).toBe(1);
    expect(lockedUntil(s, at(12))).toBeNull();
  });

  it('after a lock has run out, one wrong password does not lock again at once', () => {
    let s = NO_FAILURES;
    for (const m of [0, 1, 2]) s = afterWrongPassword(s, at(m), policy);
    s = afterWrongPassword(s, at(20), policy);
    expect(lockedUntil(s, at(20))).toBeNull();
    expect(s.failures).toBe(1);
  });
});

describe('attempts counted before the bureau is asked', () => {
  const policy = { maxFailures: 3, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };
  const now = new Date('2026-11-27T02:00:00Z');

  it('lets only the limit through: the attempt that reaches it locks, later ones are refused', () => {
    let s = NO_FAILURES;
    const counted = [];
    for (let i = 0; i < 5; i++) {
      const next = countAttempt(s, now, policy);
      counted.push(next !== null);
      if (next) s = next;
    }
    expect(counted).toEqual([true, true, true, false, false]);
    expect(lockedUntil(s, now)).toEqual(new Date(now.getTime() + policy.lockMs));
  });

  it('takes back an attempt the bureau never judged, and the lock it caused', () => {
    const two = countAttempt(countAttempt(NO_FAILURES, now, policy)!, now, policy)!;
    const three = countAttempt(two, now, policy)!;
    expect(three.lockedUntil).not.toBeNull();
    expect(uncountAttempt(three, policy)).toEqual({ ...two, lockedUntil: null });
    expect(uncountAttempt(countAttempt(NO_FAILURES, now, policy)!, policy)).toEqual(NO_FAILURES);
  });
});
