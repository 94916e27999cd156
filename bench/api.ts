// (c) Start-a-declaration requests per second through the API (HTTP on 127.0.0.1: key check,
// employer, fee items from the bureau, the declaration recorded with its audit entry, the
// workflow started, the answer), against starting the same workflow directly with the Temporal
// client. The API and the worker run as processes of their own, as in production (`npm run api`,
// `npm run worker`); the load, the Temporal client of the baseline and the mock bureau run in the
// bench's process. The worker runs the started workflows on both sides: they submit to the bureau
// and then wait for their result (20 s).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/api/app';
import { loadConfig } from '../src/config';
import { BrowserPool, Renderer } from '../src/render';
import { startAttributes } from '../src/contracts/search-attributes';
import { WORKER_NODE_ARGS } from '../src/worker/heap';
import { createWorker } from '../src/worker/worker';
import { addEmployers, log, percentile, pool, round, type BenchEmployer, type BenchEnv, type BenchResult } from './env';
import { childPid, cpuByProcessTree, freePort, launch, machineTicks, postmasterPid, serviceEnv, stop, untilRunning } from './processes';

const optional = (name: string, pid: number | undefined): Record<string, number> => (pid ? { [name]: pid } : {});

/** The pid of one of the run database's backends (its postmaster is their parent). */
async function backendPid(env: BenchEnv): Promise<number> {
  const [row] = (await env.database.db.execute(sql`select pg_backend_pid() as pid`)) as unknown as { pid: number }[];
  return Number(row!.pid);
}

const N = Number(process.env.BENCH_API_REQUESTS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_API_CONCURRENCY ?? 10);
const WARM = 10;
const ROUNDS = 4;
const TASK_QUEUE = 'bench-api';
export const OPERATOR_KEY = 'bench-operator-key-0123456789';

/** One item to declare: N + WARM on each side, all different. */
function itemsOf(employers: BenchEmployer[]) {
  return employers.flatMap((e) => [...e.items.values()].flat().map((item) => ({ employer: e, item })));
}

