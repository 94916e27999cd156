// Cluster mode under faults: the topology of `npm run start:cluster` (private PostgreSQL, the
// real Temporal server and its UI, the bureau, two workers, two APIs) on private ports, with
// payments (three-party, some failing for want of balance, some with unknown outcomes; bank
// vouchers paid or voided), declarations and voids sent by clients that retry with their
// Idempotency-Key against the other API, while one worker is SIGKILLed, one API is SIGKILLed,
// the Temporal server is killed and started again, and PostgreSQL stops with
// `pg_ctl stop -m immediate` and starts again. Then the invariants.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatApiKeys, type ApiKey } from '../../src/api/api-keys';
import type { BureauLedgerEntry, FaultRule } from '../../src/bureau/contract';
import { checkInvariants, type AcceptedPayment, type BureauSnapshot } from '../../tools/chaos/checks';
import { ApiClient, BureauAdmin } from '../../tools/chaos/http';
import { CHAOS_PASSWORD, RICH_BALANCE_FEN, inPool, planPayments, readyEmployers, recentPeriods, paymentBody, type PlannedPayment } from '../../tools/chaos/setup';
import { mulberry32 } from '../../src/bureau/generate';
import { sleep } from '../../src/cluster/child';
import { privateCluster } from '../../src/cluster/private';
import type { Cluster } from '../../src/cluster/topology';
import { dataConverterFor } from '../../src/codec/aes-gcm-codec';
import { openDatabase, type Database } from '../../src/db/client';
import { initialPassword } from '../../src/domain/password';
import { FINAL_PAYMENT_STATES, type PaymentState } from '../../src/domain/payment';
import { bundleWorkflows, replayHistories } from '../../src/temporal/replay';
import { RetryingClient } from './retrying-client';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const SEED = 20_261_129;
const log = (line: string) => console.log(`[cluster test] ${line}`);

