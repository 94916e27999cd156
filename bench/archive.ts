// (f) The auditor's archive: how many bytes each closed workflow's history takes in PostgreSQL
// (the proto3 JSON with encrypted payloads, as archived, and what PostgreSQL stores after its
// TOAST compression), and how fast the archiver copies histories compared with the rate at
// which the flows closed them.
import { sql } from 'drizzle-orm';
import { BrowserPool, Renderer } from '../src/render';
import { createWorker } from '../src/worker/worker';
import { addEmployers, log, pool, round, type BenchEnv, type BenchResult } from './env';
import { realFlow } from './flows';

const FLOWS = Number(process.env.BENCH_ARCHIVE_FLOWS ?? 40);
const TASK_QUEUE = 'bench-archive';

export async function benchArchive(env: BenchEnv): Promise<BenchResult> {
  const employers = await addEmployers(env, Math.ceil(FLOWS / 5), 5, { balanceFen: 1e12 });
  const specs = employers.flatMap((employer) => [...employer.items.keys()].map((period) => ({ employer, period }))).slice(0, FLOWS);
  const browsers = new BrowserPool({ concurrency: 1 });
  const deps = { db: env.database.db, bureau: env.bureau, renderer: new Renderer(browsers), filesDir: '/tmp/sifee-bench-files', temporal: env.temporal, codec: env.dataConverter.payloadCodecs[0]!, config: env.config };
  const worker = await createWorker({
    connection: await env.nativeConnection(),
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    deps,
    bureauMaxRequestsPerSecond: 0, // the archive is measured here, not the bureau's budget (see month)
    workflowBundle: env.bundle,
    dataConverter: env.dataConverter,
  });
  const running = worker.run();
  try {
    log(`archive: ${specs.length} declare-and-pay flows, then the archiver`);
    const flowMs = await pool(specs.length, 10, (i) => realFlow(env, TASK_QUEUE, specs[i]!));
    // Visibility lags a moment behind the closes.
    const expected = specs.length * 2;
    let listed = 0;
    for (let i = 0; i < 100 && listed < expected; i++) {
      listed = (await env.temporal.workflow.count(`TaskQueue = '${TASK_QUEUE}' AND ExecutionStatus != 'Running'`)).count;
      if (listed < expected) await new Promise((r) => setTimeout(r, 200));
    }
    const started = performance.now();
    const { archived } = (await env.temporal.workflow.execute('archiveWorkflow', { taskQueue: TASK_QUEUE, workflowId: 'bench-archive-run', args: [] })) as { archived: number };
    const archiveMs = performance.now() - started;
    if (archived < expected) throw new Error(`archived ${archived} of ${expected} histories`);

    const rows = (await env.database.db.execute(sql`
      select workflow_type as type, count(*)::int as n, avg(bytes)::int as raw, max(bytes)::int as max_raw,
             avg(pg_column_size(history))::int as stored, avg(history_length)::int as events
      from workflow_archive group by workflow_type order by workflow_type`)) as unknown as { type: string; n: number; raw: number; max_raw: number; stored: number; events: number }[];
    const list = Array.isArray(rows) ? rows : ((rows as { rows: typeof rows }).rows ?? []);
    const total = list.reduce((t, r) => ({ n: t.n + r.n, raw: t.raw + r.raw * r.n, stored: t.stored + r.stored * r.n }), { n: 0, raw: 0, stored: 0 });
    const rawPer = total.raw / total.n;
    const storedPer = total.stored / total.n;
    const archiveRate = (archived / archiveMs) * 1000;
    const closeRate = (expected / flowMs) * 1000;
    const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
    // 1,000 declare-and-pay flows a working day (250 a year) for ten years.
    const tenYears = (storedPer * 2 * 1000 * 250 * 10) / 2 ** 30;
    log(`archive: ${kib(rawPer)} JSON, ${kib(storedPer)} stored per workflow; ${archiveRate.toFixed(0)} histories/s archived, ${closeRate.toFixed(0)}/s closed`);
    return {
      name: '(f) archive size per workflow',
      measure: 'bytes per archived history: stored in PostgreSQL (JSON as archived)',
      ours: `${kib(storedPer)} stored (${kib(rawPer)} JSON)`,
      baseline: `${kib(rawPer)}: the history JSON as GET /api/workflows/:id/history answers it`,
      ratio: round(storedPer / rawPer),
      target: 'stored ≤ JSON; archiving faster than the flows close',
      met: storedPer <= rawPer && archiveRate >= closeRate,
      details: [
        `${specs.length} declare-and-pay flows (a declaration workflow and a three-party payment workflow each) closed at ${closeRate.toFixed(1)} workflows/s; one archiver run then copied all ${archived} histories at ${archiveRate.toFixed(1)} histories/s (visibility list, fetch, SHA-256, insert with its audit entry).`,
        ...list.map((r) => `${r.type}: ${r.n} histories, ${r.events} events, ${kib(r.raw)} JSON (largest ${kib(r.max_raw)}), ${kib(r.stored)} stored after TOAST compression.`),
        `Ten years at 1,000 declare-and-pay flows a working day: about ${tenYears.toFixed(0)} GiB of archive (payloads are encrypted, so they do not compress; the JSON around them does).`,
      ],
    };
  } finally {
    worker.shutdown();
    await running;
    await browsers.close();
  }
}
