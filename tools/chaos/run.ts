// One chaos run: a whole service of its own (Temporal dev server on a file, a fresh PostgreSQL
// database, the mock bureau with a state file, the API and the worker as child processes),
// employers made ready through the API while the API is SIGKILLed once, then three-party and
// voucher payments started through the API while the API and the worker are SIGKILLed, the dev
// server crashes once, the bureau fails and loses answers, and poor employers are topped up. The
// clients send every unanswered request again with its Idempotency-Key, as real clients do.
// Afterwards: the invariants (checks.ts).
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { and, count as countRows, eq, isNull, lt } from 'drizzle-orm';
import postgres from 'postgres';
import { formatApiKeys, type ApiKey } from '../../src/api/api-keys';
import type { BureauLedgerEntry, FaultRule } from '../../src/bureau/contract';
import { mulberry32 } from '../../src/bureau/generate';
import { buildBureau } from '../../src/bureau/server';
import { dataConverterFor } from '../../src/codec/aes-gcm-codec';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db/client';
import { declarations, payments, vouchers, workflowStarts } from '../../src/db/schema';
import { FINAL_PAYMENT_STATES, type PaymentState } from '../../src/domain/payment';
import { checkInvariants, type AcceptedPayment, type BureauSnapshot, type CheckResult } from './checks';
import { ApiClient, BureauAdmin, type ClientStats } from './http';
import type { ChaosOptions } from './options';
import { API, DevServer, ServiceProcess, WorkerProcess, freePort, temporalCliPath, type Log } from './processes';
import { RICH_BALANCE_FEN, employersNeeded, inPool, planPayments, readyEmployers, recentPeriods, paymentBody, type PlannedPayment } from './setup';

export interface ChaosContext {
  /** A PostgreSQL URL allowed to create and drop databases (the run's own database is made there). */
  adminDatabaseUrl: string;
  log: Log;
  repoRoot?: string;
}