describe('cluster mode: the real Temporal server on PostgreSQL, two workers, two APIs, under faults', () => {
  let dir: string;
  let cluster: Cluster;
  let database: Database;
  let connection: Connection;
  let temporal: Client;
  let passed = false;
  const operator: ApiKey = { name: 'cluster-test', role: 'operator', key: `ct_${randomBytes(18).toString('base64url')}` };
  const codecKeys = `ct1:${randomBytes(32).toString('base64')}`;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sifee-cluster-'));
    cluster = await privateCluster({
      repoRoot,
      dataDir: dir,
      workers: 2,
      apis: 2,
      serviceEnv: {
        API_KEYS: formatApiKeys([operator]),
        PAYLOAD_CODEC_KEYS: codecKeys,
        LOG_LEVEL: 'info',
        BUREAU_RESULT_DELAY_MS: '200',
        RESULT_WAIT_SECONDS: '1',
        RESULT_POLL_FIRST_SECONDS: '1',
        RESULT_POLL_MAX_SECONDS: '2',
        PAYMENT_RETRY_SCHEDULE: '4s',
        DEDUCTION_STATUS_POLL_SECONDS: '1',
        VOUCHER_POLL_SECONDS: '2',
        SIGN_IN_MINUTES: '600',
        RATE_LIMIT_PER_MINUTE: '1000000',
      },
      log,
    });
    process.once('exit', () => cluster.killSync());
    await cluster.start();
    database = await openDatabase({ url: cluster.databaseUrl, dataDir: '' });
    connection = await Connection.connect({ address: cluster.temporalAddress });
    temporal = new Client({ connection, namespace: 'default', dataConverter: dataConverterFor(codecKeys) });
  }, 600_000);

  afterAll(async () => {
    await connection?.close();
    await database?.close();
    await cluster?.stop();
    // Kept when something failed: the logs of every process are in it.
    if (passed) rmSync(dir, { recursive: true, force: true });
    else if (dir) log(`kept ${dir} (logs/ has every process's output)`);
  }, 180_000);

  it('answers every client, loses nothing, charges nothing twice, reconciles, and every history replays', async () => {
    const [apiA, apiB] = cluster.apiUrls as [string, string];
    const bureau = new BureauAdmin(cluster.bureauUrl);
    const rng = mulberry32(SEED);

    // ---- before the faults: employers ready, their declarations accepted (through API 1) ----
    const periods = recentPeriods(2);
    const employers = await readyEmployers({ api: new ApiClient(apiA, operator.key), bureau, rng, seed: SEED, employers: 4, periods, poorShare: 0.25, concurrency: 2 });
    const plans = planPayments({ rng, employers, threeParty: 8, vouchers: 4, voucherPayShare: 0.5, voucherVoidShare: 0.5, voucherRaceShare: 0 });
    // Employers still to be added, declared for and voided while the faults happen.
    const late = (await bureau.expectOk<{ employers: { taxpayerId: string; unitNumber: string }[] }>('POST', '/admin/seed', { employers: 2, periods: periods.slice(-1), seed: SEED + 1 })).employers;
    log(`setup: ${employers.length} employers, ${plans.length} payments planned, ${late.length} employers to add under faults`);
    expect(plans.some((p) => p.employer.poor && p.method === 'three_party'), 'a payment of an employer with no balance yet').toBe(true);

    // The bureau loses the answers of the first two deductions (outcome unknown: asked for by
    // key, never sent again), fails one status query and loses one voucher issue's answer.
    const faults: FaultRule[] = [
      { operation: 'deduct', mode: 'unknown_outcome', times: 2 },
      { operation: 'deduction_status', mode: 'error', times: 1 },
      { operation: 'issue_voucher', mode: 'unknown_outcome', times: 1 },
    ];
    for (const rule of faults) await bureau.expectOk('POST', '/admin/faults', rule);

    const client = new RetryingClient([apiB, apiA], operator.key);
    const accepted = new Map<string, AcceptedPayment>();
    const refused: string[] = [];
    const voids: { declarationId: string; answer: number }[] = [];
    const lateDeclarations: string[] = [];


    const driveVoucher = async (a: AcceptedPayment) => {
      let voucher: { id: string; voucherNumber: string } | null = null;
      for (let i = 0; i < 240 && !voucher; i++) {
        const p = await client.expect<{ status: PaymentState; voucher: { id: string; voucherNumber: string } | null }>(200, 'GET', `/api/payments/${a.id}`);
        voucher = p.voucher;
        if (!voucher) await sleep(1000);
      }
      if (!voucher) {
        a.voucherOutcome = 'not_issued';
        return;
      }
      if (a.voucherAction === 'pay') {
        const paid = await bureau.request<{ state?: string }>('POST', `/admin/vouchers/${voucher.voucherNumber}/pay`);
        a.voucherOutcome = paid.status === 200 && paid.body.state === 'paid' ? 'paid_at_counter' : 'not_issued';
        return;
      }
      // Not voidable yet while the workflow has not taken the issue in (a worker died meanwhile).
      for (let i = 0; i < 60; i++) {
        const res = await client.request<{ detail?: string }>('POST', `/api/vouchers/${voucher.id}/void`, {}, `void-voucher-${a.id}-${i}`);
        if (res.status === 200) {
          a.voucherOutcome = 'voided';
          return;
        }
        if (!(res.status === 409 && /is issuing|being voided/.test(res.body.detail ?? ''))) {
          refused.push(`void voucher of ${a.id}: ${res.status} ${JSON.stringify(res.body)}`);
          a.voucherOutcome = 'void_refused';
          return;
        }
        await sleep(1000);
      }
    };

    const pay = async (plan: PlannedPayment, i: number, via = client) => {
      await sleep(i * 1500);
      const res = await via.request<{ id: string; workflowId: string }>('POST', `/api/employers/${plan.employer.id}/payments`, paymentBody(plan), `cluster-pay-${SEED}-${plan.n}`);
      if (res.status !== 202) {
        refused.push(`payment ${plan.n}: ${res.status} ${JSON.stringify(res.body)}`);
        return;
      }
      const a: AcceptedPayment = { id: res.body.id, workflowId: res.body.workflowId, method: plan.method, taxpayerId: plan.employer.taxpayerId, ...(plan.voucherAction ? { voucherAction: plan.voucherAction } : {}) };
      accepted.set(a.id, a);
      if (a.method === 'bank_voucher') await driveVoucher(a);
    };

    /** F-1, F-2 and F-5 for an employer added now: two declarations, the second voided. */
    const declareAndVoid = async (e: { taxpayerId: string; unitNumber: string }, i: number) => {
      await sleep(2000 + i * 6000);
      const k = (what: string) => `cluster-${SEED}-${e.taxpayerId}-${what}`;
      const { id } = await client.expect<{ id: string }>(201, 'POST', '/api/employers', { taxpayerId: e.taxpayerId, taxpayerIdConfirm: e.taxpayerId, unitNumber: e.unitNumber, password: initialPassword(e.unitNumber) }, k('add'));
      await client.expect(200, 'POST', `/api/employers/${id}/password`, { password: initialPassword(e.unitNumber), newPassword: CHAOS_PASSWORD, newPasswordConfirm: CHAOS_PASSWORD }, k('password'));
      await client.expect(200, 'POST', `/api/employers/${id}/sign-in`, { password: CHAOS_PASSWORD }, k('sign-in'));
      const { items } = await client.expect<{ items: { itemId: string }[] }>(200, 'GET', `/api/employers/${id}/fee-items?kind=regular`);
      const half = Math.ceil(items.length / 2);
      const declared = [];
      for (const [n, part] of [items.slice(0, half), items.slice(half)].entries()) {
        if (part.length === 0) continue;
        const d = await client.expect<{ id: string }>(202, 'POST', `/api/employers/${id}/declarations`, { kind: 'regular', itemIds: part.map((x) => x.itemId), headcountConfirmed: true }, k(`declare-${n}`));
        declared.push(d.id);
        lateDeclarations.push(d.id);
      }
      const last = declared.at(-1)!;
      for (let t = 0; t < 180; t++) {
        const d = await client.expect<{ status: string }>(200, 'GET', `/api/declarations/${last}`);
        if (d.status !== 'submitted') break;
        await sleep(1000);
      }
      const res = await client.request('POST', `/api/declarations/${last}/void`, {}, k('void'));
      voids.push({ declarationId: last, answer: res.status });
    };

    // ---- the faults, one of each, while the flows run ----
    const worker1 = cluster.workers[0]!;
    const api1 = cluster.apis[0]!;
    const pg = cluster.database.private!;
    const unexpected: string[] = [];
    // A supervisor (systemd, compose's restart policy) starts what exits by itself again, as
    // start:cluster does: the test says so, with the end of its output.
    cluster.restartOnExit((child, code, signal) => {
      // Its last words: the error lines of the end of its output.
      const tail = readFileSync(path.join(dir, 'logs', `${child.name}.log`), 'utf8').trim().split('\n').slice(-40);
      const said = tail.filter((line) => /error/i.test(line)).slice(0, 4);
      unexpected.push(`${child.name} exited by itself (${signal ?? code}): ${(said.length > 0 ? said : tail.slice(-3)).join(' | ').slice(0, 1200)}`);
    });
    // The API kill lands on a request in flight: the bureau holds the first payment's password
    // check for 5 s, and API 1 dies meanwhile, after it took the Idempotency-Key. The client sends
    // it again to API 2 with the same key.
    await bureau.expectOk('POST', '/admin/faults', { operation: 'verify_password', mode: 'delay', delayMs: 5000, times: 1 });
    const firstClient = new RetryingClient([apiA, apiB], operator.key);
    const [first, ...rest] = plans as [PlannedPayment, ...PlannedPayment[]];
    const inFlight = pay(first, 0, firstClient);
    await sleep(1500);
    log(`fault: SIGKILL ${api1.name} (process group ${api1.pid}) with a payment request in flight; clients go on with the other API`);
    await api1.kill();
    const faultsDone = (async () => {
      await sleep(4000);
      log(`fault: SIGKILL ${worker1.name} (process group ${worker1.pid})`);
      await worker1.kill();
      await sleep(4000);
      log('fault: SIGKILL the Temporal server, 2 s down');
      await cluster.temporal.kill();
      await sleep(2000);
      await cluster.temporal.start();
      log('fault: the Temporal server is back');
      await sleep(4000);
      log('fault: pg_ctl stop -m immediate, 2 s down');
      await pg.crash();
      await sleep(2000);
      await pg.start();
      log('fault: PostgreSQL is back (crash recovery done)');
      // The poor employers' deductions fail (余额不足) and wait for their retry; then they are topped up.
      const poor = new Set(employers.filter((x) => x.poor).map((x) => x.taxpayerId));
      const poorPayments = plans.filter((p) => poor.has(p.employer.taxpayerId) && p.method === 'three_party').length;
      for (let t = 0; t < 120; t++) {
        const mine = [...accepted.values()].filter((a) => poor.has(a.taxpayerId) && a.method === 'three_party');
        const states = await Promise.all(mine.map((a) => client.expect<{ status: PaymentState }>(200, 'GET', `/api/payments/${a.id}`)));
        if (mine.length === poorPayments && states.every((p) => p.status === 'awaiting_retry')) break;
        await sleep(1000);
      }
      for (const taxpayerId of poor) await bureau.expectOk('PATCH', `/admin/employers/${taxpayerId}`, { balanceFen: RICH_BALANCE_FEN });
      log(`the poor employers are topped up`);
      await sleep(3000);
      await Promise.all([worker1.start(), api1.start()]);
      log(`${worker1.name} and ${api1.name} started again`);
    })();
    await Promise.all([inFlight, inPool(rest, rest.length, (plan, i) => pay(plan, i)), inPool(late, late.length, declareAndVoid), faultsDone]);
    const faultsLeft = (await bureau.expectOk<{ faults: FaultRule[] }>('GET', '/admin/faults')).faults;
    await bureau.expectOk('DELETE', '/admin/faults');
    log(`flows answered: ${accepted.size} payments accepted, ${voids.length} voids sent; retries ${JSON.stringify(client.stats.retries)}, of the request in flight at the API kill ${JSON.stringify(firstClient.stats.retries)}`);

    // ---- settle: every payment and declaration final, every workflow closed ----
    const db = database.db;
    let open: string[] = [];
    for (let t = 0; t < 240; t++) {
      open = [];
      for (const a of accepted.values()) {
        const p = await client.expect<{ status: PaymentState }>(200, 'GET', `/api/payments/${a.id}`);
        if (!FINAL_PAYMENT_STATES.includes(p.status)) open.push(`payment ${a.id} ${p.status}`);
      }
      for (const id of lateDeclarations) {
        const d = await client.expect<{ status: string }>(200, 'GET', `/api/declarations/${id}`);
        if (d.status === 'submitted' || d.status === 'voiding') open.push(`declaration ${id} ${d.status}`);
      }
      // The webhook dispatcher runs for as long as the workers do (src/workflows/webhook-dispatcher.ts).
      const running = await temporal.workflow.count('ExecutionStatus = "Running" AND WorkflowType != "webhookDispatcherWorkflow"');
      if (open.length === 0 && running.count === 0) break;
      if (t % 15 === 0) log(`settle: ${open.length} not final, ${running.count} workflows running`);
      await sleep(1000);
    }

    // ---- the invariants ----
    const ledger = (await bureau.expectOk<{ entries: BureauLedgerEntry[] }>('GET', '/admin/ledger')).entries;
    const bureauState = await bureau.expectOk<BureauSnapshot>('GET', '/admin/state');
    const stats = [firstClient.stats, client.stats];
    const clients = {
      requests: stats.reduce((n, st) => n + st.requests, 0),
      retries: stats.reduce((n, st) => n + Object.values(st.retries).reduce((a, b) => a + b, 0), 0),
      inProgress: stats.reduce((n, st) => n + (st.retries['409 in progress'] ?? 0), 0),
      neverAnswered: stats.reduce((n, st) => n + st.unanswered.length, 0),
    };
    const result = await checkInvariants({ db, temporal, accepted, ledger, bureau: bureauState, clients });
    log(`checks: ${JSON.stringify(result.figures)}`);
    if (unexpected.length > 0) log(`unexpected exits:\n  ${unexpected.join('\n  ')}`);

    expect([...firstClient.stats.unanswered, ...client.stats.unanswered], 'every client request answered').toEqual([]);
    expect(refused, 'no flow refused').toEqual([]);
    expect(open, 'every payment and declaration final').toEqual([]);
    expect(result.violations).toEqual([]);
    expect(result.figures.paymentsLost).toBe(0);
    expect(result.figures.chargedTwice).toBe(0);
    expect(result.figures.orphanWorkflows).toBe(0);
    expect(result.figures.acceptedPayments).toBe(plans.length);
    expect(result.figures.reconciledPayments).toBe(result.figures.statuses.paid ?? 0);
    // The faults did happen: the bureau lost two deductions' answers (whether the workflow then
    // recorded them unknown or its retried activity asked first depends on the kills' timing), and
    // failed deductions were retried after the top-up.
    expect(faultsLeft.filter((r) => r.operation === 'deduct'), 'both lost deduction answers happened').toEqual([]);
    expect(Object.keys(result.figures.attempts).some((k) => k.startsWith('failed:'))).toBe(true);
    // Declarations and voids: every one final, every record with its workflow and back.
    expect(voids.map((v) => v.answer)).toEqual(late.map(() => 202));
    for (const id of lateDeclarations) {
      const d = await client.expect<{ status: string }>(200, 'GET', `/api/declarations/${id}`);
      expect(['accepted', 'voided', 'void_rejected', 'rejected']).toContain(d.status);
    }
    const workflowIds = new Set<string>();
    for await (const w of temporal.workflow.list()) workflowIds.add(w.workflowId);
    const records = await database.db.query.declarations.findMany({ columns: { id: true, workflowId: true } });
    const orphanRecords = records.filter((r) => !workflowIds.has(r.workflowId)).map((r) => r.id);
    expect(orphanRecords, 'declarations without a workflow').toEqual([]);

    // Every history replays against today's workflow code.
    const outcomes = await replayHistories(temporal.workflow.list().intoHistories(), { workflowBundle: await bundleWorkflows(), dataConverter: dataConverterFor(codecKeys) });
    expect(outcomes.length).toBeGreaterThan(plans.length);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    passed = true;
  }, 900_000);
});
