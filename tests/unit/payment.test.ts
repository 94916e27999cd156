import { describe, expect, it } from 'vitest';
import { declarationPaymentStatus, maskAccount, paymentDeadline } from '../../src/domain/payment';
import { nextRetryAt, parseRetrySchedule } from '../../src/domain/retry-schedule';

describe('the retry schedule of failed deductions (F-4.7)', () => {
  const now = new Date('2026-11-27T02:00:00Z');
  const deadline = new Date('2026-11-30T15:59:59.999Z');

  it('waits the schedule\'s delays in turn, the last one repeating', () => {
    const schedule = [600, 3600];
    expect(nextRetryAt(1, now, schedule, deadline)).toEqual(new Date('2026-11-27T02:10:00Z'));
    expect(nextRetryAt(2, now, schedule, deadline)).toEqual(new Date('2026-11-27T03:00:00Z'));
    expect(nextRetryAt(5, now, schedule, deadline)).toEqual(new Date('2026-11-27T03:00:00Z'));
  });

  it('ends at the payment deadline', () => {
    expect(nextRetryAt(1, now, [86400 * 3], deadline)).toEqual(new Date('2026-11-30T02:00:00Z'));
    expect(nextRetryAt(1, now, [86400 * 4], deadline)).toBeNull();
    expect(nextRetryAt(1, now, [], deadline)).toBeNull();
  });

  it('reads schedules such as "10m,1h,1d"', () => {
    expect(parseRetrySchedule('10m, 1h,1d,30s')).toEqual([600, 3600, 86400, 30]);
    expect(() => parseRetrySchedule('10 minutes')).toThrow(/10 minutes/);
  });

  it('takes the payment deadline from the earliest collection order validity, end of day in China', () => {
    expect(paymentDeadline(['2027-01-31', '2026-12-31'])).toEqual(new Date('2026-12-31T15:59:59.999Z'));
    expect(() => paymentDeadline([])).toThrow();
  });
});

describe('what payments do to a declaration (F-2.7, F-4)', () => {
  it('is paid when every line is, partly paid when some are', () => {
    expect(declarationPaymentStatus([{ amountFen: 100, paidFen: 100 }, { amountFen: 50, paidFen: 50 }])).toBe('paid');
    expect(declarationPaymentStatus([{ amountFen: 100, paidFen: 100 }, { amountFen: 50, paidFen: 0 }])).toBe('partially_paid');
    expect(declarationPaymentStatus([{ amountFen: 100, paidFen: 0 }])).toBe('unpaid');
  });

  it('shows only the last four digits of an account', () => {
    expect(maskAccount('6222021234567890123')).toBe('**** 0123');
  });
});
