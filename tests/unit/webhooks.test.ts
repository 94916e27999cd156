// The pure parts of signed webhooks: the signature a receiver checks, which addresses a webhook
// may not reach, the retry schedule, and which events a subscription hears.
import { describe, expect, it } from 'vitest';
import { maskUrlCredentials } from '../../src/domain/redact';
import { allowedHost, hostOf, refusedAddress, v6Bytes } from '../../src/domain/webhook-addresses';
import { WEBHOOK_EVENT_WILDCARDS, WEBHOOK_SUBSCRIPTIONS, deliverable, subscribes, webhookEventBody } from '../../src/domain/webhook-events';
import { DEFAULT_WEBHOOK_RETRY_FOR, DEFAULT_WEBHOOK_RETRY_SCHEDULE, nextAttemptAt, parseWebhookRetry, type WebhookRetry } from '../../src/domain/webhook-retries';
import { newWebhookSecret, signatureHeader, signatureOf, verifySignature } from '../../src/domain/webhook-signature';
import { createHmac } from 'node:crypto';

describe('the signature (Sifee-Signature: t=…,v1=…)', () => {
  const secret = 'whsec_test';
  const body = '{"id":"evt_1","type":"payment.paid"}';

  it('is HMAC-SHA256 of "<t>.<raw body>" keyed with the secret, in hex', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signatureOf(secret, 1700000000, body)).toBe(expected);
    expect(signatureHeader(secret, 1700000000, body)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies what was signed, within the tolerance', () => {
    const header = signatureHeader(secret, 1700000000, body);
    expect(verifySignature(header, body, secret, { nowSeconds: 1700000100 })).toEqual({ ok: true, t: 1700000000 });
    // Several v1 values (a secret being rotated): any one may match.
    expect(verifySignature(`t=1700000000,v1=${'0'.repeat(64)},${header.split(',')[1]}`, body, secret, { nowSeconds: 1700000000 }).ok).toBe(true);
  });

  it('refuses old timestamps, other bodies, other secrets and malformed headers', () => {
    const header = signatureHeader(secret, 1700000000, body);
    expect(verifySignature(header, body, secret, { nowSeconds: 1700000301 })).toEqual({ ok: false, reason: 'too_old' });
    expect(verifySignature(header, body, secret, { nowSeconds: 1700000000 - 301 })).toEqual({ ok: false, reason: 'too_old' });
    expect(verifySignature(header, body, secret, { nowSeconds: 1700000400, toleranceSeconds: 600 }).ok).toBe(true);
    expect(verifySignature(header, `${body} `, secret, { nowSeconds: 1700000000 })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(header, body, 'whsec_other', { nowSeconds: 1700000000 })).toEqual({ ok: false, reason: 'mismatch' });
    // A re-timed header: the timestamp is signed too.
    expect(verifySignature(header.replace('t=1700000000', 't=1700000200'), body, secret, { nowSeconds: 1700000200 })).toEqual({ ok: false, reason: 'mismatch' });
    for (const bad of [undefined, '', 't=1700000000', 'v1=abc', 't=soon,v1=' + '0'.repeat(64), `t=1700000000,v1=${'g'.repeat(64)}`]) {
      expect(verifySignature(bad, body, secret, { nowSeconds: 1700000000 })).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('makes a new random secret each time', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});

describe('addresses a webhook may not reach (server-side request forgery)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['0.0.0.0', 'this-network'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique local (private)'],
    ['fd12:3456::1', 'unique local (private)'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
  ])('%s is refused: %s', (address, why) => {
    expect(refusedAddress(address)).toBe(why);
  });

  it('sees the IPv4 address inside IPv6 forms', () => {
    expect(refusedAddress('::ffff:127.0.0.1')).toMatch(/^loopback \(IPv4 127\.0\.0\.1 inside IPv6\)/);
    expect(refusedAddress('::ffff:7f00:1')).toMatch(/^loopback/);
    expect(refusedAddress('::ffff:10.1.2.3')).toMatch(/^private/);
    expect(refusedAddress('::ffff:169.254.169.254')).toMatch(/^link-local/);
    expect(refusedAddress('64:ff9b::7f00:1')).toMatch(/^loopback/); // NAT64
    expect(refusedAddress('2002:c0a8:0101::1')).toMatch(/^private/); // 6to4 of 192.168.1.1
    // IPv4-translated (::ffff:0:0/96, SIIT): issue 26 found http://[::ffff:0:127.0.0.1]/ let through.
    expect(refusedAddress('::ffff:0:127.0.0.1')).toMatch(/^loopback \(IPv4 127\.0\.0\.1 inside IPv6\)/);
    expect(refusedAddress('::ffff:0:7f00:1')).toMatch(/^loopback/);
    expect(refusedAddress('0:0:0:0:ffff:0:a9fe:a9fe')).toMatch(/^link-local/);
    expect(refusedAddress(hostOf(new URL('http://[::ffff:0:127.0.0.1]/')))).toMatch(/^loopback/);
    expect(refusedAddress('64:ff9b::127.0.0.1')).toMatch(/^loopback/);
    expect(refusedAddress('64:ff9b::10.0.0.1')).toMatch(/^private/);
    expect(refusedAddress('::7f00:1')).toBe('IPv4-compatible (deprecated)');
    expect(refusedAddress('::ffff:0:8.8.8.8')).toBeNull();
    expect(refusedAddress('::ffff:8.8.8.8')).toBeNull();
    expect(refusedAddress('64:ff9b::808:808')).toBeNull();
  });

  it('lets public addresses through', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700::1111', '2400:3200::1', '2a00::1']) {
      expect(refusedAddress(address), address).toBeNull();
    }
  });

  it('refuses what is not an IP address', () => {
    expect(refusedAddress('localhost')).toBe('not an IP address');
  });

  it('reads IPv6 addresses into their 16 bytes', () => {
    expect(v6Bytes('::1')).toEqual([...Array(15).fill(0), 1]);
    expect(v6Bytes('2001:db8::8:800:200c:417a')).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a]);
    expect(v6Bytes('::ffff:192.168.0.1')).toEqual([...Array(10).fill(0), 0xff, 0xff, 192, 168, 0, 1]);
    expect(v6Bytes('1:2:3:4:5:6:7:8')).toHaveLength(16);
  });

  it('allows the hosts WEBHOOK_ALLOWED_HOSTS lists, as written in the URL', () => {
    expect(allowedHost(new URL('http://127.0.0.1:8080/x'), ['127.0.0.1'])).toBe(true);
    expect(allowedHost(new URL('http://LOCALHOST/x'), ['localhost'])).toBe(true);
    expect(allowedHost(new URL('http://[::1]/x'), ['::1'])).toBe(true);
    // A name resolving to an allowed address is not the allowed host.
    expect(allowedHost(new URL('http://localhost/x'), ['127.0.0.1'])).toBe(false);
  });
});

