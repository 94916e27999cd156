import { describe, expect, it } from 'vitest';
import { formatYuan, formatYuanGrouped, sumFen, toChineseCapitals } from '../../src/domain/money';

describe('amounts in Chinese capitals (人民币大写)', () => {
  it.each([
    [8407924, '捌万肆仟零柒拾玖元贰角肆分'], // DOMAIN-FACTS example
    [100000, '壹仟元整'],
    [10001050, '壹拾万零壹拾元伍角'],
    [0, '零元整'],
    [5, '伍分'],
    [50, '伍角'],
    [1000, '壹拾元整'],
    [100005, '壹仟元零伍分'],
    [10000000000, '壹亿元整'],
    [10000100000, '壹亿零壹仟元整'],
    [12030050067, '壹亿贰仟零叁拾万零伍佰元陆角柒分'],
    [100000000, '壹佰万元整'],
    [1001000000, '壹仟零壹万元整'],
  ])('%i fen → %s', (fen, expected) => {
    expect(toChineseCapitals(fen)).toBe(expected);
  });

  it('refuses fractions of a fen', () => {
    expect(() => toChineseCapitals(1.5)).toThrow(RangeError);
  });
});

describe('yuan display strings', () => {
  it('formats fen as yuan with two decimals', () => {
    expect(formatYuan(8407924)).toBe('84079.24');
    expect(formatYuan(5)).toBe('0.05');
    expect(formatYuan(-120)).toBe('-1.20');
    expect(formatYuanGrouped(1234567891)).toBe('12,345,678.91');
  });

  it('sums whole fen only', () => {
    expect(sumFen([1, 2, 3])).toBe(6);
    expect(() => sumFen([0.1, 0.2])).toThrow(RangeError);
  });
});
