// Issue 11's scenario on the real service process (`tsx src/service-main.ts`, the API and the
// worker in one process, as `npm start` runs them): 10 clients each declare one item at a time
// with an Idempotency-Key, the process is SIGKILLed under that load and started again on the same
// database and task queue, and the clients send every unanswered request again with its key, as
// real clients do. Nothing may be lost, doubled or left waiting: every request is answered 2xx,
// every item is declared exactly once, every declaration is decided soon after the restart, no
// recorded start is left unstarted and no key without its answer. Then the same for a three-party
// payment and a bank-side voucher payment.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatApiKeys } from '../../src/api/api-keys';
import { requestRef } from '../../src/api/idempotency';
import type { BureauLedgerEntry } from '../../src/bureau/contract';
import { buildBureau } from '../../src/bureau/server';
import { paymentOfLedgerEntry } from '../../tools/chaos/checks';
import { ApiClient } from '../../tools/chaos/http';
import { SERVICE, ServiceProcess, freePort } from '../../tools/chaos/processes';
import { CHAOS_PASSWORD, signedInEmployer } from '../../tools/chaos/setup';
import { dataConverterFor } from '../../src/codec/aes-gcm-codec';
import { openDatabase, type Database } from '../../src/db/client';
import { auditLog, declarationLines, declarations, idempotencyKeys, payments, workflowStarts } from '../../src/db/schema';
import { reconcilerScheduleId } from '../../src/temporal/reconciler-schedule';
import { taxpayerId, unitNumber } from '../support/employers';
import { KEYS, TEST_CODEC_KEYS, createDatabaseCopy } from '../support/stack';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OPERATOR = KEYS.find((k) => k.role === 'operator')!;
/** Eight months of five regular items: 40 declarable items. */
const PERIODS = ['2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'];
const CLIENTS = 10;
/** The load's posts are spread over this long, so each kill falls inside it. */
const LOAD_MS = 4000;
/** Issue 11: every declaration in flight at the kill is decided within 30 s of /health answering again. */
const RESUME_LIMIT_MS = 30_000;

let bureau: FastifyInstance;
let bureauUrl: string;
let database: Database;
let connection: Connection;
let temporal: Client;
let service: ServiceProcess;
let api: ApiClient;
let taskQueue: string;
const dir = mkdtempSync(path.join(tmpdir(), 'sifee-api-kill-'));
const lines: string[] = [];
const log = (line: string) => lines.push(line);

/** Kills the service (SIGKILL to its process group), starts it again and answers when /health answers. */
async function killAndRestart(): Promise<number> {
  await service.kill();
  await service.start();
  for (;;) {
    const res = await fetch(`${api.baseUrl}/health`).catch(() => undefined);
    if (res?.status === 200) return Date.now();
    await sleep(100);
  }
}

/** Polls until `done` holds (no timing is asserted here: the test's timeout bounds it). */
async function until<T>(what: string, get: () => Promise<T>, done: (v: T) => boolean, ms = 180_000, everyMs = 200): Promise<T> {
  const giveUp = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (done(v)) return v;
    if (Date.now() > giveUp) throw new Error(`${what}: not done after ${ms / 1000} s (${JSON.stringify(v)})`);
    await sleep(everyMs);
  }
}

async function employerAt(n: number, periods: string[]): Promise<{ id: string; taxpayerId: string }> {
  const seeded = { taxpayerId: taxpayerId(n), unitNumber: unitNumber(n) };
  const res = await fetch(`${bureauUrl}/admin/employers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...seeded, name: `贵阳崩溃测试${n}有限公司`, periods }),
  });
  expect(res.status, await res.text()).toBe(201);
  return { id: await signedInEmployer(api, seeded), taxpayerId: seeded.taxpayerId };
}

/** What is left undone in the whole database: recorded starts not started, keys without an answer. */
async function leftovers() {
  const [[starts], [keys]] = await Promise.all([
    database.db.select({ n: sql<number>`count(*)::int` }).from(workflowStarts).where(isNull(workflowStarts.startedAt)),
    database.db.select({ n: sql<number>`count(*)::int` }).from(idempotencyKeys).where(isNull(idempotencyKeys.statusCode)),
  ]);
  return { unstartedStarts: starts!.n, unansweredKeys: keys!.n };
}

beforeAll(async () => {
  bureau = await buildBureau({ resultDelayMs: 200, logger: false });
  await bureau.listen({ port: 0, host: '127.0.0.1' });
  const address = bureau.server.address();
  bureauUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const databaseUrl = await createDatabaseCopy();
  database = await openDatabase({ url: databaseUrl, dataDir: '' });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  temporal = new Client({ connection, dataConverter: dataConverterFor(TEST_CODEC_KEYS) });
  taskQueue = `api-kill-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PAYLOAD_CODEC_KEYS: TEST_CODEC_KEYS,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    BUREAU_URL: bureauUrl,
    TASK_QUEUE: taskQueue,
    DATA_DIR: path.join(dir, 'data'),
    API_KEYS: formatApiKeys(KEYS),
    PORT: String(port),
    RESULT_WAIT_SECONDS: '3',
    RESULT_POLL_FIRST_SECONDS: '1',
    RESULT_POLL_MAX_SECONDS: '2',
    // Short, so a key whose request died is taken over soon (the default is 30 s).
    IDEMPOTENCY_LEASE_SECONDS: '5',
    PAYMENT_RETRY_SCHEDULE: '2s,3s',
    DEDUCTION_STATUS_POLL_SECONDS: '1',
    RATE_LIMIT_PER_MINUTE: '1000000',
    SIGN_IN_MINUTES: '600',
    LOG_LEVEL: 'info',
  };
  service = new ServiceProcess(SERVICE, { repoRoot: REPO_ROOT, env, logPath: path.join(dir, 'service.log'), log });
  await service.start();
  api = new ApiClient(`http://127.0.0.1:${port}`, OPERATOR.key, 180_000);
}, 240_000);

