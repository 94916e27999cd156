import { describe, expect, it } from 'vitest';
import { checkCharacter, checkTaxpayerId } from '../../src/domain/taxpayer-id';

describe('Unified Social Credit Code check (GB 32100-2015)', () => {
  it.each(['91110000600037341L', '915201146629566696'])('accepts the valid example %s', (code) => {
    expect(checkTaxpayerId(code)).toEqual({ ok: true, value: code });
    expect(checkCharacter(code.slice(0, 17))).toBe(code[17]);
  });

  it('normalises case and surrounding spaces', () => {
    expect(checkTaxpayerId(' 91110000600037341l ')).toEqual({ ok: true, value: '91110000600037341L' });
  });

  it('names the expected check character when one character is mistyped', () => {
    const result = checkTaxpayerId('915201146629566697');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toContain('should be "6"');
  });

  it('says how long a code must be', () => {
    const result = checkTaxpayerId('9152011466');
    expect(!result.ok && result.problem).toContain('18 characters; this one has 10');
  });

  it.each(['I', 'O', 'S', 'V', 'Z'])('rejects the letter %s, which the alphabet leaves out', (letter) => {
    const result = checkTaxpayerId(`9152011466295666${letter}6`);
    expect(!result.ok && result.problem).toContain(`character 17 ("${letter}")`);
  });

  it('catches every single-character substitution of a valid code', () => {
    const valid = '915201146629566696';
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    for (let pos = 0; pos < 17; pos++) {
      for (const ch of alphabet) {
        if (ch === valid[pos]) continue;
        const typo = valid.slice(0, pos) + ch + valid.slice(pos + 1);
        expect(checkTaxpayerId(typo).ok, typo).toBe(false);
      }
    }
  });
});
