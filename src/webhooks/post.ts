// One POST of a delivery, to the address that was checked (never looked up again), without a
// connection pool or redirects: a 3xx is an answer that is not 2xx, like any other.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { WebhookTarget } from './target';

export interface PostOutcome {
  statusCode: number | null;
  /** Why there was no answer (refused, timed out, reset …); null when there was one. */
  error: string | null;
}

export function postWebhook(target: WebhookTarget, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostOutcome> {
  const pinned: LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  return new Promise((resolve) => {
    const request = (target.url.protocol === 'https:' ? https : http).request(target.url, {
      method: 'POST',
      agent: false,
      lookup: pinned,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'sifee-webhooks/1', ...headers },
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    request.on('response', (response) => {
      clearTimeout(timer);
      // The status is the answer; the body is not read (it could be endless).
      response.destroy();
      resolve({ statusCode: response.statusCode ?? null, error: null });
    });
    request.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ statusCode: null, error: (err.code ? `${err.code}: ${err.message}` : err.message).trim().slice(0, 500) });
    });
    request.end(body);
  });
}
