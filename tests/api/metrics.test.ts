// GET /metrics: Prometheus text without a key. The work metrics are counted from the database
// (so they hold across processes); request latency by route pattern and status; and the worker
// serves the Temporal SDK's own metrics at WORKER_METRICS_PORT.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { api, declaredEmployer, eventually, payThreeParty } from '../support/flows';
import { TEST_CODEC_KEYS, startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  // Every scrape reads the database: these tests look right after each change.
  stack = await startStack({ resultDelayMs: 100, config: { metricsCacheSeconds: 0 } });
});
afterAll(async () => {
  await stack?.close();
});

type Sample = { name: string; labels: Record<string, string>; value: number };

/** The samples of a Prometheus text answer. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

async function scrape() {
  const res = await stack.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toContain('text/plain');
  const samples = parse(res.body);
  /** The value of the sample with this name and these labels (0 when absent). */
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
  return { text: res.body, samples, value };
}

describe('GET /metrics', () => {
  it('needs no key and starts from zero', async () => {
    const m = await scrape();
    expect(m.value('sifee_metrics_database_up')).toBe(1);
    expect(m.text).toContain('# TYPE sifee_workflows_started_total counter');
    expect(m.value('sifee_workflows_started_total', { type: 'declaration' })).toBe(0);
    expect(m.value('sifee_deduction_attempts_total')).toBe(0);
    expect(m.value('sifee_payment_retries_pending')).toBe(0);
    expect(m.text).toContain('process_cpu_seconds_total'); // the process's own
  });

  it('counts a declaration, a payment and its deduction, and times the requests by route', async () => {
    const { employer, declarationId, payables, agreementId } = await declaredEmployer(stack, 1, {}, 2);
    const paid = await payThreeParty(stack, employer.id, { lineIds: [payables[0]!.lineId], agreementId });
    expect(paid.response.status, JSON.stringify(paid.error)).toBe(202);
    const paymentId = paid.data!.id;
    await eventually(() => api(stack).get(`/api/payments/${paymentId}`).then((r) => r.json().status), (s) => s === 'paid');

    const m = await scrape();
    expect(m.value('sifee_workflows_started_total', { type: 'declaration' })).toBe(1);
    expect(m.value('sifee_workflows_finished_total', { type: 'declaration', outcome: 'accepted' })).toBe(1);
    expect(m.value('sifee_workflows_running', { type: 'declaration' })).toBe(0);
    expect(m.value('sifee_workflows_started_total', { type: 'three_party_payment' })).toBe(1);
    expect(m.value('sifee_workflows_finished_total', { type: 'three_party_payment', outcome: 'paid' })).toBe(1);
    expect(m.value('sifee_deduction_attempts_total', { outcome: 'succeeded' })).toBe(1);
    expect(m.value('sifee_deduction_attempts_total', { outcome: 'failed' })).toBe(0);
    expect(m.value('sifee_declarations', { status: 'accepted', payment_status: 'partially_paid' })).toBe(1);
    expect(m.value('sifee_payments', { method: 'three_party', status: 'paid' })).toBe(1);

    // Latency by route pattern (never the raw URL with its ids) and status.
    const declare = { route: '/api/employers/:id/declarations', method: 'POST', status_code: '202' };
    expect(m.value('sifee_http_request_duration_seconds_count', declare)).toBe(1);
    expect(m.value('sifee_http_request_duration_seconds_bucket', { ...declare, le: '+Inf' })).toBe(1);
    expect(m.value('sifee_http_request_duration_seconds_count', { route: '/api/declarations/:id/fetch-result', status_code: '200' })).toBeGreaterThanOrEqual(1);
    expect(m.text).not.toContain(declarationId);
    expect(m.text).not.toContain(employer.id);
  });

  it('shows a failed deduction waiting for its retry, then its cancel', async () => {
    const { employer, payables, agreementId } = await declaredEmployer(stack, 2, {}, 1);
    await stack.admin('/admin/faults', { operation: 'deduct', mode: 'insufficient_balance', times: 1 });
    const started = await payThreeParty(stack, employer.id, { lineIds: [payables[0]!.lineId], agreementId });
    expect(started.response.status, JSON.stringify(started.error)).toBe(202);
    const paymentId = started.data!.id;
    await eventually(() => api(stack).get(`/api/payments/${paymentId}`).then((r) => r.json().status), (s) => s === 'awaiting_retry');

    let m = await scrape();
    expect(m.value('sifee_payment_retries_pending')).toBe(1);
    expect(m.value('sifee_deduction_attempts_total', { outcome: 'failed' })).toBe(1);
    expect(m.value('sifee_workflows_running', { type: 'three_party_payment' })).toBe(1);

    expect((await api(stack).post(`/api/payments/${paymentId}/cancel`)).statusCode).toBe(200);
    m = await scrape();
    expect(m.value('sifee_payment_retries_pending')).toBe(0);
    expect(m.value('sifee_workflows_finished_total', { type: 'three_party_payment', outcome: 'cancelled' })).toBe(1);
    expect(m.value('sifee_workflows_started_total', { type: 'declaration' })).toBe(2);
  });

  it('counts unmatched URLs under one label', async () => {
    await stack.app.inject({ method: 'GET', url: '/no/such/route/123' });
    const m = await scrape();
    expect(m.value('sifee_http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(m.text).not.toContain('/no/such/route');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('the worker process', () => {
  it('serves the Temporal SDK metrics at WORKER_METRICS_PORT', async () => {
    expect(loadConfig({}).workerMetricsAddress).toBeUndefined(); // off unless asked for
    expect(loadConfig({ WORKER_METRICS_PORT: '9464' }).workerMetricsAddress).toBe('127.0.0.1:9464');

    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sifee-metrics-'));
    // The real worker entry point (src/worker/main.ts), as `npm run worker` starts it.
    const child = spawn(path.resolve('node_modules/.bin/tsx'), ['src/worker/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: stack.config.databaseUrl,
        TEMPORAL_ADDRESS: stack.config.temporalAddress,
        TASK_QUEUE: `metrics-${port}`,
        BUREAU_URL: stack.bureauUrl,
        PAYLOAD_CODEC_KEYS: TEST_CODEC_KEYS,
        DATA_DIR: dataDir,
        WORKER_METRICS_PORT: String(port),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const text = await eventually(
        // Each look gives up after 5 s: a worker busy bundling may accept and not answer for long.
        () => fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text(), () => ''),
        (t) => /^temporal_(num_pollers|worker_task_slots_available)/m.test(t) || child.exitCode !== null,
        // The process bundles the workflows before its workers poll: slow when the whole suite runs
        // (7 s alone; over 150 s once on two CPUs shared with the suite and another test run).
        240_000,
      );
      expect(child.exitCode, stderr).toBeNull();
      // Core's worker metrics, e.g. its pollers and task slots.
      expect(text).toMatch(/^temporal_(num_pollers|worker_task_slots_available)/m);
      expect(text).toMatch(/^temporal_request/m); // the worker's calls to the server
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