export async function startApi(env: BenchEnv) {
  const app = await buildApp({
    codec: env.dataConverter.payloadCodecs[0]!,
    db: env.database.db,
    temporal: env.temporal,
    bureau: env.bureau,
    config: env.config,
    keys: [{ name: 'bench', role: 'operator', key: OPERATOR_KEY }],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { app, url };
}

export async function startWorker(env: BenchEnv) {
  const browsers = new BrowserPool({ concurrency: 1 });
  const worker = await createWorker({
    connection: await env.nativeConnection(),
    namespace: 'default',
    taskQueue: env.config.taskQueue,
    deps: { db: env.database.db, bureau: env.bureau, renderer: new Renderer(browsers), filesDir: '/tmp/sifee-bench-files', temporal: env.temporal, codec: env.dataConverter.payloadCodecs[0]!, config: env.config },
    bureauMaxRequestsPerSecond: 0, // our overhead is measured here, not the bureau's budget (see month)
    workflowBundle: env.bundle,
    dataConverter: env.dataConverter,
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await browsers.close();
    },
  };
}

export async function benchApi(env: BenchEnv): Promise<BenchResult> {
  const perSide = N + WARM;
  const employers = await addEmployers(env, Math.ceil((2 * perSide) / 25), 5);
  const targets = itemsOf(employers);
  const viaApi = targets.slice(0, perSide);
  const direct = targets.slice(perSide, 2 * perSide);

  const dataDir = mkdtempSync(path.join(tmpdir(), 'sifee-bench-api-'));
  const port = await freePort();
  const processEnv = { ...serviceEnv(env, { taskQueue: TASK_QUEUE, dataDir, operatorKey: OPERATOR_KEY, port }), LOG_LEVEL: 'warn' };
  // The baseline starts the workflow with the arguments the API gives it: the same configuration's timing.
  const timing = loadConfig({ ...process.env, ...processEnv }).declaration;
  const worker = launch('worker', 'src/worker/main.ts', { ...processEnv, LOG_LEVEL: 'info' }, path.join(dataDir, 'worker.log'), WORKER_NODE_ARGS);
  // BENCH_API_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the API process.
  const api = launch('api', 'src/api/main.ts', processEnv, path.join(dataDir, 'api.log'), process.env.BENCH_API_NODE_ARGS?.split(' ').filter(Boolean));
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilRunning(url, path.join(dataDir, 'worker.log'));

    const apiLatencies: number[] = [];
    const declare = async (i: number, record: boolean) => {
      const { employer, item } = viaApi[i]!;
      const t = performance.now();
      const res = await fetch(`${url}/api/employers/${employer.id}/declarations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'regular', itemIds: [item.itemId], headcountConfirmed: true }),
      });
      const body = await res.text();
      if (res.status !== 202) throw new Error(`declare: ${res.status} ${body}`);
      if (record) apiLatencies.push(performance.now() - t);
    };
    const directLatencies: number[] = [];
    const start = async (i: number, record: boolean) => {
      const { employer, item } = direct[i]!;
      const id = `DD${randomBytes(6).toString('hex')}`;
      const t = performance.now();
      await env.temporal.workflow.start('declarationWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId: `declaration-${id}`,
        typedSearchAttributes: startAttributes({ employerId: employer.id, period: item.period, status: 'submitted' }),
        args: [{ declarationId: id, taxpayerId: employer.taxpayerId, kind: 'regular', itemIds: [item.itemId], timing }],
      });
      if (record) directLatencies.push(performance.now() - t);
    };

    // BENCH_API_NO_WORKER=1: the starts alone, their workflows left waiting for a worker.
    if (process.env.BENCH_API_NO_WORKER) await stop(worker);
    log(`api: ${N} declarations each way, ${CONCURRENCY} at a time (API pid ${api.child.pid}, worker pid ${worker.child.pid})`);
    await pool(WARM, CONCURRENCY, (i) => declare(i, false));
    await pool(WARM, CONCURRENCY, (i) => start(i, false));
    // Alternating rounds, so a change in the machine's load meets both sides alike.
    let apiMs = 0;
    let directMs = 0;
    const busy = { api: { busy: 0, total: 0 }, direct: { busy: 0, total: 0 } };
    // CPU by process, each side: which part of the machine a declaration through the API costs more.
    const roots: Record<string, number> = { bench: process.pid, api: api.child.pid!, worker: worker.child.pid!, ...optional('temporal', childPid('start-dev')), ...optional('postgres', postmasterPid(await backendPid(env))) };
    const cpu = { api: {} as Record<string, number>, direct: {} as Record<string, number> };
    const measured = async (side: 'api' | 'direct', round: () => Promise<void>) => {
      const [before, cpuBefore] = [machineTicks(), cpuByProcessTree(roots)];
      await round();
      const [after, cpuAfter] = [machineTicks(), cpuByProcessTree(roots)];
      busy[side].busy += after.busy - before.busy;
      busy[side].total += after.total - before.total;
      for (const k of Object.keys(roots)) cpu[side][k] = (cpu[side][k] ?? 0) + cpuAfter[k]! - cpuBefore[k]!;
    };
    const per = Math.ceil(N / ROUNDS);
    for (let r = 0; r < ROUNDS; r++) {
      const from = WARM + r * per;
      const n = Math.min(per, N - r * per);
      const a = () => measured('api', async () => void (apiMs += await pool(n, CONCURRENCY, (i) => declare(from + i, true))));
      const d = () => measured('direct', async () => void (directMs += await pool(n, CONCURRENCY, (i) => start(from + i, true))));
      if (r % 2 === 0) await a().then(d);
      else await d().then(a);
    }

    const ours = (N / apiMs) * 1000;
    const baseline = (N / directMs) * 1000;
    const ratio = ours / baseline;
    const apiCpu = cpu.api.api!;
    const p95Ratio = percentile(apiLatencies, 95) / percentile(directLatencies, 95);
    const perRequest = (side: keyof typeof cpu) => Object.entries(cpu[side]).map(([k, v]) => `${k} ${((v / N) * 1000).toFixed(1)}`).join(', ');
    log(`api: CPU ms per declaration: through the API ${perRequest('api')}; the client's start ${perRequest('direct')}`);
    const share = (side: keyof typeof busy) => `${((100 * busy[side].busy) / Math.max(1, busy[side].total)).toFixed(0)} %`;
    log(`api: ours ${ours.toFixed(1)}/s, Temporal client ${baseline.toFixed(1)}/s, ratio ${ratio.toFixed(2)}, p95 ratio ${p95Ratio.toFixed(2)}; API CPU ${((apiCpu / N) * 1000).toFixed(1)} ms a request; machine busy ${share('api')} / ${share('direct')}`);
    return {
      name: '(c) API: start a declaration',
      measure: 'requests per second',
      ours: `${ours.toFixed(1)}/s (p50 ${percentile(apiLatencies, 50).toFixed(0)} ms, p95 ${percentile(apiLatencies, 95).toFixed(0)} ms)`,
      baseline: `${baseline.toFixed(1)}/s (p50 ${percentile(directLatencies, 50).toFixed(0)} ms, p95 ${percentile(directLatencies, 95).toFixed(0)} ms): WorkflowClient.start`,
      ratio: round(ratio),
      target: '≥ 0.9× (p95 ≤ 1.5×)',
      met: ratio >= 0.9 && p95Ratio <= 1.5,
      details: [
        `${N} POST /api/employers/:id/declarations over HTTP (keep-alive, ${CONCURRENCY} at a time, one item each, after ${WARM} warm-up requests; ${ROUNDS} alternating rounds) to the API in its own process (src/api/main.ts) against ${N} client.workflow.start of the same workflow with the same arguments and search attributes from the bench's process; a worker process (src/worker/main.ts) runs the started workflows on both sides.`,
        `p95 ${round(p95Ratio)}× of the client's; the API process spent ${((apiCpu / N) * 1000).toFixed(1)} ms of CPU per declaration (from /proc, over its rounds); the machine's CPUs were ${share('api')} busy during the API's rounds, ${share('direct')} during the client's.`,
        `CPU per declaration by process (ms; PostgreSQL's server and backends, the Temporal dev server, the bench's process with the load and the bureau): through the API ${perRequest('api')}; the client's start ${perRequest('direct')}.`,
      ],
    };
  } finally {
    await Promise.all([stop(api), stop(worker)]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