afterAll(async () => {
  await service?.stop();
  await temporal?.schedule.getHandle(reconcilerScheduleId(taskQueue)).delete().catch(() => {});
  await connection?.close();
  await database?.close();
  await bureau?.close();
  if (lines.length > 0) console.log(lines.join('\n'));
  rmSync(dir, { recursive: true, force: true });
});

describe('the service process SIGKILLed under load, started again on the same data', () => {
  for (const [n, killAtMs] of [
    [1101, 1500],
    [1102, 2500],
  ] as const) {
    it(
      `declarations (kill ${killAtMs / 1000} s into the load): every retry answered 2xx, every item declared once, every declaration decided`,
      async () => {
        const employer = await employerAt(n, PERIODS);
        const feeItems = await api.expect<{ items: { itemId: string }[] }>(200, 'GET', `/api/employers/${employer.id}/fee-items?kind=regular`);
        const itemIds = feeItems.items.map((i) => i.itemId);
        expect(itemIds).toHaveLength(PERIODS.length * 5);

        const before = { ...api.stats };
        const loadStart = Date.now();
        const answers: { itemId: string; status: number; id?: string }[] = [];
        const clients = Array.from({ length: CLIENTS }, async (_, c) => {
          for (let i = c; i < itemIds.length; i += CLIENTS) {
            await sleep(loadStart + (i * LOAD_MS) / itemIds.length - Date.now());
            const itemId = itemIds[i]!;
            const res = await api.post<{ id?: string }>(`/api/employers/${employer.id}/declarations`, { kind: 'regular', itemIds: [itemId], headcountConfirmed: true }, randomUUID());
            answers.push({ itemId, status: res.status, ...(res.body.id ? { id: res.body.id } : {}) });
          }
        });
        const killer = (async () => {
          await sleep(loadStart + killAtMs - Date.now());
          return killAndRestart();
        })();
        const [healthAt] = await Promise.all([killer, ...clients]);
        const retries = api.stats.retries - before.retries;

        // Every request answered 2xx (202), each with a declaration of its own.
        expect(answers.filter((a) => a.status !== 202)).toEqual([]);
        expect(api.stats.neverAnswered).toBe(0);
        const ids = answers.map((a) => a.id!);
        expect(new Set(ids).size).toBe(itemIds.length);

        // Every item declared exactly once: none in two declarations, none missing, none extra.
        const declared = await database.db
          .select({ declarationId: declarationLines.declarationId, itemId: declarationLines.itemId })
          .from(declarationLines)
          .innerJoin(declarations, eq(declarations.id, declarationLines.declarationId))
          .where(eq(declarations.employerId, employer.id));
        expect(declared.map((d) => d.itemId).sort()).toEqual([...itemIds].sort());
        expect(new Set(declared.map((d) => d.declarationId))).toEqual(new Set(ids));

        // Every declaration decided; the last of them within 30 s of /health answering again.
        const decided = await until(
          'declarations decided',
          () => database.db.select({ id: declarations.id, status: declarations.status, workflowId: declarations.workflowId }).from(declarations).where(eq(declarations.employerId, employer.id)),
          (rows) => rows.every((r) => r.status === 'accepted' || r.status === 'rejected'),
        );
        const resumedMs = Date.now() - healthAt;
        const [repaired] = await database.db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(eq(auditLog.action, 'workflow.start_repaired'));
        log(`kill at ${killAtMs} ms: ${repaired!.n} starts repaired so far; ${retries} tries again (${api.stats.inProgress - before.inProgress} after 409 IDEMPOTENCY_IN_PROGRESS); service serving again after ${service.startMs.at(-1)} ms; every declaration decided ${(resumedMs / 1000).toFixed(1)} s after /health answered`);
        expect(retries, 'the kill hit no request: the scenario tested nothing').toBeGreaterThan(0);
        expect(resumedMs).toBeLessThanOrEqual(RESUME_LIMIT_MS);

        // Each declaration has its workflow, and nothing is left half done.
        for (const d of decided) await expect(temporal.workflow.getHandle(d.workflowId).describe()).resolves.toBeTruthy();
        expect(await leftovers()).toEqual({ unstartedStarts: 0, unansweredKeys: 0 });
      },
      300_000,
    );
  }

  for (const [n, method] of [
    [1103, 'three_party'],
    [1104, 'bank_voucher'],
  ] as const) {
    it(
      `a ${method} payment whose request dies: the retry with its key answers 2xx with the same payment, charged once`,
      async () => {
        const employer = await employerAt(n, ['2026-10']);
        const { items } = await api.expect<{ items: { itemId: string }[] }>(200, 'GET', `/api/employers/${employer.id}/fee-items?kind=regular`);
        const declared = await api.expect<{ id: string }>(202, 'POST', `/api/employers/${employer.id}/declarations`, { kind: 'regular', itemIds: items.map((i) => i.itemId), headcountConfirmed: true });
        await until('declaration accepted', () => api.expect<{ status: string }>(200, 'GET', `/api/declarations/${declared.id}`), (d) => d.status === 'accepted');
        const { payables } = await api.expect<{ payables: { lineId: string }[] }>(200, 'GET', `/api/employers/${employer.id}/payables`);
        const known = await api.expect<{ agreements: { agreementId: string; status: string }[] }>(200, 'GET', `/api/employers/${employer.id}`);
        const body = {
          lineIds: payables.map((p) => p.lineId),
          amountConfirmed: true,
          password: CHAOS_PASSWORD,
          method,
          ...(method === 'three_party' ? { agreementId: known.agreements.find((a) => a.status === 'valid')!.agreementId } : {}),
        };

        // The service dies the moment the payment and its start are recorded: before it answers.
        const key = randomUUID();
        const ref = requestRef(OPERATOR.name, key);
        const retriesBefore = api.stats.retries;
        const answer = api.post<{ id?: string }>(`/api/employers/${employer.id}/payments`, body, key);
        await until('payment recorded', () => database.db.select().from(workflowStarts).where(eq(workflowStarts.requestRef, ref)), (rows) => rows.length > 0, 30_000, 2);
        await killAndRestart();
        const res = await answer;
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        const id = res.body.id!;
        log(`${method} payment: the first try was ${api.stats.retries > retriesBefore ? `cut off; answered after ${api.stats.retries - retriesBefore} tries again` : 'answered before the kill'}`);
        expect(await database.db.select({ id: payments.id }).from(payments).where(eq(payments.employerId, employer.id))).toEqual([{ id }]);

        if (method === 'bank_voucher') {
          // One voucher issued for it, paid at the bank counter.
          const issued = await until('voucher issued', () => api.expect<{ voucher: { voucherNumber: string } | null }>(200, 'GET', `/api/payments/${id}`), (p) => p.voucher !== null);
          const state = (await (await fetch(`${bureauUrl}/admin/state`)).json()) as { vouchers: Record<string, { request: { key: string } }> };
          expect(Object.entries(state.vouchers).filter(([, v]) => v.request.key === id).map(([number]) => number)).toEqual([issued.voucher!.voucherNumber]);
          const counter = await fetch(`${bureauUrl}/admin/vouchers/${issued.voucher!.voucherNumber}/pay`, { method: 'POST' });
          expect(counter.status, await counter.text()).toBe(200);
        }
        const paid = await until('payment final', () => api.expect<{ status: string }>(200, 'GET', `/api/payments/${id}`), (p) => p.status === 'paid' || p.status === 'failed');
        expect(paid.status).toBe('paid');
        const ledger = (await (await fetch(`${bureauUrl}/admin/ledger`)).json()) as { entries: BureauLedgerEntry[] };
        expect(ledger.entries.filter((e) => paymentOfLedgerEntry(e) === id)).toHaveLength(1);
        // The key answers the same again, from its stored answer.
        const again = await api.post<{ id?: string }>(`/api/employers/${employer.id}/payments`, body, key);
        expect([again.status, again.body.id]).toEqual([202, id]);
        const [keyRow] = await database.db.select({ statusCode: idempotencyKeys.statusCode }).from(idempotencyKeys).where(and(eq(idempotencyKeys.actor, OPERATOR.name), eq(idempotencyKeys.key, key)));
        expect(keyRow?.statusCode).toBe(202);
        const starts = await database.db.select({ startedAt: workflowStarts.startedAt }).from(workflowStarts).where(inArray(workflowStarts.subjectId, [id]));
        expect(starts).toHaveLength(1);
        expect(starts[0]!.startedAt).not.toBeNull();
        expect(await leftovers()).toEqual({ unstartedStarts: 0, unansweredKeys: 0 });
      },
      300_000,
    );
  }
});
