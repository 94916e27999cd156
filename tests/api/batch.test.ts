// Batch declarations (批量申报) end to end: API → batch workflow → per-employer activity and child
// declaration workflows → mock bureau (with faults) → database. 200 seeded employers plus a few
// special ones; the report must account for every employer once, match the bureau's decisions,
// and never declare an item twice, also when the worker stops in the middle of the batch.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { dataConverterFor } from '../../src/codec/aes-gcm-codec';
import { count, gt, sql } from 'drizzle-orm';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { batchActivities, batchSettleActivities } from '../../src/activities/batches';
import { completeBatch, countEntries, finishEntry, getBatch as getBatchRow, getBatchEntry, insertBatch, markEntryDeclaring } from '../../src/db/batches';
import { getDeclaration, heldItemIds, insertDeclaration, markResultUnknown, recordDecision } from '../../src/db/declarations';
import { insertEmployer } from '../../src/db/employers';
import { auditLog, declarationLines } from '../../src/db/schema';
import { batchDeclarationId } from '../../src/domain/batch';
import type { FeeItem } from '../../src/domain/fee-items';
import { batchProgressQuery } from '../../src/contracts/batch';
import { taxpayerId, unitNumber } from '../support/employers';
import type { paths } from '../../client';
import { feeItem } from '../support/fee-item';
import { TEST_CODEC_KEYS, startStack, type Stack } from '../support/stack';

let stack: Stack;
const SEEDED = 200;
const CONCURRENCY = 20;

interface Employer {
  id: string;
  taxpayerId: string;
}
const all: Employer[] = [];
let passwordChangeRequired: Employer[] = []; // skipped: F-1.3
let anomalous: Employer; // every 2026-10 item revoked, not normal or expired: skipped with F-2.8 reasons
let ghost: Employer; // unknown at the bureau: fails with the bureau's UNKNOWN_EMPLOYER

type BatchView = paths['/api/declaration-batches/{id}']['get']['responses'][200]['content']['application/json'];
type EntryStatus = BatchView['employers'][number]['status'];
type BatchBody = paths['/api/declaration-batches']['post']['requestBody']['content']['application/json'];

async function getBatch(id: string, status?: EntryStatus): Promise<BatchView> {
  const { data, error, response } = await stack.clientAs('auditor').GET('/api/declaration-batches/{id}', { params: { path: { id }, query: status ? { status } : {} } });
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!;
}

const listBatches = () => stack.clientAs('auditor').GET('/api/declaration-batches');

