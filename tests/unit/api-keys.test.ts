import { describe, expect, it } from 'vitest';
import { KeyRing, parseApiKeys } from '../../src/api/api-keys';

describe('API keys', () => {
  it('compares keys over digests of every key, whatever their lengths', () => {
    const ring = new KeyRing([{ name: 'short', role: 'auditor', key: 'short-key-0123456' }, { name: 'long', role: 'operator', key: 'a-much-longer-key-0123456789-abcdef' }]);
    expect(ring.find('short-key-0123456')?.name).toBe('short');
    expect(ring.find('a-much-longer-key-0123456789-abcdef')?.name).toBe('long');
    expect(ring.find('short-key-012345')).toBeUndefined();
    expect(ring.find('')).toBeUndefined();
  });

  it('are parsed from name:role:key', () => {
    expect(parseApiKeys('a:operator:operator-key-0123456789, b:auditor:auditor-key-0123456789')).toEqual([
      { name: 'a', role: 'operator', key: 'operator-key-0123456789' },
      { name: 'b', role: 'auditor', key: 'auditor-key-0123456789' },
    ]);
    expect(() => parseApiKeys('a:root:operator-key-0123456789')).toThrow(/role/);
  });
});
