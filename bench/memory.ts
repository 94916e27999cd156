// (e) The worker's peak memory (RSS) while 1,000 payments are in flight. The real worker
// process (src/worker/main.ts, as `npm run worker` starts it) runs 200 declarations, then 1,000
// three-party payments whose deductions all fail for lack of balance, so every payment waits
// for its retry at once (a durable timer, the workflow in the worker's cache). Its RSS is
// sampled from /proc every 100 ms while the payments start and wait.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import { insertDeclaration } from '../src/db/declarations';
import { createPayment, listPayables } from '../src/db/payments';
import { payments } from '../src/db/schema';
import { paymentDeadline } from '../src/domain/payment';
import type { ThreePartyPaymentInput } from '../src/contracts/payment';
import { FAST_TIMING, addEmployers, log, pool, type BenchEnv, type BenchResult } from './env';
import { WORKER_NODE_ARGS } from '../src/worker/heap';
import { launch, memoryMb, serviceEnv, stop } from './processes';

const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 1000);
const LIMIT_MB = 600;
const TASK_QUEUE = 'bench-memory';

export async function benchMemory(env: BenchEnv): Promise<BenchResult> {
  const declarations = Math.ceil(PAYMENTS / 5);
  const periodsPerEmployer = 10;
  // No balance: every deduction fails (余额不足) and the payment waits an hour for its retry.
  const employers = await addEmployers(env, Math.ceil(declarations / periodsPerEmployer), periodsPerEmployer, { balanceFen: 0 });
  const specs = employers.flatMap((employer) => [...employer.items.entries()].map(([, items]) => ({ employer, items }))).slice(0, declarations);

  const dataDir = mkdtempSync(path.join(tmpdir(), 'sifee-bench-worker-'));
  const worker = launch('worker', 'src/worker/main.ts', { ...serviceEnv(env, { taskQueue: TASK_QUEUE, dataDir, operatorKey: '', port: 0 }), LOG_LEVEL: 'warn' }, path.join(dataDir, 'worker.log'), WORKER_NODE_ARGS);
  const pid = worker.child.pid!;
  try {
    log(`memory: worker pid ${pid}; ${specs.length} declarations first`);
    const db = env.database.db;
    const declared = await Promise.all(specs.map(async ({ employer, items }) => {
      const id = `DM${randomBytes(6).toString('hex')}`;
      await insertDeclaration(db, { id, employerId: employer.id, kind: 'regular', workflowId: `declaration-${id}`, actor: 'bench', items });
      return { id, employer, items };
    }));
    await pool(declared.length, 20, async (i) => {
      const { id, employer, items } = declared[i]!;
      await env.temporal.workflow.execute('declarationWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId: `declaration-${id}`,
        args: [{ declarationId: id, taxpayerId: employer.taxpayerId, kind: 'regular', itemIds: items.map((it) => it.itemId), timing: FAST_TIMING }],
      });
    });
    const afterDeclarations = memoryMb(pid);
    log(`memory: RSS ${afterDeclarations?.rss.toFixed(0)} MB after the declarations`);

    const lines = (await Promise.all(employers.map(async (employer) => (await listPayables(db, employer.id)).map((line) => ({ employer, line }))))).flat().slice(0, PAYMENTS);
    log(`memory: ${lines.length} payments in flight`);
    let peak = 0;
    const sampler = setInterval(() => {
      const m = memoryMb(pid);
      if (m) peak = Math.max(peak, m.rss);
    }, 100);
    const t0 = performance.now();
    await pool(lines.length, 20, async (i) => {
      const { employer, line } = lines[i]!;
      const id = `PM${randomBytes(6).toString('hex')}`;
      const deadline = paymentDeadline([line.validUntil]);
      await createPayment(db, { id, employerId: employer.id, method: 'three_party', lines: [line], agreementId: employer.agreementId, accountMasked: null, workflowId: `payment-${id}`, deadline, actor: 'bench' });
      const input: ThreePartyPaymentInput = {
        paymentId: id,
        taxpayerId: employer.taxpayerId,
        agreementId: employer.agreementId,
        lines: [{ itemId: line.itemId, amountFen: line.dueFen }],
        amountFen: line.dueFen,
        retryScheduleSeconds: [3600],
        deadline: deadline.toISOString(),
        statusPollSeconds: 15,
      };
      await env.temporal.workflow.start('threePartyPaymentWorkflow', { taskQueue: TASK_QUEUE, workflowId: `payment-${id}`, args: [input] });
    });
    const started = performance.now() - t0;
    let waiting = 0;
    while (performance.now() - t0 < 240_000) {
      const [row] = await db.select({ n: count() }).from(payments).where(eq(payments.status, 'awaiting_retry'));
      waiting = row?.n ?? 0;
      if (waiting >= lines.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const allWaiting = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 5000)); // hold: all in flight
    clearInterval(sampler);
    const end = memoryMb(pid);
    log(`memory: ${waiting}/${lines.length} awaiting retry after ${(allWaiting / 1000).toFixed(1)} s; peak RSS ${peak.toFixed(0)} MB (process high-water mark ${end?.hwm.toFixed(0)} MB)`);
    return {
      name: '(e) worker memory, 1,000 payments in flight',
      measure: 'peak RSS of the worker process',
      ours: `${peak.toFixed(0)} MB`,
      baseline: `${LIMIT_MB} MB (the limit)`,
      ratio: Number((peak / LIMIT_MB).toFixed(2)),
      target: `≤ ${LIMIT_MB} MB`,
      met: peak <= LIMIT_MB && waiting >= lines.length,
      details: [
        `The worker process (src/worker/main.ts as \`npm run worker\` runs it: one NativeConnection, workflows bundled by a child process at start, activities, WORKER_MAX_CACHED_WORKFLOWS=${process.env.WORKER_MAX_CACHED_WORKFLOWS ?? '250 (default)'}) after ${specs.length} declarations: RSS ${afterDeclarations?.rss.toFixed(0)} MB.`,
        `${lines.length} payments started in ${(started / 1000).toFixed(1)} s (20 at a time); ${waiting} were awaiting their retry (each deduction failed, 余额不足) ${(allWaiting / 1000).toFixed(1)} s after the first start; held 5 s more. Peak RSS sampled every 100 ms over that window: ${peak.toFixed(0)} MB; RSS at the end ${end?.rss.toFixed(0)} MB; the process's high-water mark since its start ${end?.hwm.toFixed(0)} MB.`,
      ],
    };
  } finally {
    await stop(worker);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
