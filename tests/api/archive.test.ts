// The auditor's archive on the real stack: closed workflows archived (on demand and by the
// archiver schedule) with their SHA-256 in the audit chain; a workflow deleted from Temporal still
// exported, replayed (API and `npm run replay -- --archive`) and verified from the archive; the
// same with a Temporal that holds nothing of ours at all (a lost dev server database); and an
// archived history changed or removed in SQL, found by the verify route.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/api/app';
import { historyFromJSON } from '../../src/temporal/history-json';
import { replayHistories } from '../../src/temporal/replay';
import { dataConverterFor } from '../../src/codec/aes-gcm-codec';
import { loadConfig } from '../../src/config';
import { retentionUpdateArgs } from '../../src/worker/retention';
import { scheduleIds, ensureSchedules } from '../../src/worker/schedules';
import { declaredEmployer, eventually, payThreeParty } from '../support/flows';
import { addSignedInEmployer } from '../support/employers';
import { KEYS, TEST_CODEC_KEYS, auth, startStack, type Stack } from '../support/stack';
import { typedClient } from '../support/client';
import { readFileSync } from 'node:fs';
import type { paths, SifeeClient } from '../../client';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ config: { payment: { retryScheduleSeconds: [3], statusPollSeconds: 1, counterPollSeconds: 1 } } });
});
afterAll(async () => {
  await stack?.close();
});