export interface ChaosReport {
  ok: boolean;
  seed: number;
  options: ChaosOptions;
  violations: string[];
  notes: string[];
  durationMs: number;
  phasesMs: { startup: number; setup: number; chaos: number; settle: number; checks: number };
  setup: { employers: number; poorEmployers: number; periods: string[]; declarations: number; payableLines: number };
  starts: {
    threeParty: number;
    vouchers: number;
    clients: ClientStats;
    duplicateProbes: number;
    duplicateLosers: Record<string, number>; // how the second of two simultaneous starts was answered
    refused: Record<string, number>;
    latencyMs: { p50: number; p95: number; max: number };
  };
  chaos: {
    faultRules: FaultRule[];
    workerKills: number;
    workerStarts: number;
    workerUnexpectedExits: number;
    workerStartMs: number[];
    apiKills: number;
    apiStartMs: number[];
    apiUnexpectedExits: number;
    /** Requests in flight at each API kill. */
    requestsCutOff: number[];
    /** After each API restart: from /health answering until the requests cut off are answered, every start recorded before it made and every declaration submitted before it decided. */
    resumedMs: number[];
    strayChromiums: number; // browsers still running 5 s after their worker was killed
    leftoverChromiumProfiles: number; // profile folders left in the worker's TMPDIR
    temporalRestarts: number;
    temporalDownMs: number | null;
    topUps: number;
    voucherOutcomes: Record<string, number>;
  };
  settle: { settled: boolean; waitedMs: number; unsettled: number };
  checks: CheckResult['figures'] | null;
  keptDir: string | null;
  databaseName: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const waitUntil = (t: number) => sleep(Math.max(0, t - Date.now()));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const count = (into: Record<string, number>, key: string) => {
  into[key] = (into[key] ?? 0) + 1;
};

/** The fault rules of a run: errors and lost answers on deduct, deduction_status and issue_voucher. */
export function faultRules(rate: number): FaultRule[] {
  if (rate <= 0) return [];
  const rules: FaultRule[] = [];
  for (const operation of ['deduct', 'deduction_status', 'issue_voucher'] as const) {
    rules.push({ operation, mode: 'error', rate }, { operation, mode: 'unknown_outcome', rate });
  }
  // A deduction that never reached the bureau's books but got no answer either: NOT_APPLIED.
  rules.push({ operation: 'deduct', mode: 'timeout', rate: rate / 2 });
  return rules;
}

export async function runChaos(options: ChaosOptions, ctx: ChaosContext): Promise<ChaosReport> {
  const started = Date.now();
  const log = ctx.log;
  const seed = options.seed || randomInt(1, 2 ** 31 - 1);
  const planRng = mulberry32(seed);
  const scheduleRng = mulberry32(seed ^ 0x9e3779b9);
  const repoRoot = ctx.repoRoot ?? fileURLToPath(new URL('../..', import.meta.url));
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'sifee-chaos-'));
  const workerTmp = path.join(dir, 'worker-tmp');
  mkdirSync(workerTmp, { recursive: true });
  const notes: string[] = [];
  const violations: string[] = [];
  const phasesMs = { startup: 0, setup: 0, chaos: 0, settle: 0, checks: 0 };
  let phaseStarted = Date.now();
  const endPhase = (name: keyof typeof phasesMs) => {
    phasesMs[name] = Date.now() - phaseStarted;
    phaseStarted = Date.now();
  };

  const report: ChaosReport = {
    ok: false,
    seed,
    options,
    violations,
    notes,
    durationMs: 0,
    phasesMs,
    setup: { employers: 0, poorEmployers: 0, periods: [], declarations: 0, payableLines: 0 },
    starts: { threeParty: 0, vouchers: 0, clients: { requests: 0, retries: 0, inProgress: 0, neverAnswered: 0 }, duplicateProbes: 0, duplicateLosers: {}, refused: {}, latencyMs: { p50: 0, p95: 0, max: 0 } },
    chaos: {
      faultRules: [],
      workerKills: 0,
      workerStarts: 0,
      workerUnexpectedExits: 0,
      workerStartMs: [],
      apiKills: 0,
      apiStartMs: [],
      apiUnexpectedExits: 0,
      requestsCutOff: [],
      resumedMs: [],
      strayChromiums: 0,
      leftoverChromiumProfiles: 0,
      temporalRestarts: 0,
      temporalDownMs: null,
      topUps: 0,
      voucherOutcomes: {},
    },
    settle: { settled: false, waitedMs: 0, unsettled: 0 },
    checks: null,
    keptDir: null,
    databaseName: `sifee_chaos_${runId}`,
  };

  // ---- startup: everything on 127.0.0.1, on ports free now ----
  log(`seed ${seed}; working in ${dir}`);
  const [temporalPort, uiPort] = [await freePort(), await freePort()];
  const devServer = new DevServer(temporalCliPath(repoRoot), path.join(dir, 'temporal.db'), temporalPort, uiPort, path.join(dir, 'temporal.log'), log);
  let worker: WorkerProcess | undefined;
  let apiProcess: ServiceProcess | undefined;
  const killChildren = () => {
    worker?.killSync();
    apiProcess?.killSync();
    devServer.killSync();
  };
  process.once('exit', killChildren);

  const admin = postgres(ctx.adminDatabaseUrl, { max: 1, onnotice: () => {} });
  let database: Database | undefined;
  let databaseCreated = false;
  const closers: (() => Promise<unknown>)[] = [];
  try {
    await devServer.start();
    log(`temporal: dev server on ${devServer.address} (${path.join(dir, 'temporal.db')})`);

    // Databases of runs that died before their teardown, a few hours old.
    const stale = await admin<{ datname: string }[]>`select datname from pg_database where datname like 'sifee_chaos_%'`;
    for (const { datname } of stale) {
      const at = parseInt(datname.split('_')[2] ?? '', 36);
      if (Number.isFinite(at) && Date.now() - at > 3 * 3600_000) await admin.unsafe(`drop database if exists "${datname}" with (force)`).catch(() => {});
    }
    await admin.unsafe(`create database "${report.databaseName}"`);
    databaseCreated = true;
    const databaseUrl = new URL(ctx.adminDatabaseUrl);
    databaseUrl.pathname = `/${report.databaseName}`;
    database = await openDatabase({ url: databaseUrl.toString(), dataDir: '' });
    await database.migrate();
    const db = database.db;

    const bureauServer = await buildBureau({ stateFile: path.join(dir, 'bureau', 'state.json'), resultDelayMs: 200 });
    await bureauServer.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => bureauServer.close());
    const bureauAddress = bureauServer.server.address();
    const bureauUrl = `http://127.0.0.1:${typeof bureauAddress === 'object' && bureauAddress ? bureauAddress.port : 0}`;
    const bureauAdmin = new BureauAdmin(bureauUrl);

    const operator: ApiKey = { name: 'chaos', role: 'operator', key: `chaos_${randomBytes(18).toString('base64url')}` };
    const codecKeys = `chaos1:${randomBytes(32).toString('base64')}`;
    const apiPort = await freePort();
    // The worker and the API get these as their environment; this process reads the same through loadConfig.
    const serviceEnv: Record<string, string> = {
      DATABASE_URL: databaseUrl.toString(),
      PAYLOAD_CODEC_KEYS: codecKeys,
      TEMPORAL_ADDRESS: devServer.address,
      TEMPORAL_NAMESPACE: 'default',
      BUREAU_URL: bureauUrl,
      TASK_QUEUE: 'chaos',
      DATA_DIR: path.join(dir, 'data'),
      API_KEYS: formatApiKeys([operator]),
      PAYMENT_RETRY_SCHEDULE: options.retrySchedule,
      DEDUCTION_STATUS_POLL_SECONDS: String(options.deductionStatusPollSeconds),
      VOUCHER_POLL_SECONDS: String(options.voucherPollSeconds),
      RESULT_WAIT_SECONDS: '1',
      RESULT_POLL_FIRST_SECONDS: '1',
      RESULT_POLL_MAX_SECONDS: '2',
      SIGN_IN_MINUTES: '600',
      RATE_LIMIT_PER_MINUTE: '1000000',
      PORT: String(apiPort),
      // A key whose request died is taken over after this (30 s by default): the clients meet 409 IDEMPOTENCY_IN_PROGRESS until then.
      IDEMPOTENCY_LEASE_SECONDS: '10',
      LOG_LEVEL: 'info',
    };
    const config = loadConfig(serviceEnv);
    const dataConverter = dataConverterFor(codecKeys);
    const connection = await Connection.connect({ address: devServer.address });
    closers.unshift(() => connection.close());
    const temporal = new Client({ connection, namespace: config.temporalNamespace, dataConverter });
    const api = new ApiClient(`http://127.0.0.1:${apiPort}`, operator.key);
    report.starts.clients = api.stats;
    apiProcess = new ServiceProcess(API, { repoRoot, env: { ...process.env, ...serviceEnv }, logPath: path.join(dir, 'api.log'), log });
    const apiP = apiProcess;
    await apiP.start();
    log(`bureau ${bureauUrl}, API ${api.baseUrl} (process group ${apiP.pid}, started in ${apiP.startMs.at(-1)} ms), database ${report.databaseName}`);

    worker = new WorkerProcess({ repoRoot, env: { ...process.env, ...serviceEnv }, logPath: path.join(dir, 'worker.log'), tmpDir: workerTmp, log });
    const w = worker;
    await w.start();
    log(`worker: running (process group ${w.pid}, started in ${w.startMs.at(-1)} ms)`);
    endPhase('startup');

    /**
     * Until every request the kill cut off is answered, and every start recorded and every
     * declaration submitted before `before` has moved on: the work of a dead API resumed.
     */
    const resumed = async (before: Date, cutOff: ReturnType<ApiClient['inFlight']>) => {
      const since = Date.now();
      const slow: string[] = [];
      await Promise.all(cutOff.map(({ what, answered }) => answered.then(() => Date.now() - since > 10_000 && slow.push(`${what} after ${((Date.now() - since) / 1000).toFixed(1)} s`))));
      if (slow.length > 0) log(`api: cut off by a kill and answered late: ${slow.join('; ')}`);
      for (;;) {
        const [[starts], [waiting]] = await Promise.all([
          db.select({ n: countRows() }).from(workflowStarts).where(and(isNull(workflowStarts.startedAt), lt(workflowStarts.createdAt, before))),
          db.select({ n: countRows() }).from(declarations).where(and(eq(declarations.status, 'submitted'), lt(declarations.declaredAt, before))),
        ]);
        if (starts?.n === 0 && waiting?.n === 0) return Date.now() - since;
        if (Date.now() - since > options.settleSeconds * 1000) {
          violations.push(`work recorded before an API restart had not resumed ${options.settleSeconds} s after it (${starts?.n} starts, ${waiting?.n} declarations waiting)`);
          return Date.now() - since;
        }
        await sleep(250);
      }
    };
    const resumes: Promise<void>[] = [];
    /** SIGKILL to the API, started again at once; how long its recorded work takes to resume is measured on the side. */
    const killApi = async () => {
      const cutOff = api.inFlight();
      await apiP.kill();
      await apiP.whenRunning();
      while ((await fetch(`${api.baseUrl}/health`).then((r) => r.status, () => 0)) !== 200) await sleep(100);
      const healthAt = new Date();
      log(`api: serving again (process group ${apiP.pid}, started in ${apiP.startMs.at(-1)} ms); the kill cut off ${cutOff.length} requests`);
      report.chaos.requestsCutOff.push(cutOff.length);
      resumes.push(resumed(healthAt, cutOff).then((ms) => void report.chaos.resumedMs.push(ms)));
    };

    // ---- setup: employers ready, their declarations accepted ----
    const total = options.threeParty + options.vouchers;
    const periods = recentPeriods(options.periods);
    const employerCount = employersNeeded(total, options.periods);
    // The setup's API kill falls after a random number of its declarations were recorded.
    const declarationsPlanned = employerCount * options.periods;
    const setupKillAfter = 1 + Math.floor(scheduleRng() * (declarationsPlanned / 2));
    let setupDone = false;
    const setupKiller = (async () => {
      if (options.setupApiKills < 1) return;
      for (;;) {
        const [recorded] = await db.select({ n: countRows() }).from(declarations);
        if ((recorded?.n ?? 0) >= setupKillAfter) break;
        if (setupDone) return;
        await sleep(50);
      }
      log(`setup: killing the API after ${setupKillAfter} of ${declarationsPlanned} declarations were recorded`);
      await killApi();
    })();
    const employers = await readyEmployers({ api, bureau: bureauAdmin, rng: planRng, seed, employers: employerCount, periods, poorShare: options.poorShare, concurrency: 4 }).finally(() => {
      setupDone = true;
    });
    await setupKiller;
    const plans = planPayments({ rng: planRng, employers, ...options });
    const duplicateAt = new Set(plans.filter(() => planRng() < options.duplicateShare).map((p) => p.n));
    const poor = employers.filter((e) => e.poor);
    Object.assign(report.setup, {
      employers: employers.length,
      poorEmployers: poor.length,
      periods,
      declarations: employers.reduce((n, e) => n + e.declarationIds.length, 0),
      payableLines: employers.reduce((n, e) => n + e.payables.length, 0),
    });
    log(`setup: ${employers.length} employers (${poor.length} with no balance yet), ${report.setup.declarations} declarations accepted, ${report.setup.payableLines} payable lines; ${plans.length} payments planned`);
    endPhase('setup');

    // ---- chaos ----
    const W = options.chaosSeconds * 1000;
    const chaosStart = Date.now();
    // Kills end before the window does: an activity a killed worker held is tried again only after
    // its start-to-close timeout (a minute; two for a voucher print), which then overlaps the rest.
    const killsUntil = Math.max(0.1, options.killsUntil);
    const killTimes = Array.from({ length: options.workerKills }, () => (0.1 + (killsUntil - 0.1) * scheduleRng()) * W).sort((a, b) => a - b);
    const apiKillTimes = Array.from({ length: options.apiKills }, () => (0.1 + (killsUntil - 0.1) * scheduleRng()) * W).sort((a, b) => a - b);
    const temporalAt = (0.4 + 0.2 * scheduleRng()) * W;
    const temporalDownMs = 1000 + Math.round(2000 * scheduleRng());
    const topUpAt = poor.map(() => (0.2 + 0.65 * scheduleRng()) * W);
    const voucherDelay = plans.map(() => scheduleRng() * Math.min(0.15 * W, 20_000));
    let giveUpAt = Number.POSITIVE_INFINITY; // set when settling starts: voucher drivers stop waiting then

    report.chaos.faultRules = faultRules(options.faultRate);
    for (const rule of report.chaos.faultRules) await bureauAdmin.expectOk('POST', '/admin/faults', rule);
    log(`chaos: ${W / 1000} s window; faults ${report.chaos.faultRules.map((r) => `${r.operation}:${r.mode}@${r.rate}`).join(' ')}`);

    const accepted = new Map<string, AcceptedPayment>();
    let unexpectedLoser: string | undefined;
    const latencies: number[] = [];
    const voucherDrivers: Promise<void>[] = [];


    const postPayment = async (plan: PlannedPayment) => {
      const t = Date.now();
      const res = await api.post<{ id?: string; workflowId?: string; code?: string }>(`/api/employers/${plan.employer.id}/payments`, paymentBody(plan));
      latencies.push(Date.now() - t);
      return res;
    };

    const accept = (plan: PlannedPayment, body: { id?: string; workflowId?: string }) => {
      const a: AcceptedPayment = {
        id: body.id!,
        workflowId: body.workflowId!,
        method: plan.method,
        taxpayerId: plan.employer.taxpayerId,
        ...(plan.voucherAction ? { voucherAction: plan.voucherAction } : {}),
      };
      accepted.set(a.id, a);
      if (plan.method === 'three_party') report.starts.threeParty++;
      else {
        report.starts.vouchers++;
        voucherDrivers.push(driveVoucher(a, voucherDelay[plan.n] ?? 0));
      }
    };

    /** Starts one planned payment through the API (the client sends it again until answered). */
    const startPayment = async (plan: PlannedPayment) => {
      const duplicate = duplicateAt.has(plan.n);
      const answers = await Promise.all(duplicate ? [postPayment(plan), postPayment(plan)] : [postPayment(plan)]);
      const ok = answers.filter((a) => a.status === 202);
      if (duplicate) {
        report.starts.duplicateProbes++;
        if (ok.length === 2) violations.push(`lines held twice: the same lines of employer ${plan.employer.id} were accepted in two payments (${ok.map((a) => a.body.id).join(', ')})`);
        if (ok.length === 1) {
          const loser = answers.find((a) => a.status !== 202)!;
          count(report.starts.duplicateLosers, `${loser.status} ${loser.body.code ?? ''}`.trim());
          if ((loser.status !== 409 || loser.body.code !== 'LINES_NOT_PAYABLE') && !unexpectedLoser) {
            unexpectedLoser = `${loser.status} ${JSON.stringify(loser.body)}`;
            notes.push(`the second of two simultaneous starts of the same lines was answered ${unexpectedLoser}, not 409 LINES_NOT_PAYABLE (the lines stayed held once: see duplicate starts)`);
          }
        }
      }
      for (const a of ok) accept(plan, a.body);
      if (ok.length > 0) return;
      for (const a of answers) count(report.starts.refused, `${a.status} ${a.body.code ?? ''}`.trim());
      notes.push(`payment ${plan.n} of employer ${plan.employer.id} was refused: ${answers.map((a) => `${a.status} ${JSON.stringify(a.body)}`).join('; ')}`);
    };

    /** Waits for the voucher to be issued, then pays it at the counter, voids it, both at once, or leaves it. */
    async function driveVoucher(a: AcceptedPayment, delayMs: number): Promise<void> {
      let voucher: { id: string; voucherNumber: string } | undefined;
      for (;;) {
        const res = await api.get<{ status: PaymentState; voucher: { id: string; voucherNumber: string } | null }>(`/api/payments/${a.id}`);
        if (res?.status === 200 && res.body.voucher) {
          voucher = res.body.voucher;
          break;
        }
        if ((res?.status === 200 && FINAL_PAYMENT_STATES.includes(res.body.status)) || Date.now() > giveUpAt) {
          a.voucherOutcome = 'not_issued';
          return;
        }
        await sleep(1000);
      }
      await sleep(delayMs);
      const payAtCounter = async () => {
        const res = await bureauAdmin.request<{ state?: string; code?: string }>('POST', `/admin/vouchers/${voucher.voucherNumber}/pay`);
        return res.status === 200 && res.body.state === 'paid';
      };
      const voidIt = async (racing: boolean): Promise<'voided' | 'void_refused'> => {
        for (let attempt = 1; attempt <= 20; attempt++) {
          const res = await api.post<{ status?: string; code?: string; detail?: string }>(`/api/vouchers/${voucher.id}/void`);
          if (res.status === 200) return 'voided';
          // Not yet: the workflow has not taken in the issue (a worker was killed after the bureau
          // issued it), or an earlier void that timed out here is still going through.
          const notYet = res.status === 409 && /is issuing|being voided/.test(res.body.detail ?? '');
          if (res.status === 409 && !notYet) {
            const [row] = await db.select({ status: payments.status }).from(payments).where(eq(payments.id, a.id));
            if (row?.status === 'voucher_voided') return 'voided';
            // Racing the counter, losing is one of the two right answers.
            if (!racing) notes.push(`voiding the voucher of ${a.id} was refused: ${res.body.detail ?? res.body.code} (payment ${row?.status})`);
            return 'void_refused';
          }
          await sleep(2000);
        }
        return 'void_refused';
      };
      switch (a.voucherAction) {
        case 'pay':
          a.voucherOutcome = (await payAtCounter()) ? 'paid_at_counter' : 'not_issued';
          if (a.voucherOutcome !== 'paid_at_counter') notes.push(`voucher ${voucher.voucherNumber} of ${a.id} could not be paid at the counter`);
          break;
        case 'void':
          a.voucherOutcome = await voidIt(false);
          break;
        case 'race':
          await Promise.all([payAtCounter(), voidIt(true)]);
          a.voucherOutcome = 'raced';
          break;
        default:
          a.voucherOutcome = 'left';
      }
      count(report.chaos.voucherOutcomes, a.voucherOutcome);
    }

    const spacing = (0.7 * W) / Math.max(1, plans.length);
    const starter = inPool(plans, options.startConcurrency, async (plan, i) => {
      await waitUntil(chaosStart + i * spacing);
      await startPayment(plan);
    });
    const killer = (async () => {
      for (const t of killTimes) {
        await waitUntil(chaosStart + t);
        await w.whenRunning();
        await sleep(2000 + Math.random() * 2000); // let it take work first
        await w.killAndRestart();
      }
    })();
    const apiKiller = (async () => {
      for (const t of apiKillTimes) {
        await waitUntil(chaosStart + t);
        await apiP.whenRunning();
        await sleep(1000 + Math.random() * 2000); // let it take requests first
        // Under load: at a moment a request is in flight (waiting at most 5 s for one).
        for (let waited = 0; waited < 5000 && api.inFlight().length === 0; waited += 20) await sleep(20);
        await killApi();
      }
    })();
    const restarter = (async () => {
      if (options.temporalRestarts < 1) return;
      await waitUntil(chaosStart + temporalAt);
      const t = Date.now();
      await devServer.crashAndRestart(temporalDownMs);
      report.chaos.temporalDownMs = Date.now() - t;
    })();
    const topUps = Promise.all(
      poor.map(async (e, i) => {
        await waitUntil(chaosStart + (topUpAt[i] ?? 0));
        await bureauAdmin.expectOk('PATCH', `/admin/employers/${e.taxpayerId}`, { balanceFen: RICH_BALANCE_FEN });
        report.chaos.topUps++;
      }),
    );
    const progress = setInterval(() => {
      log(`chaos: ${Math.round((Date.now() - chaosStart) / 1000)} s, ${accepted.size}/${plans.length} payments accepted, worker kills ${w.kills}, API kills ${apiP.kills}, temporal restarts ${devServer.restarts}`);
    }, 15_000);
    try {
      await Promise.all([starter, killer, apiKiller, restarter, topUps]);
      await waitUntil(chaosStart + W);
    } finally {
      clearInterval(progress);
    }
    await bureauAdmin.expectOk('DELETE', '/admin/faults');
    log(`chaos: over after ${Math.round((Date.now() - chaosStart) / 1000)} s; faults cleared; ${accepted.size} payments accepted`);
    endPhase('chaos');

    // ---- settle: every payment final, or awaiting as the run left it ----
    const settleStart = Date.now();
    giveUpAt = settleStart + options.settleSeconds * 1000;
    await w.whenRunning();
    const settledOne = (status: string, a: AcceptedPayment, hasVoucher: boolean) =>
      FINAL_PAYMENT_STATES.includes(status as PaymentState) ||
      (status === 'voucher_issued' && hasVoucher && a.voucherOutcome !== undefined && a.voucherOutcome !== 'raced' && a.voucherOutcome !== 'paid_at_counter' && a.voucherOutcome !== 'voided');
    let lastLog = 0;
    for (;;) {
      const rows = await db.select({ id: payments.id, status: payments.status }).from(payments);
      const withVoucher = new Set((await db.select({ paymentId: vouchers.paymentId }).from(vouchers)).map((v) => v.paymentId));
      const unsettled = rows.filter((r) => {
        const a = accepted.get(r.id);
        return a !== undefined && !settledOne(r.status, a, withVoucher.has(r.id));
      });
      const driversDone = voucherDrivers.length === [...accepted.values()].filter((a) => a.method === 'bank_voucher' && a.voucherOutcome !== undefined).length;
      report.settle.unsettled = unsettled.length;
      if (unsettled.length === 0 && driversDone && rows.length >= accepted.size) {
        report.settle.settled = true;
        break;
      }
      if (Date.now() > giveUpAt) break;
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        const by: Record<string, number> = {};
        unsettled.forEach((r) => count(by, r.status));
        log(`settle: ${unsettled.length} payments not settled yet ${JSON.stringify(by)}`);
      }
      await sleep(1000);
    }
    // A final record and its workflow's completion are two steps: give the workflows a moment to close.
    const finalIds = (await db.select({ id: payments.id, status: payments.status }).from(payments))
      .filter((r) => FINAL_PAYMENT_STATES.includes(r.status as PaymentState))
      .map((r) => accepted.get(r.id)?.workflowId)
      .filter((id): id is string => id !== undefined);
    await inPool(finalIds, 8, async (workflowId) => {
      while (Date.now() < giveUpAt) {
        const status = await temporal.workflow.getHandle(workflowId).describe().then((d) => d.status.name, () => 'UNKNOWN');
        if (status !== 'RUNNING') return;
        await sleep(1000);
      }
    });
    report.settle.waitedMs = Date.now() - settleStart;
    if (!report.settle.settled) notes.push(`${report.settle.unsettled} payments had not settled after ${options.settleSeconds} s`);
    log(`settle: ${report.settle.settled ? 'every payment settled' : `${report.settle.unsettled} not settled`} after ${Math.round(report.settle.waitedMs / 1000)} s`);
    endPhase('settle');

    // ---- checks ----
    await Promise.all(resumes);
    const ledger = (await bureauAdmin.expectOk<{ entries: BureauLedgerEntry[] }>('GET', '/admin/ledger')).entries;
    const bureauState = await bureauAdmin.expectOk<BureauSnapshot>('GET', '/admin/state');
    const result = await checkInvariants({ db, temporal, accepted, ledger, bureau: bureauState, clients: api.stats });
    violations.push(...result.violations);
    report.checks = result.figures;
    endPhase('checks');

    Object.assign(report.chaos, {
      workerKills: w.kills,
      workerStarts: w.starts,
      workerUnexpectedExits: w.unexpectedExits,
      workerStartMs: w.startMs,
      apiKills: apiP.kills,
      apiStartMs: apiP.startMs,
      apiUnexpectedExits: apiP.unexpectedExits,
      temporalRestarts: devServer.restarts,
    });
    const sorted = [...latencies].sort((a, b) => a - b);
    report.starts.latencyMs = { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? 0 };
    if (w.kills < options.workerKills) violations.push(`only ${w.kills} of ${options.workerKills} worker kills happened`);
    if (apiP.kills < options.apiKills + options.setupApiKills) violations.push(`only ${apiP.kills} of ${options.apiKills + options.setupApiKills} API kills happened`);
    if (devServer.restarts < options.temporalRestarts) violations.push('the Temporal dev server was not restarted');
  } catch (err) {
    violations.push(`the run failed: ${(err as Error).stack ?? String(err)}`);
  } finally {
    await apiProcess?.stop().catch((err: unknown) => notes.push(`stopping the API: ${String(err)}`));
    await worker?.stop().catch((err: unknown) => notes.push(`stopping the worker: ${String(err)}`));
    if (worker) {
      report.chaos.strayChromiums = worker.strayChromiums;
      report.chaos.leftoverChromiumProfiles = worker.leftoverProfiles();
    }
    for (const close of closers) await close().catch((err: unknown) => notes.push(`closing: ${String(err)}`));
    await devServer.stop().catch((err: unknown) => notes.push(`stopping Temporal: ${String(err)}`));
    process.removeListener('exit', killChildren);
    await database?.close().catch(() => {});
    if (databaseCreated && !options.keep) await admin.unsafe(`drop database if exists "${report.databaseName}" with (force)`).catch((err: unknown) => notes.push(`dropping the database: ${String(err)}`));
    await admin.end().catch(() => {});
    report.ok = violations.length === 0;
    if (options.keep || !report.ok) report.keptDir = dir;
    else rmSync(dir, { recursive: true, force: true });
    report.durationMs = Date.now() - started;
  }
  return report;
}
