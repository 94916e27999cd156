// Where a webhook's POST goes, checked against server-side request forgery: an http(s) URL whose
// host resolves only to public addresses (or is listed in WEBHOOK_ALLOWED_HOSTS). Checked when the
// webhook is registered and again before every attempt (DNS may have changed since), and the
// attempt connects to the very address checked here, so a second lookup cannot send it elsewhere.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { allowedHost, hostOf, refusedAddress } from '../domain/webhook-addresses';

/** How long a host's lookup may take. */
const LOOKUP_TIMEOUT_MS = 5_000;

export type TargetRefusal = 'WEBHOOK_URL_INVALID' | 'WEBHOOK_HOST_UNRESOLVED' | 'WEBHOOK_ADDRESS_REFUSED';

export class WebhookTargetRefused extends Error {
  override name = 'WebhookTargetRefused';
  constructor(
    readonly code: TargetRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface WebhookTarget {
  url: URL;
  /** The checked address the POST connects to. */
  address: string;
  family: 4 | 6;
}

export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookTargetRefused('WEBHOOK_URL_INVALID', 'the URL cannot be read: give an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookTargetRefused('WEBHOOK_URL_INVALID', `only http and https URLs, not ${url.protocol.slice(0, -1)}`);
  // They would be sent as Basic credentials and shown in every listing: put a token in the path instead.
  if (url.username || url.password) throw new WebhookTargetRefused('WEBHOOK_URL_INVALID', 'the URL must not carry a user name or password');
  if (!url.hostname) throw new WebhookTargetRefused('WEBHOOK_URL_INVALID', 'the URL has no host');
  return url;
}

async function addressesOf(host: string): Promise<{ address: string; family: number }[]> {
  const family = isIP(host);
  if (family) return [{ address: host, family }];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${LOOKUP_TIMEOUT_MS / 1000} s`)), LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
  } catch (err) {
    throw new WebhookTargetRefused('WEBHOOK_HOST_UNRESOLVED', `${host} does not resolve: ${(err as { code?: string }).code ?? (err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves the URL's host and checks every address it has; throws {@link WebhookTargetRefused}. */
export async function resolveWebhookTarget(text: string, allowedHosts: readonly string[]): Promise<WebhookTarget> {
  const url = parseWebhookUrl(text);
  const host = hostOf(url);
  const addresses = await addressesOf(host);
  const first = addresses[0];
  if (!first) throw new WebhookTargetRefused('WEBHOOK_HOST_UNRESOLVED', `${host} has no address`);
  if (!allowedHost(url, allowedHosts)) {
    // Every address, not only the first: a resolver may answer them in another order next time.
    for (const { address } of addresses) {
      const why = refusedAddress(address);
      if (why) {
        const named = address === host ? host : `${host} resolves to ${address}`;
        throw new WebhookTargetRefused('WEBHOOK_ADDRESS_REFUSED', `${named}, a ${why} address: webhooks go to public addresses only (or list the host in WEBHOOK_ALLOWED_HOSTS)`);
      }
    }
  }
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
