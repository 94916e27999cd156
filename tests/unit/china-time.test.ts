// Times as people in China read them (src/domain/china-time.ts).
import { describe, expect, it } from 'vitest';
import { chinaDay, chinaTime } from '../../src/domain/china-time';

describe('China time (北京时间)', () => {
  it("uses China's calendar day", () => {
    expect(chinaDay(new Date('2026-11-26T16:30:00Z'))).toBe('2026-11-27');
    expect(chinaDay(new Date('2026-11-26T15:59:59Z'))).toBe('2026-11-26');
  });

  it('writes a time in China with its zone said, never as an ISO instant', () => {
    expect(chinaTime(new Date('2026-12-07T02:27:05.110Z'))).toBe('2026-12-07 10:27 北京时间');
    // China's end of a day is still that day, whatever the reader's own zone.
    expect(chinaTime(new Date('2027-03-31T15:59:59.999Z'))).toBe('2027-03-31 23:59 北京时间');
    expect(chinaTime(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01 00:00 北京时间');
  });
});
