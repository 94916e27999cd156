// (j) A month for N employers (`npm run bench -- month --employers N`, default 1,000): the guide's
// timings (RESULT_WAIT_SECONDS=20, the bureau deciding in 3 s), a bureau budget of 20 requests a
// second, one POST /api/declaration-batches for the month. The worker and the API run as separate
// processes (src/worker/main.ts, src/api/main.ts, as `npm run worker` and `npm run api` start
// them), each one's RSS sampled from /proc. Employers are added the fast way: at the bureau through
// its admin seed, here straight into the database (through the API each one would need its
// password changed first), which is not what is measured.
//
// `--hold`: memory with every declaration in flight instead. The declarations wait an hour for
// their results (RESULT_WAIT_SECONDS=3600), so once the batch has submitted them all, all N are in
// flight at once; the processes' RSS is sampled until then and 30 s after. `--budget N` sets the
// bureau budget (e.g. higher, to get there sooner: the budget is not what this measures).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { insertEmployer } from '../src/db/employers';
import { batchDeclarationId } from '../src/domain/batch';
import { log, pool, round, type BenchEnv, type BenchResult } from './env';
import { WORKER_NODE_ARGS } from '../src/worker/heap';
import { freePort, launch, rssMb, serviceEnv as serviceEnvOf, stop, untilRunning } from './processes';

const DEFAULT_EMPLOYERS = 1000;
const BUDGET = 20; // requests a second to the bureau
const HOLD_SECONDS = 30;
const RESULT_DELAY_MS = 3000; // the bureau decides in 3 s
const TARGET_PER_SECOND = 4;
const WORKER_LIMIT_MB = 600;
const API_LIMIT_MB = 300;
const TASK_QUEUE = 'bench-month';
const OPERATOR_KEY = 'bench-month-operator-key-0123456789';

/** The options that take a value, for bench/run.ts to tell them from benchmark names. */
export const MONTH_OPTIONS = ['--employers', '--budget'];

