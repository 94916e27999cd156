// Cross-site request forgery in a real browser (Debian's Chromium): a page served on another port
// of the same host posts to the API with the operator's session cookie, as in the review. Cookies
// do not tell ports apart (SameSite=Strict still sends it), so only the origin check stops it.
// The console's own same-origin writes and Swagger UI (under its CSP) keep working.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_FLAGS, resolveChromiumPath } from '../../src/render';
import { addSignedInEmployer } from '../support/employers';
import { api } from '../support/flows';
import { KEYS, startStack, type Stack } from '../support/stack';

let stack: Stack;
let base: string;
let evil: Server;
let evilBase: string;
let browser: Browser;
let userDataDir: string;

/**
 * The attacker's page: fires `no-cors` requests with credentials at `?target=` and says when they
 * went. It never reads an answer (they are opaque, and Cross-Origin-Resource-Policy now blocks them).
 */
const EVIL_PAGE = `<!doctype html><title>loading</title><script>
const target = new URLSearchParams(location.search).get('target');
Promise.allSettled([
  fetch(target, { method: 'POST', mode: 'no-cors', credentials: 'include' }),
  fetch(target, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{}' }),
]).then(() => { document.title = 'sent'; });
</script>`;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  }));
}

beforeAll(async () => {
  stack = await startStack();
  await stack.app.listen({ port: 0, host: '127.0.0.1' });
  const address = stack.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(EVIL_PAGE));
  evilBase = await listen(evil);
  userDataDir = mkdtempSync(path.join(tmpdir(), 'sifee-csrf-'));
  browser = await puppeteer.launch({ executablePath: resolveChromiumPath(), headless: true, args: [...CHROMIUM_FLAGS], userDataDir });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (evil ? evil.close(r) : r(undefined)));
  await stack?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/** A page of the service, signed in as the operator (the session cookie is in the browser now). */
async function operatorPage(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  const status = await page.evaluate(async (key) => (await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key }) })).status, KEYS[0]!.key);
  expect(status).toBe(200);
  return page;
}

const signedIn = async (id: string) => (await api(stack).get(`/api/employers/${id}`)).json().signedInUntil as string | null;

/** How many sign-outs the API answered with this status (its own request metrics). */
async function signOuts(status: number): Promise<number> {
  const text = (await stack.app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith('sifee_http_request_duration_seconds_count{') && l.includes('route="/api/employers/:id/sign-out"') && l.includes(`status_code="${status}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('cross-site requests in a browser', () => {
  it('refuses a write posted with the session cookie from a page on another port', async () => {
    const employer = await addSignedInEmployer(stack, 1);
    const page = await operatorPage();
    const attacker = await browser.newPage();
    const refusedBefore = await signOuts(403);
    await attacker.goto(`${evilBase}/?target=${encodeURIComponent(`${base}/api/employers/${employer.id}/sign-out`)}`);
    await attacker.waitForFunction(() => document.title === 'sent');
    // Both reached the API, with the cookie, and were refused.
    expect(await signOuts(403)).toBe(refusedBefore + 2);
    expect(await signedIn(employer.id)).not.toBeNull();

    // The same write from the service's own page goes through.
    const own = await page.evaluate(async (id) => (await fetch(`/api/employers/${id}/sign-out`, { method: 'POST' })).status, employer.id);
    expect(own).toBe(200);
    expect(await signedIn(employer.id)).toBeNull();
    await page.close();
    await attacker.close();
  });

  it('shows Swagger UI under its Content-Security-Policy', async () => {
    const page = await browser.newPage();
    const refusals: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') refusals.push(msg.text());
    });
    await page.goto(`${base}/docs/`);
    await page.waitForSelector('.swagger-ui .opblock');
    expect(await page.$eval('.swagger-ui .info .title', (el) => el.textContent)).toContain('Social insurance fees');
    // Its scripts all run (Swagger UI's inline style attributes are refused, and it does without them).
    expect(refusals.filter((t) => /script/i.test(t)), refusals.join('\n')).toEqual([]);
    await page.close();
  });
});