const auditor = () => stack.clientAs('auditor');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const temporalCli = (...args: string[]) =>
  execFileSync(inject('temporalCliPath'), [...args, '--address', inject('temporalAddress')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

type ArchiveQuery = NonNullable<paths['/api/audit/archive']['get']['parameters']['query']>;
type HistoryQuery = NonNullable<paths['/api/workflows/{workflowId}/history']['get']['parameters']['query']>;

async function archivedPage(query: ArchiveQuery = {}) {
  const { data, error, response } = await auditor().GET('/api/audit/archive', { params: { query } });
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!;
}
const archived = async (query: ArchiveQuery = {}) => (await archivedPage(query)).histories;

async function archiveNow(): Promise<number> {
  const { data, error, response } = await stack.client.POST('/api/audit/archive/run');
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!.archived;
}

async function verify(client: SifeeClient = auditor()) {
  const { data, error, response } = await client.GET('/api/audit/archive/verify');
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!;
}

/** A history as the API exports it: the text of the JSON file, with the answer's status and headers. */
async function history(workflowId: string, query: HistoryQuery = {}, client: SifeeClient = auditor()) {
  const { data, error, response } = await client.GET('/api/workflows/{workflowId}/history', { params: { path: { workflowId }, query }, parseAs: 'text' });
  return { status: response.status, headers: response.headers, body: data ?? JSON.stringify(error) };
}

/** Closed workflows of this employer as visibility lists them (it lags a moment behind). */
function closedOf(employerId: string, count: number) {
  return eventually(
    () => auditor().GET('/api/workflows', { params: { query: { employerId, status: 'closed' } } }).then((r) => r.data!.workflows),
    (ws) => ws.length === count,
    20_000,
  );
}

let employerId: string;
let declarationWf: string;
let paymentWf: string;
/** The declaration's history as Temporal answered it before it was deleted there. */
let declarationHistory: string;

describe('archiving closed workflows', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    const first = await declaredEmployer(stack, 901);
    employerId = first.employer.id;
    const paid = await payThreeParty(stack, employerId, { lineIds: first.payables.map((p) => p.lineId), agreementId: first.agreementId });
    expect(paid.response.status, JSON.stringify(paid.error)).toBe(202);
    const payment = () => auditor().GET('/api/payments/{id}', { params: { path: { id: paid.data!.id } } }).then((r) => r.data);
    await eventually(payment, (p) => p?.status === 'paid');
    declarationWf = `declaration-${first.declarationId}`;
    paymentWf = `payment-${paid.data!.id}`;
    await closedOf(employerId, 2);
  });

  it('archives each closed workflow once, as it closes, its SHA-256 that of the history the API exports, recorded in the audit chain', async () => {
    // No archiver round has run (this stack has no schedules): the worker archived each run as it closed.
    const mine = await eventually(() => archived({ employerId }), (hs) => hs.length === 2, 30_000);
    expect(mine.map((h) => h.workflowId).sort()).toEqual([declarationWf, paymentWf].sort());
    expect(mine.every((h) => h.status === 'completed' && h.bytes > 1000)).toBe(true);

    const entry = mine.find((h) => h.workflowId === declarationWf)!;
    expect(entry.historyUrl).toBe(`/api/workflows/${declarationWf}/history?runId=${entry.runId}&source=archive`);
    const fromArchive = await history(declarationWf, { runId: entry.runId, source: 'archive' });
    expect(fromArchive.headers.get('x-history-source')).toBe('archive');
    declarationHistory = fromArchive.body;
    expect(entry.sha256).toBe(sha256(declarationHistory));
    // The same history Temporal answers (the order of keys in maps such as search attributes
    // varies from one read to the next, which is why the archive keeps the text it hashed).
    const fromTemporal = await history(declarationWf, { source: 'temporal' });
    expect(fromTemporal.headers.get('x-history-source')).toBe('temporal');
    expect(JSON.parse(fromTemporal.body)).toEqual(JSON.parse(declarationHistory));
    // Payloads stay encrypted as Temporal holds them.
    expect(declarationHistory).toContain('YmluYXJ5L2VuY3J5cHRlZA=='); // "binary/encrypted"

    const log = (await auditor().GET('/api/audit/log', { params: { query: { action: 'workflow.archived', subject: declarationWf } } })).data!.entries;
    expect(log).toEqual([expect.objectContaining({ actor: 'system', detail: expect.objectContaining({ runId: entry.runId, sha256: entry.sha256, workflowType: 'declarationWorkflow' }) })]);

    // Nothing new closed: a second run archives nothing and records nothing.
    expect(await archiveNow()).toBe(0);
    expect(await archived({ employerId })).toHaveLength(2);
    expect(await verify()).toMatchObject({ intact: true, problems: [], chain: { intact: true } });
  });

  it('lists the archive by type, employer and close time, a page at a time', async () => {
    expect((await archived({ type: 'declaration', employerId })).map((h) => h.workflowId)).toEqual([declarationWf]);
    expect((await archived({ type: 'threePartyPaymentWorkflow', employerId })).map((h) => h.workflowId)).toEqual([paymentWf]);
    expect(await archived({ employerId, to: '2020-01-01' })).toEqual([]);
    expect(await archived({ employerId, from: '2020-01-01' })).toHaveLength(2);
    const page1 = await archivedPage({ employerId, limit: 1 });
    const page2 = await archivedPage({ employerId, limit: 1, cursor: page1.nextCursor! });
    expect([...page1.histories, ...page2.histories].map((h) => h.workflowId).sort()).toEqual([declarationWf, paymentWf].sort());
    // A type that is none of ours, which the typed client would not send: a raw request.
    expect((await stack.app.inject({ method: 'GET', url: '/api/audit/archive?type=nonsense', headers: auth('auditor') })).statusCode).toBe(400);
    expect((await auditor().GET('/api/audit/archive', { params: { query: { from: 'yesterday' } } })).response.status).toBe(400);
  });

  it('still exports, replays and verifies a workflow deleted from Temporal', async () => {
    // Temporal deletes asynchronously (a system workflow), which takes a while on a busy machine.
    temporalCli('workflow', 'delete', '--workflow-id', declarationWf, '--namespace', 'default');
    await eventually(() => history(declarationWf, { source: 'temporal' }).then((r) => r.status), (s) => s === 404, 150_000);

    const exported = await history(declarationWf);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('x-history-source')).toBe('archive');
    expect(exported.headers.get('content-disposition')).toBe(`attachment; filename="${declarationWf}.json"`);
    expect(exported.body).toBe(declarationHistory);

    const replay = await auditor().POST('/api/audit/replay', { body: { workflowIds: [declarationWf, paymentWf, 'declaration-never'] } });
    expect(replay.response.status, JSON.stringify(replay.error)).toBe(200);
    expect(replay.data!.results).toEqual([
      expect.objectContaining({ workflowId: declarationWf, ok: true, source: 'archive' }),
      expect.objectContaining({ workflowId: paymentWf, ok: true, source: 'temporal' }),
      expect.objectContaining({ workflowId: 'declaration-never', ok: false, error: expect.stringContaining('WorkflowNotFound') }),
    ]);
    const onlyArchive = await auditor().POST('/api/audit/replay', { body: { source: 'archive', limit: 10 } });
    expect(onlyArchive.data).toMatchObject({ failed: 0 });
    expect(onlyArchive.data!.results.map((r) => r.workflowId)).toEqual(expect.arrayContaining([declarationWf, paymentWf]));

    // `npm run replay -- --archive`, reading the archive in the database.
    const cli = spawnSync('node_modules/.bin/tsx', ['scripts/replay.ts', '--archive', declarationWf, 'declaration-never'], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: stack.config.databaseUrl, PAYLOAD_CODEC_KEYS: TEST_CODEC_KEYS },
    });
    expect(cli.stdout).toMatch(new RegExp(`^ok +${declarationWf} `, 'm'));
    expect(cli.stdout).toMatch(/^FAIL +declaration-never +not in the archive/m);
    expect(cli.status, cli.stderr).toBe(1);
    const whole = spawnSync('node_modules/.bin/tsx', ['scripts/replay.ts', '--archive'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: stack.config.databaseUrl, PAYLOAD_CODEC_KEYS: TEST_CODEC_KEYS } });
    expect(whole.stdout, whole.stderr).toMatch(/histories from the archive: (\d+) replayed, 0 failed/);
    expect(whole.status).toBe(0);

    expect(await verify()).toMatchObject({ intact: true, problems: [] });
  });

  it('answers history, replay and verify from the archive when Temporal holds nothing of ours (its database lost)', async () => {
    // A namespace that never ran our workflows stands for a dev server whose database file is gone.
    const namespace = `lost-${randomBytes(4).toString('hex')}`;
    temporalCli('operator', 'namespace', 'create', '--namespace', namespace);
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const dataConverter = dataConverterFor(TEST_CODEC_KEYS);
    const app = await buildApp({
      codec: dataConverter.payloadCodecs[0]!,
      db: stack.database.db,
      temporal: new Client({ connection, namespace, dataConverter }),
      bureau: stack.bureau,
      config: { ...stack.config, temporalNamespace: namespace },
      keys: KEYS,
      workflowBundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') },
    });
    const client = typedClient(app, KEYS.find((k) => k.role === 'auditor')!.key);
    try {
      for (const wf of [declarationWf, paymentWf]) {
        expect((await history(wf, { source: 'temporal' }, client)).status).toBe(404);
        const h = await history(wf, {}, client);
        expect(h.status, h.body).toBe(200);
        expect(h.headers.get('x-history-source')).toBe('archive');
      }
      const replay = await client.POST('/api/audit/replay', { body: { workflowIds: [declarationWf, paymentWf] } });
      expect(replay.data).toMatchObject({ replayed: 2, failed: 0, results: [{ source: 'archive', ok: true }, { source: 'archive', ok: true }] });
      expect(await verify(client)).toMatchObject({ intact: true });
    } finally {
      await app.close();
      await connection.close();
    }
  });

  it('replays an archived history after the codec key was rotated, as long as the old key is kept for decryption', async () => {
    const archivedHistory = historyFromJSON(JSON.parse((await history(paymentWf, { source: 'archive' })).body));
    const workflowBundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
    const newKey = `test2:${Buffer.alloc(32, 8).toString('base64')}`;
    const rotated = await replayHistories([{ workflowId: paymentWf, history: archivedHistory }], { workflowBundle, dataConverter: dataConverterFor(`${newKey},${TEST_CODEC_KEYS}`) });
    expect(rotated).toEqual([expect.objectContaining({ ok: true })]);
    const oldKeyDropped = await replayHistories([{ workflowId: paymentWf, history: archivedHistory }], { workflowBundle, dataConverter: dataConverterFor(newKey) });
    expect(oldKeyDropped).toEqual([expect.objectContaining({ ok: false, error: expect.stringContaining('test1') })]);
  });

  it('sets a namespace’s retention from TEMPORAL_RETENTION, as npm start does', async () => {
    const namespace = `retention-${randomBytes(4).toString('hex')}`;
    temporalCli('operator', 'namespace', 'create', '--namespace', namespace);
    const config = { ...loadConfig({ TEMPORAL_RETENTION: '45d' }), temporalNamespace: namespace, temporalAddress: inject('temporalAddress') };
    execFileSync(inject('temporalCliPath'), retentionUpdateArgs(config), { stdio: 'ignore' });
    const described = JSON.parse(temporalCli('operator', 'namespace', 'describe', '--namespace', namespace, '--output', 'json'));
    expect(described.config.workflowExecutionRetentionTtl).toBe(`${45 * 86400}s`);
    const consoleConfig = (await auditor().GET('/api/console-config')).data;
    expect(consoleConfig).toMatchObject({ temporalRetention: '720h', temporalRetentionDays: 30 });
  });

  it('runs the archiver and the nightly reconciliation as Temporal Schedules, created idempotently', async () => {
    const ids = scheduleIds(stack.config.taskQueue);
    try {
      const config = { taskQueue: stack.config.taskQueue, archiveEverySeconds: 3600 };
      expect(await ensureSchedules(stack.temporal, config)).toEqual([ids.archive, ids.reconciliation]);
      expect(await ensureSchedules(stack.temporal, { ...config, archiveEverySeconds: 1800 })).toEqual([ids.archive, ids.reconciliation]);
      const archive = await stack.temporal.schedule.getHandle(ids.archive).describe();
      expect(archive.spec.intervals).toMatchObject([{ every: 1800_000 }]);
      expect(archive.action).toMatchObject({ workflowType: 'archiveWorkflow', taskQueue: stack.config.taskQueue });
      const nightly = await stack.temporal.schedule.getHandle(ids.reconciliation).describe();
      expect(nightly.spec).toMatchObject({ timezone: 'Asia/Shanghai', calendars: [expect.objectContaining({ hour: [{ start: 1, end: 1, step: 1 }] })] });

      // A workflow terminated from outside before its code ran (so nothing archived it as it
      // closed): the schedule's run sweeps it into the archive.
      const workflowId = `sweep-${randomBytes(4).toString('hex')}`;
      temporalCli('workflow', 'start', '--task-queue', stack.config.taskQueue, '--type', 'declarationWorkflow', '--workflow-id', workflowId, '--start-delay', '1h');
      temporalCli('workflow', 'terminate', '--workflow-id', workflowId, '--reason', 'test: closed without running');
      await stack.temporal.schedule.getHandle(ids.archive).trigger();
      const all = () => archived({ type: 'declaration', limit: 100 });
      const found = await eventually(all, (hs) => hs.some((h) => h.workflowId === workflowId), 30_000);
      expect(found.find((h) => h.workflowId === workflowId)).toMatchObject({ status: 'terminated' });
    } finally {
      for (const id of Object.values(ids)) await stack.temporal.schedule.getHandle(id).delete().catch(() => undefined);
    }
  });

  it('finds an archived history changed or removed in the database', async () => {
    const table = sql.raw('workflow_archive');
    await stack.database.db.execute(sql`update ${table} set history = replace(history, '"eventId": "1"', '"eventId": "01"') where workflow_id = ${paymentWf}`);
    let v = await verify();
    expect(v.intact).toBe(false);
    expect(v.problems).toEqual([expect.objectContaining({ workflowId: paymentWf, problem: 'changed' })]);
    expect(v.chain.intact).toBe(true);

    await stack.database.db.execute(sql`delete from ${table} where workflow_id = ${declarationWf}`);
    v = await verify();
    expect(v.problems.map((p) => [p.workflowId, p.problem]).sort()).toEqual([
      [declarationWf, 'lost'], // deleted from Temporal earlier, and now from the archive
      [declarationWf, 'missing'],
      [paymentWf, 'changed'],
    ].sort());
    // Once gone from both, the history is gone: the API says so.
    expect((await history(declarationWf)).status).toBe(404);
  });

  it('reports a workflow deleted from Temporal before it was archived, which no archiver run can bring back', async () => {
    const employer = await addSignedInEmployer(stack, 903, ['2026-10']);
    // The bureau takes ten minutes to decide: the declaration waits, running, and nothing archives it.
    await stack.admin('/admin/settings', { resultDelayMs: 600_000 }, 'PATCH');
    const feeItems = await stack.client.GET('/api/employers/{id}/fee-items', { params: { path: { id: employer.id }, query: { kind: 'regular' } } });
    const declared = await stack.client.POST('/api/employers/{id}/declarations', {
      params: { path: { id: employer.id } },
      body: { kind: 'regular', itemIds: [feeItems.data!.items[0]!.itemId], headcountConfirmed: true },
    });
    await stack.admin('/admin/settings', { resultDelayMs: 200 }, 'PATCH');
    expect(declared.response.status, JSON.stringify(declared.error)).toBe(202);
    const lostWf = `declaration-${declared.data!.id}`;
    temporalCli('workflow', 'delete', '--workflow-id', lostWf, '--namespace', 'default');
    await eventually(() => history(lostWf, { source: 'temporal' }).then((r) => r.status), (s) => s === 404, 150_000);
    await archiveNow();

    const v = await verify();
    expect(v.intact).toBe(false);
    expect(v.problems).toContainEqual({
      workflowId: lostWf,
      runId: null,
      problem: 'lost',
      detail: `declaration ${declared.data!.id} was started as this workflow; its history is neither in Temporal nor in the archive`,
    });
  });
});
