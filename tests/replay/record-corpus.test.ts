// Records the replay corpus from real runs: `npm run corpus:record` (RECORD_CORPUS=1). Skipped
// in `npm test`. Every workflow type and its main branches run on the real stack (Temporal dev
// server, PostgreSQL, mock bureau with faults, worker, API); each closed run's history is saved
// through GET /api/workflows/:id/history as tests/replay/histories/<scenario>.json, as the
// Temporal CLI would write it, encrypted with the tests' codec key. Refresh it only when a
// change is meant to be incompatible with histories of the old code (see the README).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataConverterFor } from '../../src/codec/aes-gcm-codec';
import { insertBatch } from '../../src/db/batches';
import type { BatchDeclarationInput } from '../../src/contracts/batch';
import { startAttributes } from '../../src/contracts/search-attributes';
import { bundleWorkflows, parseHistoryJson, replayHistories } from '../../src/temporal/replay';
import { NEW_PASSWORD, addEmployer, addSignedInEmployer } from '../support/employers';
import { api, declaredEmployer, eventually, payThreeParty } from '../support/flows';
import { auth, startStack, type Stack } from '../support/stack';
import { CORPUS_CODEC_KEYS, CORPUS_DIR, CORPUS_SCENARIOS } from './corpus';
import { loadFeeItems } from '../../src/use-cases/fee-items';
import { insertDeclaration } from '../../src/db/declarations';
import { findEmployer } from '../../src/db/employers';
import { startValues } from '../../src/temporal/workflow-starts';

const RECORD = process.env.RECORD_CORPUS === '1';
const PERIOD = '2026-10';

interface Recorded {
  file: string;
  workflowId: string;
  runId: string;
  type: string;
  events: number;
  last: string;
}