function startBatch(body: Omit<BatchBody, 'headcountConfirmed'> & { headcountConfirmed?: boolean }, role: 'operator' | 'auditor' = 'operator', headers: Record<string, string> = {}) {
  return (role === 'operator' ? stack.client : stack.clientAs(role)).POST('/api/declaration-batches', { body: { headcountConfirmed: true, ...body }, headers });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the batch until it completes; answers every view seen on the way. */
async function untilCompleted(id: string, timeoutMs = 60_000, onView?: (v: BatchView) => Promise<void> | void): Promise<BatchView[]> {
  const seen: BatchView[] = [];
  const until = Date.now() + timeoutMs;
  for (;;) {
    const view = await getBatch(id);
    seen.push(view);
    await onView?.(view);
    if (view.status === 'completed') return seen;
    if (Date.now() > until) throw new Error(`batch ${id} not completed: ${JSON.stringify(view.progress)}`);
    await sleep(250);
  }
}

type BureauDeclaration = { request: { requestId: string; itemIds: string[] }; result: { status: string; serial?: string } };
async function bureauDeclarations(): Promise<BureauDeclaration[]> {
  const st = await stack.admin('/admin/state');
  return Object.values(st.declarations as Record<string, BureauDeclaration>);
}

/** The whole report, checked against our employers, the bureau's decisions and the database. */
async function checkReport(view: BatchView, opts: { anomalousSkipped: boolean }) {
  expect(view.status).toBe('completed');
  expect(view.total).toBe(all.length);
  // Every employer accounted for exactly once.
  expect(view.employers).toHaveLength(all.length);
  expect(new Set(view.employers.map((e) => e.employerId))).toEqual(new Set(all.map((e) => e.id)));
  expect(view.employers.map((e) => e.n)).toEqual(all.map((_, n) => n));
  const p = view.progress;
  expect(p.pending).toBe(0);
  expect(p.done + p.skipped + p.failed).toBe(all.length);
  expect(p.accepted + p.rejected + p.resultUnknown).toBe(p.done);

  const byEmployer = new Map(view.employers.map((e) => [e.employerId, e]));
  for (const e of passwordChangeRequired) {
    expect(byEmployer.get(e.id)).toMatchObject({ status: 'skipped', declaration: null, reason: { code: 'PASSWORD_CHANGE_REQUIRED' } });
  }
  expect(byEmployer.get(ghost.id)).toMatchObject({ status: 'failed', declaration: null, reason: { code: 'UNKNOWN_EMPLOYER' } });
  const anomalousEntry = byEmployer.get(anomalous.id)!;
  if (opts.anomalousSkipped) {
    expect(anomalousEntry).toMatchObject({ status: 'skipped', reason: { code: 'NO_DECLARABLE_ITEMS' } });
    expect(new Set(anomalousEntry.reason!.excluded.map((x) => x.reason))).toEqual(new Set(['REVOKED', 'NOT_NORMAL_DATA', 'EXPIRED']));
  } else {
    expect(anomalousEntry.status).toBe('done');
  }
  for (const e of view.employers) {
    if (e.status === 'skipped' || e.status === 'failed') {
      expect(e.reason?.code, JSON.stringify(e)).toBeTruthy();
      expect(e.reason!.message.length).toBeGreaterThan(10);
    }
    if (e.status === 'failed' && e.employerId !== ghost.id) {
      // Only the injected fee_items errors can fail an ordinary employer, after a few attempts.
      expect(e.reason).toMatchObject({ code: 'BUREAU_UNAVAILABLE', message: expect.stringContaining('after 3 attempts') });
    }
    if (e.status === 'done') {
      expect(e.declaration, JSON.stringify(e)).not.toBeNull();
      expect(e.declaration!.id).toBe(`${view.id}-${String(e.n).padStart(5, '0')}`);
      expect(['accepted', 'rejected']).toContain(e.declaration!.status);
    }
  }
  const ordinary = view.employers.filter((e) => ![...passwordChangeRequired, ghost, ...(opts.anomalousSkipped ? [anomalous] : [])].some((x) => x.id === e.employerId));
  expect(ordinary.filter((e) => e.status === 'failed').length).toBeLessThanOrEqual(3);
  expect(ordinary.filter((e) => e.status === 'done').length).toBeGreaterThanOrEqual(ordinary.length - 3);

  // As the bureau decided: same status, same serial; three injected rejects.
  const atBureau = new Map((await bureauDeclarations()).map((d) => [d.request.requestId, d]));
  const done = view.employers.filter((e) => e.status === 'done');
  for (const e of done) {
    const decided = atBureau.get(e.declaration!.id);
    expect(decided, e.declaration!.id).toBeDefined();
    expect(decided!.result.status).toBe(e.declaration!.status);
    if (e.declaration!.status === 'accepted') expect(e.declaration!.serial).toBe(decided!.result.serial);
    else expect(e.declaration!.reason).toContain('injected reject');
  }
  expect(p.rejected).toBe(3);
  expect(done.filter((e) => e.declaration!.status === 'rejected')).toHaveLength(3);
  // Nothing was sent to the bureau for this batch that we do not know of.
  const ours = [...atBureau.keys()].filter((id) => id.startsWith(`${view.id}-`));
  expect(ours.sort()).toEqual(done.map((e) => e.declaration!.id).sort());

  // No item declared twice: not by us, not at the bureau.
  const twice = await stack.database.db
    .select({ itemId: declarationLines.itemId, n: count() })
    .from(declarationLines)
    .groupBy(declarationLines.itemId)
    .having(gt(count(), 1));
  expect(twice).toEqual([]);
  const itemsAtBureau = [...atBureau.values()].flatMap((d) => d.request.itemIds);
  expect(new Set(itemsAtBureau).size).toBe(itemsAtBureau.length);
}

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100, timing: { resultWaitSeconds: 1, pollFirstSeconds: 1, pollMaxSeconds: 2, resultDeadlineSeconds: 60 } });
  const seed = (await stack.admin('/admin/seed', { employers: SEEDED, periods: ['2026-10', '2026-11'] })).employers as { taxpayerId: string }[];
  expect(seed).toHaveLength(SEEDED);
  type Known = { taxpayerId: string; unitNumber: string; name: string; taxOfficeCode: string; taxOfficeName: string };
  const known = new Map(((await stack.admin('/admin/employers')).employers as Known[]).map((e) => [e.taxpayerId, e]));
  const seeded = seed.map((e) => known.get(e.taxpayerId)!);
  // Added straight to the database: through the API each would need a password change first.
  for (const [n, e] of seeded.entries()) {
    const row = await insertEmployer(
      stack.database.db,
      { id: randomUUID(), taxpayerId: e.taxpayerId, unitNumber: e.unitNumber, name: e.name, taxOfficeCode: e.taxOfficeCode, taxOfficeName: e.taxOfficeName, passwordChangeRequired: n < 2 },
      'test',
    );
    all.push({ id: row.id, taxpayerId: row.taxpayerId });
  }
  passwordChangeRequired = all.slice(0, 2);
  anomalous = all[2]!;
  const ghostRow = await insertEmployer(
    stack.database.db,
    { id: randomUUID(), taxpayerId: taxpayerId(990_001), unitNumber: unitNumber(99_001), name: '贵阳无档案有限公司', taxOfficeCode: '15201000000', taxOfficeName: '测试税务局', passwordChangeRequired: false },
    'test',
  );
  ghost = { id: ghostRow.id, taxpayerId: ghostRow.taxpayerId };
  all.push(ghost);

  // F-2.8 (b), (c): nothing of the anomalous employer's 2026-10 items can be declared.
  const items: FeeItem[] = (await stack.bureau.downloadFeeItems(anomalous.taxpayerId, 'regular')).filter((i) => i.period === '2026-10');
  expect(items.length).toBeGreaterThanOrEqual(3);
  const states = ['revoked', 'not_normal', ...items.slice(2).map(() => 'expired')];
  for (const [k, i] of items.entries()) await stack.admin('/admin/assessments', { itemId: i.itemId, state: states[k] });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('batch declaration (批量申报)', () => {
  it('refuses bad requests, and fails an employer with a reason when the bureau does not answer', async () => {
    const unconfirmed = await startBatch({ period: '2026-10', headcountConfirmed: false });
    expect(unconfirmed.response.status).toBe(422);
    expect(unconfirmed.error).toMatchObject({ code: 'HEADCOUNT_NOT_CONFIRMED' });
    expect(unconfirmed.response.headers.get('content-type')).toContain('application/problem+json');
    expect((await startBatch({ period: '2026-13' })).response.status).toBe(400);
    expect((await startBatch({ period: '2026-10', employerIds: [] })).response.status).toBe(400);
    const unknown = await startBatch({ period: '2026-10', employerIds: [all[5]!.id, 'nobody'] });
    expect(unknown.response.status).toBe(422);
    expect(unknown.error).toMatchObject({ code: 'UNKNOWN_EMPLOYERS', employerIds: ['nobody'] });
    expect((await startBatch({ period: '2026-10' }, 'auditor')).response.status).toBe(403);
    expect((await stack.client.GET('/api/declaration-batches/{id}', { params: { path: { id: 'nope' } } })).response.status).toBe(404);
    const none = await listBatches();
    expect(none.data).toEqual({ batches: [], nextCursor: null }); // nothing was started by the refused requests

    // The bureau does not answer the item download: the activity gives up after 3 attempts.
    await stack.admin('/admin/faults', { operation: 'fee_items', mode: 'error' });
    try {
      const started = Date.now();
      const body = { period: '2026-10', employerIds: [all[10]!.id, all[11]!.id], headcountConfirmed: true };
      const post = () => startBatch(body, 'operator', { 'idempotency-key': 'batch-unavailable-1' });
      const res = await post();
      expect(res.response.status, JSON.stringify(res.error)).toBe(202);
      expect(res.data).toMatchObject({ status: 'running', total: 2, progress: { pending: 2 } });
      // A repeat with the same Idempotency-Key answers the first batch; no second one starts.
      const repeat = await post();
      expect(repeat.response.status).toBe(202);
      expect(repeat.response.headers.get('idempotent-replayed')).toBe('true');
      expect(repeat.data!.id).toBe(res.data!.id);
      const [view] = (await untilCompleted(res.data!.id, 30_000)).slice(-1);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(view!.progress).toMatchObject({ total: 2, failed: 2, pending: 0, done: 0 });
      for (const e of view!.employers) {
        expect(e).toMatchObject({ status: 'failed', declaration: null, reason: { code: 'BUREAU_UNAVAILABLE' } });
        expect(e.reason!.message).toContain('after 3 attempts');
      }
      const failedOnly = await getBatch(res.data!.id, 'failed');
      expect(failedOnly.employers).toHaveLength(2);
      expect((await getBatch(res.data!.id, 'done')).employers).toEqual([]);
      const list = await listBatches();
      expect(list.data!.batches).toHaveLength(1);
    } finally {
      await stack.admin('/admin/faults', undefined, 'DELETE');
    }
  });

  it('a repeated preparation finds the declaration it made; a failed one withdraws it', async () => {
    // The activity as Temporal retries it: run twice for the same employer of the same batch.
    const employer = all[3]!;
    const batchId = 'Btest-repeat';
    await insertBatch(stack.database.db, { id: batchId, period: '2026-10', employerIds: [employer.id], allEmployers: false, concurrency: 1, workflowId: 'none', actor: 'olivia' });
    const activities = batchActivities({ db: stack.database.db, bureau: stack.bureau });
    const env = new MockActivityEnvironment();
    const first = await env.run(activities.prepareBatchDeclaration, { batchId, n: 0 });
    const again = await env.run(activities.prepareBatchDeclaration, { batchId, n: 0 });
    expect(first).toMatchObject({ action: 'declare', declarationId: `${batchId}-00000`, taxpayerId: employer.taxpayerId });
    expect(again).toEqual(first);
    const declaration = (await getDeclaration(stack.database.db, `${batchId}-00000`))!;
    expect(declaration).toMatchObject({ employerId: employer.id, kind: 'regular', declaredBy: 'olivia', workflowId: `declaration-${batchId}-00000` });
    expect(declaration.lines.map((l) => l.itemId).sort()).toEqual([...(first as { itemIds: string[] }).itemIds].sort());
    expect(declaration.lines.every((l) => l.period === '2026-10')).toBe(true);
    expect((await getBatchEntry(stack.database.db, batchId, 0))!.entry).toMatchObject({ status: 'declaring', declarationId: `${batchId}-00000` });

    // Given up on before its workflow started: the declaration goes, its items are free again.
    await env.run(activities.recordBatchFailure, { batchId, n: 0, reason: { code: 'BUREAU_UNAVAILABLE', message: 'test: given up' }, withdrawDeclaration: true });
    expect(await getDeclaration(stack.database.db, `${batchId}-00000`)).toBeUndefined();
    expect((await heldItemIds(stack.database.db, employer.id)).size).toBe(0);
    expect((await getBatchEntry(stack.database.db, batchId, 0))!.entry).toMatchObject({ status: 'failed', reasonCode: 'BUREAU_UNAVAILABLE' });
    expect(await env.run(activities.prepareBatchDeclaration, { batchId, n: 0 })).toEqual({ action: 'finished', status: 'failed' });
  });

  it('declares for every employer, with faults, and reports each one correctly', async () => {
    await stack.admin('/admin/faults', { operation: 'fee_items', mode: 'error', rate: 0.05 });
    await stack.admin('/admin/faults', { operation: 'declaration_result', mode: 'reject', times: 3 });

    const res = await startBatch({ period: '2026-10', concurrency: CONCURRENCY }, 'operator');
    expect(res.response.status, JSON.stringify(res.error)).toBe(202);
    const started = res.data!;
    expect(started).toMatchObject({ status: 'running', total: all.length, workflowId: `declaration-batch-${started.id}` });

    let queried = false;
    const views = await untilCompleted(started.id, 150_000, async (v) => {
      if (queried || v.progress.done < 10 || v.status !== 'running') return;
      // The workflow answers its progress too, while it runs.
      const live = await stack.temporal.workflow.getHandle(started.workflowId).query(batchProgressQuery);
      expect(live).toMatchObject({ batchId: started.id, status: 'running', total: all.length, period: '2026-10' });
      expect(live.inFlight.length).toBeLessThanOrEqual(CONCURRENCY);
      queried = true;
    });
    expect(queried).toBe(true);
    // Progress was visible while it ran.
    expect(views.some((v) => v.status === 'running' && v.progress.pending > 0 && v.progress.done > 0)).toBe(true);

    const view = views[views.length - 1]!;
    await checkReport(view, { anomalousSkipped: true });

    // One history per 50 employers: the batch continued as new, and its counts agree with the report.
    const result = await stack.temporal.workflow.getHandle(started.workflowId).result();
    expect(result).toMatchObject({ cursor: all.length, run: Math.ceil(all.length / 50), done: view.progress.done, skipped: view.progress.skipped, failed: view.progress.failed, rejected: 3 });

    // Each run's history replays with the current code (the bounded pool is deterministic).
    const runs = [];
    for await (const run of stack.temporal.workflow.list({ query: `WorkflowId = '${started.workflowId}'` })) runs.push(run.runId);
    expect(runs.length).toBe(Math.ceil(all.length / 50));
    const replay = { workflowBundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') }, dataConverter: dataConverterFor(TEST_CODEC_KEYS) };
    for (const runId of runs) {
      const history = await stack.temporal.workflow.getHandle(started.workflowId, runId).fetchHistory();
      await Worker.runReplayHistory(replay, history, started.workflowId);
    }

    // The children are declarations like any other, with their own workflow.
    const one = view.employers.find((e) => e.status === 'done')!;
    const declaration = await stack.client.GET('/api/declarations/{id}', { params: { path: { id: one.declaration!.id } } });
    expect(declaration.data).toMatchObject({ id: one.declaration!.id, workflowId: `declaration-${one.declaration!.id}`, status: one.declaration!.status });

    const list = await listBatches();
    expect(list.data!.batches[0]).toMatchObject({ id: started.id, status: 'completed', progress: view.progress });
    // Completing stored the counts the list and the report show: what counting the entries says.
    const stored = (await getBatchRow(stack.database.db, started.id))!.finalCounts;
    expect(stored).toEqual((await countEntries(stack.database.db, [started.id])).get(started.id));
    expect(stored).toEqual(view.progress);
  }, 200_000); // 200 employers on 2 cores shared with another test file

  it('survives a worker restart in the middle and still reports every employer correctly', async () => {
    await stack.admin('/admin/faults', { operation: 'declaration_result', mode: 'reject', times: 3 });
    const res = await startBatch({ period: '2026-11', concurrency: CONCURRENCY });
    expect(res.response.status, JSON.stringify(res.error)).toBe(202);
    const { id } = res.data!;

    // Past the first continue-as-new, then the worker goes away.
    const until = Date.now() + 60_000;
    for (;;) {
      const v = await getBatch(id);
      if (v.progress.done + v.progress.skipped + v.progress.failed >= 70) break;
      if (Date.now() > until) throw new Error(`no progress: ${JSON.stringify(v.progress)}`);
      await sleep(200);
    }
    await stack.stopWorker();
    // The API still answers from the database while no worker runs.
    const stopped = await getBatch(id);
    expect(stopped.status).toBe('running');
    expect(stopped.progress.pending).toBeGreaterThan(0);
    await sleep(1500);
    await stack.startWorker();

    const views = await untilCompleted(id, 150_000);
    await checkReport(views[views.length - 1]!, { anomalousSkipped: false });
  }, 200_000);
  // Last: it declares items of its own for two employers, which the batches above must not meet.
  it('settling marks decided declarations done and fails one whose workflow ended without a decision', async () => {
    const batchId = 'Btest-settle';
    const [decided, stuck] = [all[4]!, all[5]!];
    await insertBatch(stack.database.db, { id: batchId, period: '2026-10', employerIds: [decided.id, stuck.id], allEmployers: false, concurrency: 1, workflowId: 'none', actor: 'olivia' });
    for (const [n, employer] of [decided, stuck].entries()) {
      const id = batchDeclarationId(batchId, n);
      // Declared as a batch run would, but no workflow was ever started for it.
      await insertDeclaration(stack.database.db, { id, employerId: employer.id, kind: 'regular', workflowId: `declaration-${id}`, actor: 'olivia', items: [feeItem(`settle-item-${n}`)] });
      await markEntryDeclaring(stack.database.db, batchId, n, id);
    }
    await recordDecision(stack.database.db, batchDeclarationId(batchId, 0), { status: 'accepted', serial: 'SB0001', decidedAt: new Date().toISOString() });
    const { settleBatchDeclarations } = batchSettleActivities({ db: stack.database.db, temporal: stack.temporal });
    const env = new MockActivityEnvironment();

    // Undecided and not past its deadline yet: it waits.
    expect(await env.run(settleBatchDeclarations, { batchId, stuckAfterSeconds: 3600 })).toMatchObject({ total: 2, done: 1, accepted: 1, declaring: 1, pending: 1 });
    // Past it, with no running workflow (here: none at all): the employer fails, with the reason.
    expect(await env.run(settleBatchDeclarations, { batchId, stuckAfterSeconds: 0 })).toMatchObject({ total: 2, done: 1, failed: 1, pending: 0 });
    expect((await getBatchEntry(stack.database.db, batchId, 1))!.entry).toMatchObject({ status: 'failed', reasonCode: 'DECLARATION_FAILED' });
    expect((await getBatchEntry(stack.database.db, batchId, 1))!.entry.reason).toContain('NOT_FOUND');
    // Again: nothing changes (each entry ends once).
    expect(await env.run(settleBatchDeclarations, { batchId, stuckAfterSeconds: 0 })).toMatchObject({ done: 1, failed: 1, pending: 0 });
  });

  it('a running batch is counted live; a completed one keeps its counts, counted again when a declaration of it is decided late', async () => {
    const db = stack.database.db;
    const batchId = 'Btest-final';
    const employers = [all[6]!, all[7]!, all[8]!];
    await insertBatch(db, { id: batchId, period: '2026-10', employerIds: employers.map((e) => e.id), allEmployers: false, concurrency: 1, workflowId: 'none', actor: 'olivia' });
    const [accepted, unknown] = [0, 1].map((n) => batchDeclarationId(batchId, n)) as [string, string];
    for (const [n, id] of [accepted, unknown].entries()) {
      await insertDeclaration(db, { id, employerId: employers[n]!.id, kind: 'regular', workflowId: `declaration-${id}`, actor: 'olivia', items: [feeItem(`final-item-${n}`)] });
      await markEntryDeclaring(db, batchId, n, id);
    }
    await recordDecision(db, accepted, { status: 'accepted', serial: 'SF0001', decidedAt: new Date().toISOString() });
    await markResultUnknown(db, unknown);
    for (const n of [0, 1]) await finishEntry(db, batchId, n, { status: 'done' }, 'system');
    const listed = async () => (await listBatches()).data!.batches.find((b) => b.id === batchId)!.progress;
    const live = async () => (await countEntries(db, [batchId])).get(batchId)!;

    // Running: nothing stored, each answer counts the entries as they are now.
    expect(await listed()).toMatchObject({ total: 3, pending: 1, done: 2, accepted: 1, resultUnknown: 1 });
    await finishEntry(db, batchId, 2, { status: 'skipped', reason: { code: 'NO_ITEMS_FOR_PERIOD', message: 'test: none' } }, 'system');
    expect(await listed()).toEqual(await live());
    expect(await listed()).toMatchObject({ pending: 0, skipped: 1 });
    expect((await getBatchRow(db, batchId))!.finalCounts).toBeNull();

    // Completed (a repeat changes nothing): the counts are stored, and the list and the report show them.
    await completeBatch(db, batchId);
    await completeBatch(db, batchId);
    const completed = await db.select().from(auditLog).where(sql`${auditLog.action} = 'declaration_batch.completed' and ${auditLog.subject} = ${batchId}`);
    expect(completed).toHaveLength(1);
    const stored = (await getBatchRow(db, batchId))!.finalCounts;
    expect(stored).toEqual(await live());
    expect(stored).toMatchObject({ total: 3, done: 2, skipped: 1, accepted: 1, resultUnknown: 1 });
    expect(await listed()).toEqual(stored);
    expect((await getBatch(batchId)).progress).toEqual(stored);
    // They are read, not counted: a stored figure the entries do not say is what the list shows.
    await db.execute(sql`update declaration_batches set final_counts = jsonb_set(final_counts, '{skipped}', '9') where id = ${batchId}`);
    expect(await listed()).toMatchObject({ skipped: 9 });
    await db.execute(sql`update declaration_batches set final_counts = jsonb_set(final_counts, '{skipped}', '1') where id = ${batchId}`);

    // The bureau's result fetched after all: the stored counts follow.
    await recordDecision(db, unknown, { status: 'rejected', reason: 'test: late reject', decidedAt: new Date().toISOString() });
    expect((await getBatchRow(db, batchId))!.finalCounts).toEqual(await live());
    expect(await listed()).toMatchObject({ accepted: 1, rejected: 1, resultUnknown: 0 });

    // A batch completed before counts were stored is counted; the migration's backfill stores what countBatch counts.
    await db.execute(sql`update declaration_batches set final_counts = null where id = ${batchId}`);
    expect(await listed()).toEqual(await live());
    const migration = readFileSync(new URL('../../migrations/0014_batch_final_counts.sql', import.meta.url), 'utf8');
    const backfill = migration.split('--> statement-breakpoint').find((s) => s.includes('UPDATE "declaration_batches"'))!;
    await db.execute(sql.raw(backfill));
    expect((await getBatchRow(db, batchId))!.finalCounts).toEqual(await live());
  });
});