describe('a webhook URL as views show it (its credentials masked)', () => {
  it('masks the values of the query, the user name and password, and the fragment', () => {
    expect(maskUrlCredentials('https://hooks.example/x?token=abc123')).toBe('https://hooks.example/x?token=***');
    expect(maskUrlCredentials('https://hooks.example/x?a=1&b=&c')).toBe('https://hooks.example/x?a=***&b=***&***');
    expect(maskUrlCredentials('https://user:pass@hooks.example:8443/x')).toBe('https://***@hooks.example:8443/x');
    expect(maskUrlCredentials('https://user@hooks.example/x#key')).toBe('https://***@hooks.example/x#***');
    expect(maskUrlCredentials('http://[2001:db8::1]:8080/hook?s3cret')).toBe('http://[2001:db8::1]:8080/hook?***');
  });

  it('leaves a URL without credentials as it is', () => {
    for (const url of ['https://hooks.example/x', 'http://127.0.0.1:9999/main', 'https://hooks.example/']) expect(maskUrlCredentials(url)).toBe(url);
    expect(maskUrlCredentials('https://hooks.example/x?')).toBe('https://hooks.example/x');
  });
});

/** Seconds after the first attempt at which each attempt starts when none is answered (answers taking no time). */
function attemptOffsets(retry: WebhookRetry): number[] {
  const first = new Date(0);
  const offsets = [0];
  for (let at = first; ; ) {
    const next = nextAttemptAt(offsets.length, at, retry, first);
    if (!next) return offsets;
    offsets.push(next.getTime() / 1000);
    at = next;
  }
}