describe.skipIf(!RECORD)('record the replay corpus', () => {
  let stack: Stack; // waits 20 s for results (operators fetch at once), short payment retries and polls
  let patient: Stack; // short result waits and deadline: timers, polling, result_unknown
  const recorded: Recorded[] = [];
  let n = 9000;

  beforeAll(async () => {
    [stack, patient] = await Promise.all([
      startStack({ resultDelayMs: 200, config: { payment: { retryScheduleSeconds: [3], statusPollSeconds: 1, counterPollSeconds: 1 } } }),
      startStack({ resultDelayMs: 100, timing: { resultWaitSeconds: 1, pollFirstSeconds: 1, pollMaxSeconds: 1, resultDeadlineSeconds: 3 } }),
    ]);
    mkdirSync(CORPUS_DIR, { recursive: true });
    for (const f of readdirSync(CORPUS_DIR)) if (f.endsWith('.json')) rmSync(path.join(CORPUS_DIR, f));
  }, 120_000);
  afterAll(async () => {
    await Promise.all([stack?.close(), patient?.close()]);
  });

  /** Waits until the workflow's latest run is closed, then saves `runs` runs of it, oldest first. */
  async function save(on: Stack, name: string, workflowId: string, runs = 1): Promise<void> {
    const handle = on.temporal.workflow.getHandle(workflowId);
    const closed = await eventually(() => handle.describe(), (d) => d.status.name !== 'RUNNING', 60_000);
    expect(closed.status.name, `${workflowId} (${name})`).not.toBe('RUNNING');
    // Walk back from the latest run through each run's predecessor (continue-as-new).
    const chain: string[] = [closed.runId];
    while (chain.length < runs) {
      const history = await on.temporal.workflow.getHandle(workflowId, chain[0]).fetchHistory();
      const previous = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
      if (!previous) throw new Error(`${workflowId}: expected ${runs} runs, found ${chain.length}`);
      chain.unshift(previous);
    }
    for (const [i, runId] of chain.entries()) {
      const file = runs === 1 ? `${name}.json` : `${name}--run${i + 1}.json`;
      const res = await on.app.inject({ method: 'GET', url: `/api/workflows/${workflowId}/history?runId=${runId}`, headers: auth('auditor') });
      expect(res.statusCode, res.body).toBe(200);
      writeFileSync(path.join(CORPUS_DIR, file), res.body.endsWith('\n') ? res.body : `${res.body}\n`);
      const json = res.json() as { events: { eventType: string; workflowExecutionStartedEventAttributes?: { workflowType: { name: string } } }[] };
      recorded.push({
        file,
        workflowId,
        runId,
        type: json.events[0]!.workflowExecutionStartedEventAttributes!.workflowType.name,
        events: json.events.length,
        last: json.events.at(-1)!.eventType.replace(/^EVENT_TYPE_/, ''),
      });
    }
  }

  const http = (on: Stack) => api(on);
  const status = (on: Stack, url: string) => http(on).get(url).then((r) => r.json());

  async function addDeclared(on: Stack, atBureau: Record<string, unknown> = {}) {
    return declaredEmployer(on, ++n, atBureau);
  }

  async function voidAndFetch(on: Stack, declarationId: string): Promise<{ workflowId: string; status: string }> {
    const started = await http(on).post(`/api/declarations/${declarationId}/void`);
    expect(started.statusCode, started.body).toBe(202);
    const done = await eventually(() => http(on).post(`/api/declarations/${declarationId}/void/fetch-result`).then((r) => r.json()), (d) => d.status !== 'voiding', 20_000);
    return { workflowId: started.json().voidWorkflowId, status: done.status };
  }

  const payment = (on: Stack, id: string) => status(on, `/api/payments/${id}`);

  it('records declarations, voids, payments, vouchers, a batch and certificates', { timeout: 600_000 }, async () => {
    // Declarations.
    const accepted = await addDeclared(stack);
    await save(stack, 'declaration--accepted-fetch-now', `declaration-${accepted.declarationId}`);

    const rejecting = await addSignedInEmployer(stack, ++n, [PERIOD]);
    const items = (await http(stack).get(`/api/employers/${rejecting.id}/fee-items?kind=regular`)).json().items as { itemId: string }[];
    await stack.admin('/admin/faults', { operation: 'declaration_result', mode: 'reject', times: 1 });
    const declared = await http(stack).post(`/api/employers/${rejecting.id}/declarations`, { kind: 'regular', itemIds: [items[0]!.itemId], headcountConfirmed: true });
    expect(declared.statusCode, declared.body).toBe(202);
    const rejected = await eventually(() => http(stack).post(`/api/declarations/${declared.json().id}/fetch-result`).then((r) => r.json()), (d) => d.status !== 'submitted');
    expect(rejected.status).toBe('rejected');
    await save(stack, 'declaration--rejected', declared.json().workflowId);

    {
      const employer = await addSignedInEmployer(patient, ++n, [PERIOD]);
      const list = (await http(patient).get(`/api/employers/${employer.id}/fee-items?kind=regular`)).json().items as { itemId: string }[];
      await patient.admin('/admin/faults', { operation: 'declaration_result', mode: 'error' });
      const res = await http(patient).post(`/api/employers/${employer.id}/declarations`, { kind: 'regular', itemIds: [list[0]!.itemId], headcountConfirmed: true });
      expect(res.statusCode, res.body).toBe(202);
      const unknown = await eventually(() => status(patient, `/api/declarations/${res.json().id}`), (d) => d.status === 'result_unknown', 40_000);
      expect(unknown.status).toBe('result_unknown');
      await patient.admin('/admin/faults', undefined, 'DELETE');
      const fetched = await http(patient).post(`/api/declarations/${res.json().id}/fetch-result`);
      expect(fetched.json().status).toBe('accepted');
      await save(patient, 'declaration--result-unknown-then-fetched', res.json().workflowId);
    }

    // Voids.
    const toVoid = await addDeclared(stack);
    const voided = await voidAndFetch(stack, toVoid.declarationId);
    expect(voided.status).toBe('voided');
    await save(stack, 'void--voided', voided.workflowId);
    const toKeep = await addDeclared(stack);
    await stack.admin('/admin/faults', { operation: 'void_result', mode: 'reject', times: 1 });
    const kept = await voidAndFetch(stack, toKeep.declarationId);
    expect(kept.status).toBe('void_rejected');
    await save(stack, 'void--rejected', kept.workflowId);

    // Three-party payments.
    const payer = await addDeclared(stack);
    const paid = await payThreeParty(stack, payer.employer.id, { lineIds: payer.payables.map((p) => p.lineId), agreementId: payer.agreementId });
    expect(paid.response.status, JSON.stringify(paid.error)).toBe(202);
    expect((await eventually(() => payment(stack, paid.data!.id), (p) => p.status === 'paid')).status).toBe('paid');
    await save(stack, 'three-party--paid', paid.data!.workflowId);

    // Certificates of what was just paid.
    for (const kind of ['payment', 'tax'] as const) {
      const printed = await http(stack).post(`/api/employers/${payer.employer.id}/certificates/${kind}`, { period: PERIOD });
      expect(printed.statusCode, printed.body.slice(0, 300)).toBe(200);
      await save(stack, `certificate--${kind}`, `certificate-${printed.headers['x-certificate-id']}`);
    }

    for (const how of ['timer', 'now', 'cancel'] as const) {
      const poor = await addDeclared(stack, { balanceFen: 0 });
      const res = await payThreeParty(stack, poor.employer.id, { lineIds: poor.payables.map((p) => p.lineId), agreementId: poor.agreementId });
      expect(res.response.status, JSON.stringify(res.error)).toBe(202);
      const id = res.data!.id;
      await eventually(() => payment(stack, id), (p) => p.status === 'awaiting_retry');
      if (how === 'cancel') {
        expect((await http(stack).post(`/api/payments/${id}/cancel`)).statusCode).toBe(200);
        await save(stack, 'three-party--cancelled', res.data!.workflowId);
        continue;
      }
      await stack.admin(`/admin/employers/${poor.employer.taxpayerId}`, { balanceFen: 100_000_000_00 }, 'PATCH');
      if (how === 'now') expect((await http(stack).post(`/api/payments/${id}/retry`)).statusCode).toBe(200);
      const done = await eventually(() => payment(stack, id), (p) => p.status === 'paid');
      expect(done.attempts).toHaveLength(2);
      await save(stack, how === 'now' ? 'three-party--retry-now-then-paid' : 'three-party--retry-by-timer-then-paid', res.data!.workflowId);
    }

    const unsure = await addDeclared(stack);
    await stack.admin('/admin/faults', { operation: 'deduct', mode: 'unknown_outcome', times: 1 });
    const resolved = await payThreeParty(stack, unsure.employer.id, { lineIds: unsure.payables.map((p) => p.lineId), agreementId: unsure.agreementId });
    const afterUnknown = await eventually(() => payment(stack, resolved.data!.id), (p) => p.status === 'paid');
    expect(afterUnknown.attempts).toMatchObject([{ n: 1, outcome: 'succeeded' }]);
    await save(stack, 'three-party--unknown-outcome-resolved', resolved.data!.workflowId);

    // Bank-side vouchers.
    for (const end of ['paid', 'voided'] as const) {
      const holder = await addDeclared(stack);
      const res = await http(stack).post(`/api/employers/${holder.employer.id}/payments`, {
        lineIds: holder.payables.map((p) => p.lineId),
        amountConfirmed: true,
        password: NEW_PASSWORD,
        method: 'bank_voucher',
      });
      expect(res.statusCode, res.body).toBe(202);
      const issued = await eventually(() => payment(stack, res.json().id), (p) => Boolean(p.voucher?.pdf));
      if (end === 'paid') await stack.admin(`/admin/vouchers/${issued.voucher.voucherNumber}/pay`, {});
      else expect((await http(stack).post(`/api/vouchers/${issued.voucher.id}/void`)).statusCode).toBe(200);
      const finished = await eventually(() => payment(stack, res.json().id), (p) => p.status !== 'voucher_issued');
      expect(finished.status).toBe(end === 'paid' ? 'paid' : 'voucher_voided');
      await save(stack, `voucher--${end}`, res.json().workflowId);
    }

    // A batch of four (one still on its initial password: skipped), continuing as new every two;
    // its declarations wait 1 s for their results by themselves.
    const employers = [
      await addSignedInEmployer(patient, ++n, [PERIOD]),
      await addEmployer(patient, ++n, [PERIOD]),
      await addSignedInEmployer(patient, ++n, [PERIOD]),
      await addSignedInEmployer(patient, ++n, [PERIOD]),
    ];
    const batchId = `Bcorpus-${randomBytes(4).toString('hex')}`;
    const workflowId = `declaration-batch-${batchId}`;
    await insertBatch(patient.database.db, { id: batchId, period: PERIOD, employerIds: employers.map((e) => e.id), allEmployers: false, concurrency: 2, workflowId, actor: 'olivia' });
    const input: BatchDeclarationInput = { batchId, period: PERIOD, total: employers.length, concurrency: 2, continueAsNewEvery: 2, timing: patient.config.declaration };
    await patient.temporal.workflow.start('batchDeclarationWorkflow', {
      taskQueue: patient.config.taskQueue,
      workflowId,
      typedSearchAttributes: startAttributes({ period: PERIOD, status: 'running' }),
      args: [input],
    });
    await save(patient, 'declaration-batch', workflowId, 2);
    await save(patient, 'declaration--accepted-by-timer', `declaration-${batchId}-00000`);

    // The reconciler: a declaration recorded with its start, as a process that died right after
    // its transaction leaves it, is started by a reconciler run.
    {
      const orphan = await addSignedInEmployer(stack, ++n, [PERIOD]);
      const { items: feeItems } = await loadFeeItems(stack.app, (await findEmployer(stack.database.db, orphan.id))!, { kind: 'regular' });
      const id = `Dcorpus-${randomBytes(4).toString('hex')}`;
      await insertDeclaration(
        stack.database.db,
        { id, employerId: orphan.id, kind: 'regular', workflowId: `declaration-${id}`, actor: 'olivia', items: feeItems.slice(0, 1) },
        await startValues(stack.app.codec, {
          workflowId: `declaration-${id}`,
          workflowType: 'declarationWorkflow',
          taskQueue: stack.config.taskQueue,
          subjectType: 'declaration',
          subjectId: id,
          requestRef: null,
          attributes: { employerId: orphan.id, status: 'submitted' },
          args: [{ declarationId: id, taxpayerId: orphan.taxpayerId, kind: 'regular', itemIds: [feeItems[0]!.itemId], timing: stack.config.declaration }],
        }),
      );
      const reconciler = `reconciler-corpus-${randomBytes(4).toString('hex')}`;
      const report = await stack.temporal.workflow.execute('reconcilerWorkflow', { taskQueue: stack.config.taskQueue, workflowId: reconciler, args: [{ graceSeconds: 0 }] });
      expect(report).toMatchObject({ started: 1, failed: 0 });
      await save(stack, 'reconciler--start-repaired', reconciler);
    }

    // The archiver and the day's reconciliation, on what the runs above left.
    const archiver = `archive-corpus-${randomBytes(4).toString('hex')}`;
    await stack.temporal.workflow.execute('archiveWorkflow', { taskQueue: stack.config.taskQueue, workflowId: archiver, args: [] });
    await save(stack, 'archive--run', archiver);
    const reconciliation = `reconciliation-corpus-${randomBytes(4).toString('hex')}`;
    await stack.temporal.workflow.execute('reconciliationWorkflow', { taskQueue: stack.config.taskQueue, workflowId: reconciliation, args: [{ actor: 'olivia' }] });
    await save(stack, 'reconciliation--day', reconciliation);
  });

  it('recorded every scenario, and each replays with the current code', { timeout: 120_000 }, async () => {
    const files = recorded.map((r) => r.file.replace(/\.json$/, '')).sort();
    expect(files).toEqual(Object.keys(CORPUS_SCENARIOS).sort());
    const outcomes = await replayHistories(
      recorded.map((r) => ({ workflowId: r.file, history: parseHistoryJson(readFileSync(path.join(CORPUS_DIR, r.file), 'utf8')) })),
      { workflowBundle: await bundleWorkflows(), dataConverter: dataConverterFor(CORPUS_CODEC_KEYS) },
    );
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);

    let commit = 'unknown';
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      // not a git checkout
    }
    const rows = [...recorded]
      .sort((a, b) => a.file.localeCompare(b.file))
      .map((r) => `| \`${r.file}\` | ${r.type} | ${r.events} | ${r.last} | ${CORPUS_SCENARIOS[r.file.replace(/\.json$/, '')]} |`);
    writeFileSync(
      path.join(CORPUS_DIR, 'README.md'),
      [
        '# Replay corpus',
        '',
        `Recorded by \`npm run corpus:record\` (tests/replay/record-corpus.test.ts) on ${new Date().toISOString().slice(0, 10)} from commit ${commit},`,
        'on the real stack, through `GET /api/workflows/:id/history`. Payloads are encrypted with the tests’ codec key',
        '(`CORPUS_CODEC_KEYS` in tests/replay/corpus.ts). `npm test` (tests/replay/replay.test.ts) and `npm run replay` replay',
        'every file here against the current workflow code. Do not edit these files by hand.',
        '',
        '| file | workflow | events | last event | run |',
        '| --- | --- | --- | --- | --- |',
        ...rows,
        '',
      ].join('\n'),
    );
  });
});