function numberOption(name: string, fallback: number, argv = process.argv): number {
  const i = argv.indexOf(name);
  const n = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, got ${argv[i + 1]}`);
  return n;
}

/** `--employers N` from the command line (npm run bench -- month --employers 10000). */
export function monthEmployers(argv = process.argv): number {
  return numberOption('--employers', Number(process.env.BENCH_MONTH_EMPLOYERS ?? DEFAULT_EMPLOYERS), argv);
}

/** Generous: the target pace (4/s) three times over, plus setting up. */
export function monthLimitSeconds(argv = process.argv): number {
  return 600 + Math.ceil((monthEmployers(argv) / TARGET_PER_SECOND) * 3);
}

/** The month before today's, in China: what is declared this month. */
function lastMonth(now = new Date()): string {
  const china = new Date(now.getTime() + 8 * 3600_000);
  const d = new Date(Date.UTC(china.getUTCFullYear(), china.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

export async function benchMonth(env: BenchEnv): Promise<BenchResult> {
  const n = monthEmployers();
  const hold = process.argv.includes('--hold');
  const budget = numberOption('--budget', BUDGET);
  const period = lastMonth();
  await fetch(`${env.bureauUrl}/admin/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resultDelayMs: RESULT_DELAY_MS }) });

  log(`month: ${n} employers for ${period} (bureau admin seed, then straight into our database)`);
  const t = performance.now();
  await env.admin('/admin/seed', { employers: n, periods: [period] });
  type Known = { taxpayerId: string; unitNumber: string; name: string; taxOfficeCode: string; taxOfficeName: string };
  const known = (await env.admin('/admin/employers')).employers as Known[];
  await pool(known.length, 10, async (i) => {
    const e = known[i]!;
    await insertEmployer(env.database.db, { id: randomUUID(), taxpayerId: e.taxpayerId, unitNumber: e.unitNumber, name: e.name, taxOfficeCode: e.taxOfficeCode, taxOfficeName: e.taxOfficeName, passwordChangeRequired: false }, 'bench');
  });
  log(`month: ${known.length} employers ready in ${((performance.now() - t) / 1000).toFixed(0)} s`);

  const dataDir = mkdtempSync(path.join(tmpdir(), 'sifee-bench-month-'));
  const port = await freePort();
  const serviceEnv: NodeJS.ProcessEnv = {
    ...serviceEnvOf(env, { taskQueue: TASK_QUEUE, dataDir, operatorKey: OPERATOR_KEY, port }),
    BUREAU_MAX_REQUESTS_PER_SECOND: String(budget),
    RESULT_WAIT_SECONDS: hold ? '3600' : '20',
  };
  const worker = launch('worker', 'src/worker/main.ts', serviceEnv, path.join(dataDir, 'worker.log'), WORKER_NODE_ARGS);
  const api = launch('api', 'src/api/main.ts', serviceEnv, path.join(dataDir, 'api.log'));
  const procs = [worker, api];
  const sampler = setInterval(() => {
    for (const p of procs) p.peakMb = Math.max(p.peakMb, rssMb(p.child.pid!) ?? 0);
  }, 250);
  const apiUrl = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' };
  let keepLogs = true; // until the month went through: the processes' logs are there
  try {
    await untilRunning(apiUrl, path.join(dataDir, 'worker.log'));
    const idle = { worker: rssMb(worker.child.pid!), api: rssMb(api.child.pid!) };
    for (const p of procs) p.peakMb = 0; // from the batch on: starting up (bundling, migrating) is not the month
    log(`month: worker and API running (RSS ${idle.worker?.toFixed(0)} MB, ${idle.api?.toFixed(0)} MB); one batch for all`);

    // The mock bureau runs in this process: how late its event loop was tells how exact its clock of arrivals is.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const startedAt = Date.now();
    const res = await fetch(`${apiUrl}/api/declaration-batches`, { method: 'POST', headers, body: JSON.stringify({ period, headcountConfirmed: true }) });
    if (res.status !== 202) throw new Error(`POST /api/declaration-batches: ${res.status} ${await res.text()}`);
    const batch = (await res.json()) as { id: string; workflowId: string };

    // Decisions recorded, from the database; the batch's status, through the API.
    const decidedOf = async () => {
      const [row] = (await env.database.db.execute(
        sql`select count(*) filter (where decided_at is not null)::int as decided, count(*)::int as declared from declarations where id like ${`${batch.id}-%`}`,
      )) as unknown as { decided: number; declared: number }[];
      return row!;
    };
    const timeline: { s: number; decided: number }[] = [];
    let progress: Record<string, number> = {};
    let lastLog = 0;
    for (;;) {
      const list = (await (await fetch(`${apiUrl}/api/declaration-batches?limit=1`, { headers })).json()) as { batches: { id: string; status: string; progress: Record<string, number> }[] };
      const view = list.batches.find((b) => b.id === batch.id)!;
      progress = view.progress;
      const { decided } = await decidedOf();
      const s = (Date.now() - startedAt) / 1000;
      timeline.push({ s, decided });
      if (s - lastLog >= 15) {
        lastLog = s;
        log(`month: ${s.toFixed(0)} s: ${decided} decided, progress ${JSON.stringify(progress)}; RSS worker ${rssMb(worker.child.pid!)?.toFixed(0)} MB, API ${rssMb(api.child.pid!)?.toFixed(0)} MB`);
      }
      if (view.status === 'completed') break;
      if (hold && progress.declaring! > 0 && progress.declaring! + progress.done! + progress.skipped! + progress.failed! === n) break;
      if (worker.child.exitCode !== null || api.child.exitCode !== null) throw new Error(`month: a process exited (see ${dataDir})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const completedS = (Date.now() - startedAt) / 1000;
    lag.disable();
    if (hold) {
      await new Promise((r) => setTimeout(r, HOLD_SECONDS * 1000));
      keepLogs = false;
      const inFlight = progress.declaring!;
      log(`month: ${inFlight} declarations in flight after ${completedS.toFixed(0)} s; peak RSS worker ${worker.peakMb.toFixed(0)} MB, API ${api.peakMb.toFixed(0)} MB`);
      return {
        name: `(j) ${inFlight.toLocaleString('en')} declarations in flight`,
        measure: 'peak RSS of the worker and of the API',
        ours: `worker ${worker.peakMb.toFixed(0)} MB, API ${api.peakMb.toFixed(0)} MB`,
        baseline: `${WORKER_LIMIT_MB} MB, ${API_LIMIT_MB} MB (the limits)`,
        ratio: round(Math.max(worker.peakMb / WORKER_LIMIT_MB, api.peakMb / API_LIMIT_MB)),
        target: `worker ≤ ${WORKER_LIMIT_MB} MB, API ≤ ${API_LIMIT_MB} MB`,
        met: worker.peakMb <= WORKER_LIMIT_MB && api.peakMb <= API_LIMIT_MB && inFlight >= 0.9 * n,
        details: [
          `One batch for ${n.toLocaleString('en')} employers (seeded as for the month), its declarations waiting an hour for their results (RESULT_WAIT_SECONDS=3600), BUREAU_MAX_REQUESTS_PER_SECOND=${budget}: all ${inFlight.toLocaleString('en')} declarations submitted and waiting ${completedS.toFixed(0)} s after the POST (${(inFlight / completedS).toFixed(1)}/s); held ${HOLD_SECONDS} s more.`,
          `**Peak RSS from the POST to the end of the hold: worker ${worker.peakMb.toFixed(0)} MB, API ${api.peakMb.toFixed(0)} MB** (idle before: ${idle.worker?.toFixed(0)} MB, ${idle.api?.toFixed(0)} MB); WORKER_MAX_CACHED_WORKFLOWS=${process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 'default'}.`,
        ],
      };
    }

    // When each decision was recorded here (decided_at is the bureau's moment, updated_at ours).
    const [times] = (await env.database.db.execute(
      sql`select count(*)::int as decided, extract(epoch from max(updated_at))::float8 as last from declarations where id like ${`${batch.id}-%`} and decided_at is not null`,
    )) as unknown as { decided: number; last: number }[];
    const decided = times!.decided;
    const toLast = times!.last - startedAt / 1000;
    const overall = decided / toLast;
    // Sustained: between the 10th and the 90th percent of the decisions, past the first wait.
    const at = (share: number) => timeline.find((p) => p.decided >= share * decided)!;
    const [p10, p90] = [at(0.1), at(0.9)];
    const sustained = (p90.decided - p10.decided) / (p90.s - p10.s);

    // The largest histories: every run of the batch, and a sample of its declarations.
    const histories: { kind: string; events: number; bytes: number }[] = [];
    for await (const run of env.temporal.workflow.list({ query: `WorkflowId = '${batch.workflowId}'` })) {
      const d = await env.temporal.workflow.getHandle(run.workflowId, run.runId).describe();
      histories.push({ kind: 'batch run', events: d.historyLength, bytes: d.historySize ?? 0 });
    }
    for (let k = 0; k < n; k += Math.max(1, Math.floor(n / 50))) {
      const d = await env.temporal.workflow.getHandle(`declaration-${batchDeclarationId(batch.id, k)}`).describe().catch(() => undefined);
      if (d) histories.push({ kind: 'declaration', events: d.historyLength, bytes: d.historySize ?? 0 });
    }
    const largest = (kind: string) => histories.filter((h) => h.kind === kind).reduce((a, b) => (b.bytes > a.bytes ? b : a), { kind, events: 0, bytes: 0 });
    const batchRuns = histories.filter((h) => h.kind === 'batch run').length;
    const [largestRun, largestDeclaration] = [largest('batch run'), largest('declaration')];
    const bureauRequests = ((await env.admin(`/admin/requests?since=${startedAt}`)) as { times: number[] }).times;
    const busiest = (ms: number) => {
      let most = 0;
      for (let i = 0, j = 0; i < bureauRequests.length; i++) {
        while (j < bureauRequests.length && bureauRequests[j]! - bureauRequests[i]! < ms) j++;
        most = Math.max(most, j - i);
      }
      return most;
    };

    const met = sustained >= TARGET_PER_SECOND && worker.peakMb <= WORKER_LIMIT_MB && api.peakMb <= API_LIMIT_MB && decided >= 0.9 * n;
    const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
    keepLogs = false;
    log(`month: ${decided} decided in ${toLast.toFixed(0)} s (${overall.toFixed(2)}/s overall, ${sustained.toFixed(2)}/s sustained); peak RSS worker ${worker.peakMb.toFixed(0)} MB, API ${api.peakMb.toFixed(0)} MB`);
    return {
      name: `(j) a month for ${n.toLocaleString('en')} employers`,
      measure: `declarations decided per second, sustained (bureau budget ${budget} requests/s)`,
      ours: `${sustained.toFixed(2)}/s`,
      baseline: `${TARGET_PER_SECOND}/s (the target)`,
      ratio: round(sustained / TARGET_PER_SECOND),
      target: `≥ ${TARGET_PER_SECOND}/s; worker ≤ ${WORKER_LIMIT_MB} MB, API ≤ ${API_LIMIT_MB} MB`,
      met,
      details: [
        `${n.toLocaleString('en')} employers seeded at the bureau and added straight into our database (not measured), one POST /api/declaration-batches for ${period} (default concurrency); RESULT_WAIT_SECONDS=20, the bureau deciding in ${RESULT_DELAY_MS / 1000} s, BUREAU_MAX_REQUESTS_PER_SECOND=${budget}; the worker (src/worker/main.ts) and the API (src/api/main.ts) in processes of their own on PostgreSQL, the Temporal dev server and the mock bureau in the bench's.`,
        `**${decided.toLocaleString('en')} declarations decided; the last ${toLast.toFixed(0)} s after the POST (${overall.toFixed(2)}/s overall, the first 20 s being the first result wait); ${sustained.toFixed(2)}/s sustained** (from the 10th to the 90th percent of the decisions, ${p10.s.toFixed(0)}–${p90.s.toFixed(0)} s). The batch reported completed after ${completedS.toFixed(0)} s: ${JSON.stringify(progress)}.`,
        `The bureau received ${bureauRequests.length.toLocaleString('en')} requests (${(bureauRequests.length / Math.max(1, decided)).toFixed(2)} per decided declaration: items download, submission, result fetch), at most ${busiest(10_000)} in any 10 s and ${busiest(1000)} in any second (budget ${budget}/s), as the bureau timed their arrival in this process, whose event loop was up to ${(lag.max / 1e6).toFixed(0)} ms late (p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms): requests that came during a stall are timed together when it ends.`,
        `**Peak RSS: worker ${worker.peakMb.toFixed(0)} MB (limit ${WORKER_LIMIT_MB}), API ${api.peakMb.toFixed(0)} MB (limit ${API_LIMIT_MB})**, sampled every 250 ms from the POST to the batch's completion (when running idle before it: ${idle.worker?.toFixed(0)} MB, ${idle.api?.toFixed(0)} MB); WORKER_MAX_CACHED_WORKFLOWS=${process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 'default'}.`,
        `Largest histories: a batch run ${largestRun.events} events, ${kib(largestRun.bytes)} (${batchRuns} runs, continuing as new every 50 employers); a declaration ${largestDeclaration.events} events, ${kib(largestDeclaration.bytes)} (of ${histories.length - batchRuns} looked at).`,
      ],
    };
  } finally {
    clearInterval(sampler);
    await Promise.all(procs.map(stop));
    if (keepLogs) log(`month: the worker's and the API's logs are in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}
