// Money is always integer fen (分). Floats never hold an amount.

export type Fen = number;

export function assertFen(value: number, what = 'amount'): Fen {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a whole number of fen, got ${value}`);
  return value;
}

/** 8407924 → "84079.24" (the `...Yuan` display string of API.md). */
export function formatYuan(fen: Fen): string {
  assertFen(fen);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** 8407924 → "84,079.24", for printed documents. */
export function formatYuanGrouped(fen: Fen): string {
  const [whole, cents] = formatYuan(fen).split('.') as [string, string];
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const SMALL_UNITS = ['', '拾', '佰', '仟'];
const GROUP_UNITS = ['', '万', '亿', '万亿'];

function digit(d: number): string {
  return DIGITS[d] as string;
}

/** One group of up to four digits, zeros inside collapsed to one 零, trailing zeros dropped. */
function groupToCapitals(group: number): string {
  let out = '';
  let pendingZero = false;
  for (let pos = 3; pos >= 0; pos--) {
    const d = Math.floor(group / 10 ** pos) % 10;
    if (d === 0) {
      if (out !== '') pendingZero = true;
      continue;
    }
    if (pendingZero) out += '零';
    out += digit(d) + SMALL_UNITS[pos];
    pendingZero = false;
  }
  return out;
}

function yuanToCapitals(yuan: number): string {
  const groups: number[] = [];
  for (let n = yuan; n > 0; n = Math.floor(n / 10000)) groups.push(n % 10000);
  if (groups.length > GROUP_UNITS.length) throw new RangeError('amount too large for capitals');
  let out = '';
  let zeroBetween = false;
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i] as number;
    if (g === 0) {
      if (out !== '') zeroBetween = true;
      continue;
    }
    if (out !== '' && (zeroBetween || g < 1000)) out += '零';
    out += groupToCapitals(g) + GROUP_UNITS[i];
    zeroBetween = false;
  }
  return out;
}

/**
 * Amount in Chinese capitals (人民币大写), as printed on vouchers and certificates:
 * 8407924 → 捌万肆仟零柒拾玖元贰角肆分; 100000 → 壹仟元整; 10001050 → 壹拾万零壹拾元伍角.
 */
export function toChineseCapitals(fen: Fen): string {
  assertFen(fen);
  if (fen < 0) return `负${toChineseCapitals(-fen)}`;
  if (fen === 0) return '零元整';
  const yuan = Math.floor(fen / 100);
  const jiao = Math.floor(fen / 10) % 10;
  const cents = fen % 10;
  let out = yuan > 0 ? `${yuanToCapitals(yuan)}元` : '';
  if (jiao === 0 && cents === 0) return `${out}整`;
  if (jiao > 0) out += `${digit(jiao)}角`;
  else if (yuan > 0) out += '零';
  if (cents > 0) out += `${digit(cents)}分`;
  return out;
}

export function sumFen(amounts: readonly Fen[]): Fen {
  return assertFen(amounts.reduce((a, b) => a + b, 0), 'total');
}
