// (a) Full declare-and-pay flows per second, against a skeleton of the same shape: the same
// workflow code (declaration, then three-party payment) on the same Temporal server, run by a
// worker whose activities do nothing. Ours: record the declaration, run its workflow (submit to
// the bureau, the result wait, fetch, record), record the payment, run its workflow (deduct,
// record the attempt, finish).
import { randomBytes } from 'node:crypto';
import { createActivities, type Activities } from '../src/activities';
import { insertDeclaration } from '../src/db/declarations';
import { createPayment, listPayables } from '../src/db/payments';
import { paymentDeadline } from '../src/domain/payment';
import { BrowserPool, Renderer } from '../src/render';
import type { ThreePartyPaymentInput } from '../src/contracts/payment';
import { createWorker } from '../src/worker/worker';
import { FAST_TIMING, addEmployers, log, pool, round, type BenchEmployer, type BenchEnv, type BenchResult } from './env';

export const CONCURRENCY = Number(process.env.BENCH_FLOW_CONCURRENCY ?? 10);
export const ROUNDS = 4;

/** Activities that answer at once what the workflows need to go the happy way. */
function emptyActivities(names: string[]): Activities {
  const answers: Record<string, () => unknown> = {
    fetchDeclarationResult: () => ({ status: 'accepted', serial: 'S0000001', acceptedAt: new Date().toISOString() }),
    attemptDeduction: () => ({ outcome: 'succeeded' }),
  };
  return Object.fromEntries(names.map((name) => [name, async () => answers[name]?.()])) as unknown as Activities;
}

interface FlowSpec {
  employer: BenchEmployer;
  period: string;
}

export async function realFlow(env: BenchEnv, taskQueue: string, { employer, period }: FlowSpec): Promise<void> {
  const items = employer.items.get(period)!;
  const db = env.database.db;
  const id = `DB${randomBytes(6).toString('hex')}`;
  const workflowId = `declaration-${id}`;
  await insertDeclaration(db, { id, employerId: employer.id, kind: 'regular', workflowId, actor: 'bench', items });
  const declared = await env.temporal.workflow.execute('declarationWorkflow', {
    taskQueue,
    workflowId,
    args: [{ declarationId: id, taxpayerId: employer.taxpayerId, kind: 'regular', itemIds: items.map((i) => i.itemId), timing: FAST_TIMING }],
  });
  if ((declared as { status: string }).status !== 'accepted') throw new Error(`declaration ${id} ended ${(declared as { status: string }).status}`);
  const lines = (await listPayables(db, employer.id)).filter((l) => l.declarationId === id);
  const paymentId = `PB${randomBytes(6).toString('hex')}`;
  const deadline = paymentDeadline(lines.map((l) => l.validUntil));
  await createPayment(db, { id: paymentId, employerId: employer.id, method: 'three_party', lines, agreementId: employer.agreementId, accountMasked: null, workflowId: `payment-${paymentId}`, deadline, actor: 'bench' });
  const input: ThreePartyPaymentInput = {
    paymentId,
    taxpayerId: employer.taxpayerId,
    agreementId: employer.agreementId,
    lines: lines.map((l) => ({ itemId: l.itemId, amountFen: l.dueFen })),
    amountFen: lines.reduce((s, l) => s + l.dueFen, 0),
    retryScheduleSeconds: [3600],
    deadline: deadline.toISOString(),
    statusPollSeconds: 1,
  };
  const paid = await env.temporal.workflow.execute('threePartyPaymentWorkflow', { taskQueue, workflowId: `payment-${paymentId}`, args: [input] });
  if ((paid as { status: string }).status !== 'paid') throw new Error(`payment ${paymentId} ended ${(paid as { status: string }).status}: ${(paid as { reason?: string }).reason}`);
}

async function skeletonFlow(env: BenchEnv, taskQueue: string, { employer, period }: FlowSpec): Promise<void> {
  const items = employer.items.get(period)!;
  const id = `DS${randomBytes(6).toString('hex')}`;
  await env.temporal.workflow.execute('declarationWorkflow', {
    taskQueue,
    workflowId: `declaration-${id}`,
    args: [{ declarationId: id, taxpayerId: employer.taxpayerId, kind: 'regular', itemIds: items.map((i) => i.itemId), timing: FAST_TIMING }],
  });
  const paymentId = `PS${randomBytes(6).toString('hex')}`;
  const input: ThreePartyPaymentInput = {
    paymentId,
    taxpayerId: employer.taxpayerId,
    agreementId: employer.agreementId,
    lines: items.map((l) => ({ itemId: l.itemId, amountFen: l.amountFen })),
    amountFen: items.reduce((s, l) => s + l.amountFen, 0),
    retryScheduleSeconds: [3600],
    deadline: new Date(Date.now() + 86400_000).toISOString(),
    statusPollSeconds: 1,
  };
  await env.temporal.workflow.execute('threePartyPaymentWorkflow', { taskQueue, workflowId: `payment-${paymentId}`, args: [input] });
}

/** real: ours; unarchived: ours without archive on close (its cost); skeleton: the workflows with empty activities. */
export type FlowKind = 'real' | 'unarchived' | 'skeleton';

/** The worker's `archive` sink doing nothing: closed workflows wait for the scheduled archiver. */
const NO_ARCHIVE_ON_CLOSE = { sinks: { archive: { workflowClosing: { fn() {} } } } };

