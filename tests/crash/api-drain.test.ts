// Issue 27, item 3, on the real API process (`tsx src/api/main.ts`): SIGTERM, as a deploy or a
// scale-down sends it, must drop nothing. While it drains, /health says `draining` (503) so a
// load balancer moves away, open event streams end so consoles reconnect elsewhere, new streams
// are refused, a request in flight still gets its answer, and the process exits 0. A request
// that outlives API_DRAIN_TIMEOUT_SECONDS does not hold the process forever.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatApiKeys } from '../../src/api/api-keys';
import { buildBureau } from '../../src/bureau/server';
import { ApiClient } from '../../tools/chaos/http';
import { API, ServiceProcess, freePort } from '../../tools/chaos/processes';
import { signedInEmployer } from '../../tools/chaos/setup';
import { taxpayerId, unitNumber } from '../support/employers';
import { KEYS, TEST_CODEC_KEYS, createDatabaseCopy } from '../support/stack';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OPERATOR = KEYS.find((k) => k.role === 'operator')!;
const auth = { authorization: `Bearer ${OPERATOR.key}` };
/** How long the stopping process says `draining` before it stops taking connections. */
const DRAIN_DELAY_SECONDS = 3;

let bureau: FastifyInstance;
let bureauUrl: string;
let databaseUrl: string;
const dir = mkdtempSync(path.join(tmpdir(), 'sifee-api-drain-'));
const lines: string[] = [];
const processes: ServiceProcess[] = [];

/** An API process of its own on a free port, drain settings from `env`. */
async function startApi(name: string, env: Record<string, string>): Promise<{ api: ServiceProcess; baseUrl: string; logPath: string }> {
  const port = await freePort();
  const logPath = path.join(dir, `${name}.log`);
  const api = new ServiceProcess(API, {
    repoRoot: REPO_ROOT,
    logPath,
    log: (line) => lines.push(line),
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PAYLOAD_CODEC_KEYS: TEST_CODEC_KEYS,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'default',
      BUREAU_URL: bureauUrl,
      TASK_QUEUE: `api-drain-${name}`,
      DATA_DIR: path.join(dir, name),
      API_KEYS: formatApiKeys(KEYS),
      PORT: String(port),
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  processes.push(api);
  await api.start();
  return { api, baseUrl: `http://127.0.0.1:${port}`, logPath };
}

async function bureauAdmin(route: string, body?: unknown, method = 'POST'): Promise<void> {
  const res = await fetch(`${bureauUrl}${route}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  expect(res.status, await res.text()).toBeLessThan(300);
}

/** An employer at the bureau and signed in through `baseUrl`; its id. */
async function employerAt(baseUrl: string, n: number): Promise<string> {
  const seeded = { taxpayerId: taxpayerId(n), unitNumber: unitNumber(n) };
  await bureauAdmin('/admin/employers', { ...seeded, name: `贵阳停机测试${n}有限公司`, periods: ['2026-10'] });
  return signedInEmployer(new ApiClient(baseUrl, OPERATOR.key, 60_000), seeded);
}

beforeAll(async () => {
  bureau = await buildBureau({ logger: false });
  await bureau.listen({ port: 0, host: '127.0.0.1' });
  const address = bureau.server.address();
  bureauUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  databaseUrl = await createDatabaseCopy();
}, 120_000);

afterAll(async () => {
  for (const p of processes) await p.stop();
  await bureau?.close();
  if (lines.length > 0) console.log(lines.join('\n'));
  rmSync(dir, { recursive: true, force: true });
});

describe('an API process stopped with SIGTERM', () => {
  it('says draining, ends its event streams, refuses new ones, answers the request in flight and exits 0', async () => {
    const { api, baseUrl, logPath } = await startApi('drain', { API_DRAIN_DELAY_SECONDS: String(DRAIN_DELAY_SECONDS), API_DRAIN_TIMEOUT_SECONDS: '30' });
    const employerId = await employerAt(baseUrl, 1201);
    expect((await fetch(`${baseUrl}/health`)).status).toBe(200);

    // A console's event stream, open before the signal.
    const stream = await fetch(`${baseUrl}/api/events?after=0`, { headers: auth });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    // true: ended by the server as a stream ends; false: cut (the console would show an error).
    const streamEnded = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })().catch(() => false);

    // A request the bureau takes 5 s to answer, in flight when the signal comes.
    await bureauAdmin('/admin/faults', { operation: 'fee_items', mode: 'delay', delayMs: 5000, times: 1 });
    const slow = fetch(`${baseUrl}/api/employers/${employerId}/fee-items?kind=regular`, { headers: auth }).then(async (res) => ({ status: res.status, body: (await res.json()) as { items?: unknown[] } }));
    await sleep(500);

    const exited = api.terminate();
    // Within the delay: /health says draining with 503, and a new stream is refused with a reason.
    let health: { status: number; body: { status?: string } } | undefined;
    for (let i = 0; i < 20 && health?.status !== 503; i++) {
      const res = await fetch(`${baseUrl}/health`);
      health = { status: res.status, body: (await res.json()) as { status?: string } };
      if (health.status !== 503) await sleep(100);
    }
    expect(health).toMatchObject({ status: 503, body: { status: 'draining' } });
    const refused = await fetch(`${baseUrl}/api/events?after=0`, { headers: auth });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ code: 'DRAINING' });
    // The open stream was ended by the server, so the console's EventSource reconnects elsewhere.
    expect(await streamEnded).toBe(true);

    // The request in flight is answered in full; then the process exits cleanly.
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body.items?.length).toBeGreaterThan(0);
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(readFileSync(logPath, 'utf8')).not.toContain('requests still in flight after the drain timeout');
    // Stopped for good: nothing listens any more.
    expect(await fetch(`${baseUrl}/health`).then(() => 'answered', () => 'refused')).toBe('refused');
  }, 180_000);

  it('stops after API_DRAIN_TIMEOUT_SECONDS even when a request never ends', async () => {
    const { api, baseUrl, logPath } = await startApi('timeout', { API_DRAIN_DELAY_SECONDS: '0', API_DRAIN_TIMEOUT_SECONDS: '2' });
    const employerId = await employerAt(baseUrl, 1202);
    // The bureau holds the call without an answer (60 s): the request cannot finish by itself.
    await bureauAdmin('/admin/faults', { operation: 'fee_items', mode: 'timeout', times: 1 });
    const held = fetch(`${baseUrl}/api/employers/${employerId}/fee-items?kind=regular`, { headers: auth }).then((res) => res.status, () => 'dropped');
    await sleep(500);
    expect(await api.terminate()).toEqual({ code: 0, signal: null });
    expect(readFileSync(logPath, 'utf8')).toContain('requests still in flight after the drain timeout');
    // The process ended before the bureau's hold did: that request was cut, not answered.
    expect(await held).toBe('dropped');
    await bureauAdmin('/admin/faults', undefined, 'DELETE');
  }, 180_000);
});
