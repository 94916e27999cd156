import { describe, expect, it } from 'vitest';
import { canTransition, holdsItems, nextPollDelaySeconds, payNowPrompt } from '../../src/domain/declaration';

describe('declaration statuses', () => {
  it('decides a submitted declaration once', () => {
    expect(canTransition('submitted', 'accepted')).toBe(true);
    expect(canTransition('submitted', 'rejected')).toBe(true);
    expect(canTransition('submitted', 'result_unknown')).toBe(true);
    expect(canTransition('result_unknown', 'accepted')).toBe(true);
    expect(canTransition('accepted', 'rejected')).toBe(false);
    expect(canTransition('rejected', 'accepted')).toBe(false);
  });

  it('releases the items of rejected and voided declarations only', () => {
    expect(holdsItems('rejected')).toBe(false);
    expect(holdsItems('voided')).toBe(false);
    expect(holdsItems('submitted')).toBe(true);
    expect(holdsItems('result_unknown')).toBe(true);
    expect(holdsItems('accepted')).toBe(true);
  });

  it('polls with doubling delays up to a cap', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => nextPollDelaySeconds(n, 5, 60))).toEqual([5, 10, 20, 40, 60, 60]);
  });

  it('asks "pay now?" while an accepted declaration is unpaid or partly paid (F-2.7)', () => {
    expect(payNowPrompt([{ status: 'accepted', paymentStatus: 'unpaid' }])).toBe(true);
    expect(payNowPrompt([{ status: 'accepted', paymentStatus: 'partially_paid' }])).toBe(true);
    expect(payNowPrompt([{ status: 'accepted', paymentStatus: 'paid' }])).toBe(false);
    expect(payNowPrompt([{ status: 'submitted', paymentStatus: 'unpaid' }])).toBe(false);
    expect(payNowPrompt([])).toBe(false);
  });
});