describe('the retry schedule (WEBHOOK_RETRY_SCHEDULE, WEBHOOK_RETRY_FOR)', () => {
  it('reads the default: 10s,1m,5m,30m,2h,6h for 3 days', () => {
    expect(parseWebhookRetry(DEFAULT_WEBHOOK_RETRY_SCHEDULE, DEFAULT_WEBHOOK_RETRY_FOR)).toEqual({ scheduleSeconds: [10, 60, 300, 1800, 7200, 21600], forSeconds: 3 * 86400 });
  });

  it('refuses an empty schedule, a zero wait and unreadable durations', () => {
    expect(() => parseWebhookRetry('', '3d')).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    expect(() => parseWebhookRetry('0s', '3d')).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    expect(() => parseWebhookRetry('10 seconds', '3d')).toThrow(/10 seconds/);
    expect(() => parseWebhookRetry('10s', 'three days')).toThrow(/WEBHOOK_RETRY_FOR/);
  });

  it('waits each in turn, the last repeating, and starts no attempt after 3 days', () => {
    const retry = parseWebhookRetry(DEFAULT_WEBHOOK_RETRY_SCHEDULE, DEFAULT_WEBHOOK_RETRY_FOR);
    const offsets = attemptOffsets(retry);
    expect(offsets.slice(0, 8)).toEqual([0, 10, 70, 370, 2170, 9370, 30970, 52570]);
    expect(offsets.at(-1)).toBeLessThanOrEqual(3 * 86400);
    expect(offsets.at(-1)! + 21600).toBeGreaterThan(3 * 86400);
    expect(offsets).toHaveLength(17);
    const first = new Date('2026-11-27T00:00:00Z');
    expect(nextAttemptAt(1, first, retry, first)).toEqual(new Date('2026-11-27T00:00:10Z'));
    expect(nextAttemptAt(20, new Date('2026-11-29T20:00:00Z'), retry, first)).toBeNull();
  });
});

describe('what a subscription hears', () => {
  it('names actions, resources and everything', () => {
    expect(subscribes(['payment.paid'], 'payment.paid')).toBe(true);
    expect(subscribes(['payment.paid'], 'payment.failed')).toBe(false);
    expect(subscribes(['payment.*'], 'payment.awaiting_retry')).toBe(true);
    expect(subscribes(['payment.*'], 'payment_batch.started')).toBe(false);
    expect(subscribes(['certificate.*'], 'certificate.tax.printed')).toBe(true);
    expect(subscribes(['*'], 'declaration.accepted')).toBe(true);
    // An action written later reaches `*` without a change here.
    expect(subscribes(['*'], 'employer.archived')).toBe(true);
  });

  it('names the declaration schedules’ actions, apart from the declarations’', () => {
    const actions = ['created', 'paused', 'unpaused', 'deleted', 'run_started', 'run_failed'].map((a) => `declaration_schedule.${a}`);
    expect(WEBHOOK_SUBSCRIPTIONS).toEqual(expect.arrayContaining([...actions, 'declaration_schedule.*']));
    for (const action of actions) {
      expect(subscribes([action], action)).toBe(true);
      expect(subscribes(['declaration_schedule.*'], action)).toBe(true);
      expect(subscribes(['declaration.*', 'declaration_batch.*'], action)).toBe(false);
    }
    expect(subscribes(['declaration_schedule.run_failed'], 'declaration_schedule.run_started')).toBe(false);
    expect(subscribes(['declaration_schedule.*'], 'declaration_batch.started')).toBe(false);
  });

  it('never delivers webhook changes or workflow bookkeeping (a delivery’s own archiving would never end)', () => {
    for (const action of ['webhook.created', 'webhook.deleted', 'webhook.redelivered', 'workflow.archived', 'workflow.start_repaired']) {
      expect(deliverable(action)).toBe(false);
      expect(subscribes(['*'], action)).toBe(false);
    }
    expect(WEBHOOK_SUBSCRIPTIONS.some((s) => s.startsWith('webhook.') || s.startsWith('workflow.'))).toBe(false);
    expect(WEBHOOK_EVENT_WILDCARDS).toEqual(expect.arrayContaining(['*', 'payment.*', 'declaration.*', 'voucher.*', 'certificate.*']));
  });

  it('sends the entry as { id, type, createdAt, data }, with secrets masked', () => {
    const body = webhookEventBody({ seq: 42, at: new Date('2026-11-27T02:00:00Z'), actor: 'system', action: 'payment.paid', subject: 'P1', detail: { totalFen: 100, password: 'x' } });
    expect(body).toEqual({ id: 'evt_42', type: 'payment.paid', createdAt: '2026-11-27T02:00:00.000Z', data: { subject: 'P1', actor: 'system', detail: { totalFen: 100, password: '[redacted]' } } });
  });
});
