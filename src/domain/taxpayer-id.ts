// Unified Social Credit Code (统一社会信用代码, GB 32100-2015): 18 characters, the last a check character.

export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The check character for the first 17 characters of a code. */
export function checkCharacter(first17: string): string {
  if (first17.length !== 17) throw new RangeError('need the first 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_ALPHABET.indexOf(first17[i] as string);
    if (value < 0) throw new RangeError(`character ${first17[i]} is not in the code alphabet`);
    sum += value * (WEIGHTS[i] as number);
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31] as string;
}

export type TaxpayerIdCheck = { ok: true; value: string } | { ok: false; problem: string };

/** Validates a taxpayer ID and says, in words an operator can act on, what is wrong. */
export function checkTaxpayerId(raw: string): TaxpayerIdCheck {
  const value = raw.trim().toUpperCase();
  if (value.length !== 18) {
    return { ok: false, problem: `a taxpayer ID (统一社会信用代码) has 18 characters; this one has ${value.length}` };
  }
  for (let i = 0; i < 18; i++) {
    const ch = value[i] as string;
    if (!USCC_ALPHABET.includes(ch)) {
      return {
        ok: false,
        problem: `character ${i + 1} ("${ch}") is not allowed; a taxpayer ID uses digits and the letters ${USCC_ALPHABET.slice(10)} (no I, O, S, V, Z)`,
      };
    }
  }
  const expected = checkCharacter(value.slice(0, 17));
  if (value[17] !== expected) {
    return { ok: false, problem: `the check character (18th) should be "${expected}", not "${value[17]}": a character was probably mistyped` };
  }
  return { ok: true, value };
}
