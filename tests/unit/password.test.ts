import { describe, expect, it } from 'vitest';
import { initialPassword } from '../../src/domain/password';

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
