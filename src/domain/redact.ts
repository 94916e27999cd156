// What no answer may carry in full: declaration passwords and bank account numbers. Workflow
// payloads hold account numbers (a voucher printed on a typed-in account) and bureau answers;
// whoever reads them through the codec endpoint gets them masked like every other view.
import { maskAccount } from './payment';

const PASSWORD_FIELD = /password/i;
/** `accountNumber`, `account`, `bankAccount`…, not `accountName` or `accountId`. */
const ACCOUNT_FIELD = /account(?!.*(name|id)s?$)/i;
/** An account number has at least 8 digits (names and ids of ours have fewer). */
const ACCOUNT_NUMBER = /^(?:\D*\d){8,}\D*$/;
export const REDACTED = '[redacted]';

/** A copy of a JSON value with every password field replaced and every account number masked. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  // Deeper than any payload of ours nests: dropped rather than passed on unread.
  if (depth > 64) return REDACTED;
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (typeof v === 'string' && PASSWORD_FIELD.test(k)) return [k, REDACTED];
      if (typeof v === 'string' && ACCOUNT_FIELD.test(k) && ACCOUNT_NUMBER.test(v)) return [k, maskAccount(v)];
      return [k, redactSecrets(v, depth + 1)];
    }),
  );
}

/**
 * A URL as views show it (a webhook's: listings, the console, the answer that registers it): its
 * user name and password, the values of its query and its fragment masked, as they may be the
 * receiver's credentials (`?token=…`). Only deliveries use the URL as written.
 */
export function maskUrlCredentials(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '***';
  }
  const userinfo = url.username || url.password ? '***@' : '';
  const pairs = url.search
    .slice(1)
    .split('&')
    .filter(Boolean)
    .map((pair) => (pair.includes('=') ? `${pair.slice(0, pair.indexOf('='))}=***` : '***'));
  const query = pairs.length > 0 ? `?${pairs.join('&')}` : '';
  return `${url.protocol}//${userinfo}${url.host}${url.pathname}${query}${url.hash ? '#***' : ''}`;
}