export interface FlowTimes {
  flows: number;
  warm: number;
  /** Wall time of all rounds, by side. */
  ms: Partial<Record<FlowKind, number>>;
  /** Flows per second, by side. */
  perSecond: Partial<Record<FlowKind, number>>;
}

/**
 * `flows` declare-and-pay flows on each side of `kinds`, CONCURRENCY at a time. Every side's worker
 * runs throughout; the sides take turns in rounds, so a change in the machine's load meets all alike.
 */
export async function measureFlows(env: BenchEnv, flows: number, kinds: readonly FlowKind[]): Promise<FlowTimes> {
  const periodsPerEmployer = 5;
  // Balance enough for every deduction to succeed.
  const employers = await addEmployers(env, Math.ceil(((flows + 5) * kinds.length) / periodsPerEmployer), periodsPerEmployer, { balanceFen: 1e12 });
  const all: FlowSpec[] = employers.flatMap((employer) => [...employer.items.keys()].map((period) => ({ employer, period })));
  // Declared items cannot be declared again: each side has items of its own. A few flows first,
  // so each side runs warm (caches, connections, JIT).
  const ofSide = (kind: FlowKind) => all.slice(kinds.indexOf(kind) * (flows + 5), (kinds.indexOf(kind) + 1) * (flows + 5));
  const warm = (kind: FlowKind) => ofSide(kind).slice(0, 5);
  const specs = (kind: FlowKind) => ofSide(kind).slice(5);
  const browsers = new BrowserPool({ concurrency: 1 });
  const deps = { db: env.database.db, bureau: env.bureau, renderer: new Renderer(browsers), filesDir: '/tmp/sifee-bench-files', temporal: env.temporal, codec: env.dataConverter.payloadCodecs[0]!, config: env.config };
  const activityNames = Object.keys(createActivities(deps));
  const workers = await Promise.all(
    kinds.map(async (kind) =>
      createWorker({
        connection: await env.nativeConnection(),
        namespace: 'default',
        taskQueue: `bench-flows-${kind}`,
        deps,
        bureauMaxRequestsPerSecond: 0, // our overhead is measured here, not the bureau's budget (see month)
        workflowBundle: env.bundle,
        dataConverter: env.dataConverter,
        ...(kind === 'skeleton' ? { activities: emptyActivities(activityNames) } : {}),
        ...(kind === 'unarchived' ? { options: NO_ARCHIVE_ON_CLOSE } : {}),
      }),
    ),
  );
  const running = workers.map((w) => w.run());
  const side = (kind: FlowKind, list: FlowSpec[], concurrency: number) =>
    pool(list.length, concurrency, (i) => (kind === 'skeleton' ? skeletonFlow : realFlow)(env, `bench-flows-${kind}`, list[i]!));
  log(`flows: ${flows} declare-and-pay flows on each of ${kinds.join(', ')}, ${CONCURRENCY} at a time, ${ROUNDS} alternating rounds`);
  for (const kind of [...kinds].reverse()) await side(kind, warm(kind), 5);
  const ms: Partial<Record<FlowKind, number>> = {};
  const per = Math.ceil(flows / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? kinds : [...kinds].reverse();
    for (const kind of order) ms[kind] = (ms[kind] ?? 0) + (await side(kind, specs(kind).slice(r * per, (r + 1) * per), CONCURRENCY));
  }
  for (const w of workers) w.shutdown();
  await Promise.all(running);
  await browsers.close();
  const perSecond = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, (flows / v) * 1000]));
  return { flows, warm: 5, ms, perSecond };
}

/** What one flow is, for the details of RESULTS.md. */
export const FLOW_DESCRIPTION = `a flow = declaration of 5 items (record, workflow: submit, ${FAST_TIMING.resultWaitSeconds * 1000} ms result wait, fetch, record) then a three-party payment of them (record, workflow: deduct, record attempt, finish)`;

export async function benchFlows(env: BenchEnv, flows = Number(process.env.BENCH_FLOWS ?? 100)): Promise<BenchResult> {
  const t = await measureFlows(env, flows, ['real', 'unarchived', 'skeleton']);
  const real = t.perSecond.real!;
  const unarchived = t.perSecond.unarchived!;
  const skeleton = t.perSecond.skeleton!;
  const ratio = real / skeleton;
  log(`flows: ours ${real.toFixed(1)}/s, without archive on close ${unarchived.toFixed(1)}/s, skeleton ${skeleton.toFixed(1)}/s, ratio ${ratio.toFixed(2)}`);
  return {
    name: '(a) declare-and-pay flows',
    measure: 'flows per second',
    ours: `${real.toFixed(1)}/s`,
    baseline: `${skeleton.toFixed(1)}/s (skeleton: same workflows, empty activities)`,
    ratio: round(ratio),
    target: '≥ 0.8×',
    met: ratio >= 0.8,
    details: [
      `${t.flows} flows each side, ${CONCURRENCY} at a time; ${FLOW_DESCRIPTION}.`,
      `Ours took ${(t.ms.real! / 1000).toFixed(1)} s in all, the skeleton ${(t.ms.skeleton! / 1000).toFixed(1)} s, in ${ROUNDS} alternating rounds (after ${t.warm} warm-up flows each).`,
      `Archive on close (each closed workflow copied to the archive by its worker): ours ${real.toFixed(1)}/s with it, ${unarchived.toFixed(1)}/s without it in the same rounds: ${(real / unarchived).toFixed(2)}×.`,
    ],
  };
}
