// The second security review, finding 1: the Temporal UI needed no credentials, so anyone who
// reached it bypassed every role (a paused declaration schedule triggered with one POST, a
// workflow terminated). The UI is now Temporal's UI server as `npm start` and cluster mode run it
// (src/temporal-ui.ts, deploy/temporal-ui/config): read-only, on loopback. This runs it against the
// tests' Temporal and sends it the review's requests; the same requests to the same program with
// writes allowed show that they are the ones that did the damage.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { allowedHostNames } from '../../src/api/host-names';
import { freePort } from '../../src/runtime/free-port';
import { startTemporalUiGate, temporalUiLaunch, type TemporalUiGate } from '../../src/temporal-ui';
import { eventually } from '../support/flows';

const program = readFileSync('.tools/temporal-ui-server-path', 'utf8').trim();
const namespace = 'default';
let connection: Connection;
let client: Client;
const started: ChildProcess[] = [];
const gates: TemporalUiGate[] = [];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'sifee-ui-'));

/**
 * Starts a UI server behind its Host gate, as npm start and cluster mode do; `writable` runs it
 * from a copy of our config with writes allowed (the control).
 */
async function startUi(writable = false): Promise<string> {
  const port = await freePort();
  const launch = temporalUiLaunch({ program, repoRoot: process.cwd(), temporalAddress: inject('temporalAddress'), port, namespace, apiOrigins: ['http://127.0.0.1:1'] });
  let cwd = launch.cwd;
  if (writable) {
    cwd = path.join(scratch, `writable-${port}`);
    cpSync(launch.cwd, cwd, { recursive: true });
    const file = path.join(cwd, 'config/production.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('disableWriteActions: true', 'disableWriteActions: false'));
  }
  const proc = spawn(launch.command, launch.args, { cwd, env: launch.env, stdio: 'ignore' });
  started.push(proc);
  await eventually(() => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0), (s) => s === 200, 30_000);
  const gate = await startTemporalUiGate({ port: 0, upstreamPort: port, hostNames: allowedHostNames({}) });
  gates.push(gate);
  return `http://127.0.0.1:${gate.port}`;
}

/** A request with the Host header a rebound page's would carry (fetch does not let one set Host). */
function withHost(base: string, host: string, route: string): Promise<{ status: number; body: string }> {
  const url = new URL(route, base);
  return new Promise((resolve, reject) => {
    http
      .get({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { host } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .once('error', reject);
  });
}

/** The UI's own API as a browser page or a script would call it (the Authorization header skips its CSRF check). */
const call = (base: string, method: string, route: string, body?: unknown) =>
  fetch(`${base}/api/v1/namespaces/${namespace}${route}`, {
    method,
    headers: { authorization: 'Bearer anything', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function pausedSchedule(): Promise<string> {
  const scheduleId = `ui-test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await client.schedule.create({
    scheduleId,
    spec: { calendars: [{ dayOfMonth: 5, hour: 9, minute: 30 }], timezone: 'Asia/Shanghai' },
    // A workflow no worker polls for: a trigger shows as an action taken, and nothing runs.
    action: { type: 'startWorkflow', workflowType: 'declarationScheduleWorkflow', taskQueue: `ui-test-nobody-${scheduleId}`, args: [{ scheduleId }] },
    state: { paused: true },
  });
  return scheduleId;
}

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace });
});
afterAll(async () => {
  for (const g of gates) await g.close();
  for (const p of started) p.kill('SIGTERM');
  await connection?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the Temporal UI is read-only (issue 26, finding 1)', { timeout: 90_000 }, () => {
  it('refuses a schedule’s trigger, patch and delete, and a workflow’s terminate; reads still answer', async () => {
    const ui = await startUi();
    const scheduleId = await pausedSchedule();
    const triggered = await call(ui, 'POST', `/schedules/${scheduleId}/patch`, { patch: { triggerImmediately: {} } });
    expect(triggered.status).toBe(405);
    expect((await call(ui, 'POST', `/schedules/${scheduleId}/patch`, { patch: { unpause: 'from the UI' } })).status).toBe(405);
    expect((await call(ui, 'DELETE', `/schedules/${scheduleId}`)).status).toBe(405);

    const handle = await client.workflow.start('declarationScheduleWorkflow', { taskQueue: `ui-test-nobody-${scheduleId}`, workflowId: `ui-test-wf-${scheduleId}`, args: [{ scheduleId }] });
    expect((await call(ui, 'POST', `/workflows/${handle.workflowId}/terminate`, { reason: 'from the UI' })).status).toBe(405);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    const read = await call(ui, 'GET', `/schedules/${scheduleId}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { schedule: { state: { paused: boolean } } }).schedule.state.paused).toBe(true);
    const described = await client.schedule.getHandle(scheduleId).describe();
    expect(described.info.numActionsTaken).toBe(0);
    await handle.terminate('test over');
    await client.schedule.getHandle(scheduleId).delete();
  });

  it('(control) the same requests to the same program with writes allowed do trigger and terminate', async () => {
    const ui = await startUi(true);
    const scheduleId = await pausedSchedule();
    expect((await call(ui, 'POST', `/schedules/${scheduleId}/patch`, { patch: { triggerImmediately: {} } })).status).toBe(200);
    await eventually(() => client.schedule.getHandle(scheduleId).describe(), (d) => d.info.numActionsTaken === 1, 20_000);
    const [action] = (await client.schedule.getHandle(scheduleId).describe()).info.recentActions;
    expect((await call(ui, 'POST', `/workflows/${action!.action.workflow.workflowId}/terminate`, { reason: 'from the UI' })).status).toBe(200);
    await client.schedule.getHandle(scheduleId).delete();
  });

  it('answers only our host names: a page rebound to 127.0.0.1 (DNS rebinding) gets 421, and reads nothing', async () => {
    const ui = await startUi();
    const scheduleId = await pausedSchedule();
    const route = `/api/v1/namespaces/${namespace}/schedules/${scheduleId}`;
    const rebound = await withHost(ui, 'attacker.example', route);
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body)).toMatchObject({ code: 'HOST_NOT_ALLOWED' });
    expect(rebound.body).not.toContain(scheduleId);
    expect((await withHost(ui, `attacker.example:${new URL(ui).port}`, '/')).status).toBe(421);
    for (const host of [`localhost:${new URL(ui).port}`, `127.0.0.1:${new URL(ui).port}`]) {
      const read = await withHost(ui, host, route);
      expect(read.status, host).toBe(200);
      expect(read.body).toContain(scheduleId);
    }
    await client.schedule.getHandle(scheduleId).delete();
  });

  const external = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  it.skipIf(!external)('listens on loopback only: the machine’s other addresses do not answer', async () => {
    const ui = await startUi();
    const port = Number(new URL(ui).port);
    const reached = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: external!, port }, () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    expect(reached).toBe(false);
  });
});
