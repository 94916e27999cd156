// (c) Start-a-declaration requests per second through the API (HTTP on 127.0.0.1: key check,
// employer, fee items from the bureau, the declaration recorded with its audit entry, the
// workflow started, the answer), against starting the same workflow directly with the Temporal
// client. A worker runs meanwhile, as in production, so the started workflows submit to the
// bureau and then wait for their result (20 s) on both sides.
import { randomBytes } from 'node:crypto';
import { buildApp } from '../src/api/app';
import { BrowserPool, Renderer } from '../src/render';
import { startAttributes } from '../src/search-attributes';
import { createWorker } from '../src/worker/worker';
import { addEmployers, log, percentile, pool, round, type BenchEmployer, type BenchEnv, type BenchResult } from './env';

const N = Number(process.env.BENCH_API_REQUESTS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_API_CONCURRENCY ?? 10);
const WARM = 10;
const ROUNDS = 4;
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
  const worker = await startWorker(env);
  const { app, url } = await startApi(env);

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
      taskQueue: env.config.taskQueue,
      workflowId: `declaration-${id}`,
      typedSearchAttributes: startAttributes({ employerId: employer.id, period: item.period, status: 'submitted' }),
      args: [{ declarationId: id, taxpayerId: employer.taxpayerId, kind: 'regular', itemIds: [item.itemId], timing: env.config.declaration }],
    });
    if (record) directLatencies.push(performance.now() - t);
  };

  log(`api: ${N} declarations each way, ${CONCURRENCY} at a time`);
  await pool(WARM, CONCURRENCY, (i) => declare(i, false));
  await pool(WARM, CONCURRENCY, (i) => start(i, false));
  // Alternating rounds, so a change in the machine's load meets both sides alike.
  let apiMs = 0;
  let directMs = 0;
  const per = Math.ceil(N / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    const from = WARM + r * per;
    const n = Math.min(per, N - r * per);
    const viaApiRound = () => pool(n, CONCURRENCY, (i) => declare(from + i, true)).then((ms) => (apiMs += ms));
    const directRound = () => pool(n, CONCURRENCY, (i) => start(from + i, true)).then((ms) => (directMs += ms));
    if (r % 2 === 0) await viaApiRound().then(directRound);
    else await directRound().then(viaApiRound);
  }
  await app.close();
  await worker.stop();

  const ours = (N / apiMs) * 1000;
  const baseline = (N / directMs) * 1000;
  const ratio = ours / baseline;
  log(`api: ours ${ours.toFixed(1)}/s, Temporal client ${baseline.toFixed(1)}/s, ratio ${ratio.toFixed(2)}`);
  return {
    name: '(c) API: start a declaration',
    measure: 'requests per second',
    ours: `${ours.toFixed(1)}/s (p50 ${percentile(apiLatencies, 50).toFixed(0)} ms, p95 ${percentile(apiLatencies, 95).toFixed(0)} ms)`,
    baseline: `${baseline.toFixed(1)}/s (p50 ${percentile(directLatencies, 50).toFixed(0)} ms, p95 ${percentile(directLatencies, 95).toFixed(0)} ms): WorkflowClient.start`,
    ratio: round(ratio),
    target: '≥ 0.9×',
    met: ratio >= 0.9,
    details: [
      `${N} POST /api/employers/:id/declarations over HTTP (keep-alive, ${CONCURRENCY} at a time, one item each, after ${WARM} warm-up requests; ${ROUNDS} alternating rounds) against ${N} client.workflow.start of the same workflow with the same arguments and search attributes; a worker runs the started workflows on both sides.`,
    ],
  };
}
