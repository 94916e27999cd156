// Declaration schedule rules (src/domain/declaration-schedule.ts): the period a run declares, in
// China time whatever the server's clock zone, and when a schedule fires.
import { describe, expect, it } from 'vitest';
import { firesAt, firingSpec, parseScheduleTime, schedulePeriod } from '../../src/domain/declaration-schedule';

describe('schedulePeriod', () => {
  it('declares the month before the run, or the month it runs in', () => {
    const at = new Date('2026-11-05T01:00:00Z'); // 09:00 on 5 November in China
    expect(schedulePeriod('previous_month', at)).toBe('2026-10');
    expect(schedulePeriod('current_month', at)).toBe('2026-11');
  });

  it('counts months in China time: late on the last UTC day of a month is already the next month there', () => {
    const at = new Date('2026-11-30T16:30:00Z'); // 00:30 on 1 December in China
    expect(schedulePeriod('current_month', at)).toBe('2026-12');
    expect(schedulePeriod('previous_month', at)).toBe('2026-11');
    const before = new Date('2026-11-30T15:59:59.999Z'); // 23:59:59.999 on 30 November in China
    expect(schedulePeriod('current_month', before)).toBe('2026-11');
  });

  it('goes back over the turn of the year', () => {
    const january = new Date('2027-01-05T02:00:00Z');
    expect(schedulePeriod('previous_month', january)).toBe('2026-12');
    expect(schedulePeriod('current_month', january)).toBe('2027-01');
    // 1 January 00:10 in China is still 31 December in UTC.
    expect(schedulePeriod('previous_month', new Date('2026-12-31T16:10:00Z'))).toBe('2026-12');
  });
});

describe('firingSpec', () => {
  it('fires monthly on the day at the time, in Asia/Shanghai', () => {
    expect(firingSpec({ dayOfMonth: 5, time: '09:30' })).toEqual({ calendars: [{ dayOfMonth: 5, hour: 9, minute: 30 }], timezone: 'Asia/Shanghai' });
    expect(firingSpec({ dayOfMonth: 28, time: '23:59' })).toEqual({ calendars: [{ dayOfMonth: 28, hour: 23, minute: 59 }], timezone: 'Asia/Shanghai' });
  });

  it('fires every few seconds instead when a test asks for it', () => {
    expect(firingSpec({ dayOfMonth: 5, time: '09:30' }, 4)).toEqual({ intervals: [{ every: '4s' }] });
  });

  it('takes HH:MM only', () => {
    expect(parseScheduleTime('00:00')).toEqual({ hour: 0, minute: 0 });
    for (const bad of ['24:00', '9:30', '09:60', '09:30:00', '']) expect(() => parseScheduleTime(bad)).toThrow(RangeError);
  });
});

describe('firesAt: whether a run’s time is one its schedule fires at', () => {
  const monthly = firingSpec({ dayOfMonth: 5, time: '09:30' });
  it('is true at the calendar’s day and minute in China time, to the millisecond', () => {
    expect(firesAt(monthly, new Date('2026-12-05T01:30:00.000Z'))).toBe(true); // 09:30 in Beijing
    expect(firesAt(monthly, new Date('2027-01-05T01:30:00.000Z'))).toBe(true);
  });
  it('is false for a trigger’s moment, another minute, another day, or the same clock time in UTC', () => {
    expect(firesAt(monthly, new Date('2026-12-05T01:30:00.417Z'))).toBe(false);
    expect(firesAt(monthly, new Date('2026-12-05T01:30:07.000Z'))).toBe(false);
    expect(firesAt(monthly, new Date('2026-12-05T01:31:00.000Z'))).toBe(false);
    expect(firesAt(monthly, new Date('2026-12-06T01:30:00.000Z'))).toBe(false);
    expect(firesAt(monthly, new Date('2026-12-05T09:30:00.000Z'))).toBe(false);
  });
  it('takes the test interval as Temporal does: multiples of it since the epoch', () => {
    const every3 = firingSpec({ dayOfMonth: 5, time: '09:30' }, 3);
    expect(firesAt(every3, new Date(3_000 * 593_000_000))).toBe(true);
    expect(firesAt(every3, new Date(3_000 * 593_000_000 + 1_000))).toBe(false);
    expect(firesAt(every3, new Date(3_000 * 593_000_000 + 12))).toBe(false);
  });
});
