// (f) Cluster mode: the declare-and-pay flows of (a) on the real Temporal server on PostgreSQL
// (the server, config and schema steps of `npm run start:cluster`, a private PostgreSQL holding
// Temporal's databases and ours), against the same skeleton on that cluster (target ≥ 0.8×, as on
// the dev server); and the cluster's skeleton against the dev server's skeleton in the same run:
// what the real server costs on this machine (a figure, no target).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateCluster } from '../src/cluster/private';
import { log, round, startEnv, type BenchEnv, type BenchResult } from './env';
import { CONCURRENCY, FLOW_DESCRIPTION, ROUNDS, measureFlows } from './flows';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function benchCluster(devEnv: BenchEnv, flows = Number(process.env.BENCH_FLOWS ?? 100)): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sifee-bench-cluster-'));
  const cluster = await privateCluster({ repoRoot, dataDir: dir, workers: 0, apis: 0, serviceEnv: {}, log: (line) => log(`cluster: ${line}`) });
  let env: BenchEnv | undefined;
  try {
    await cluster.startTemporal();
    env = await startEnv({ temporalAddress: cluster.temporalAddress, adminDatabaseUrl: cluster.database.private!.url('postgres') });
    const onCluster = await measureFlows(env, flows, ['real', 'skeleton']);
    const onDev = await measureFlows(devEnv, flows, ['skeleton']);
    const real = onCluster.perSecond.real!;
    const skeleton = onCluster.perSecond.skeleton!;
    const devSkeleton = onDev.perSecond.skeleton!;
    const ratio = real / skeleton;
    log(`cluster: ours ${real.toFixed(1)}/s, skeleton ${skeleton.toFixed(1)}/s (${ratio.toFixed(2)}×); dev server skeleton ${devSkeleton.toFixed(1)}/s`);
    return {
      name: '(g) declare-and-pay flows, cluster mode',
      measure: 'flows per second on the real Temporal server (PostgreSQL)',
      ours: `${real.toFixed(1)}/s`,
      baseline: `${skeleton.toFixed(1)}/s (skeleton on the same cluster)`,
      ratio: round(ratio),
      target: '≥ 0.8×',
      met: ratio >= 0.8,
      details: [
        `On the cluster: ${onCluster.flows} flows each side, ${CONCURRENCY} at a time, ${ROUNDS} alternating rounds (after ${onCluster.warm} warm-up flows each); ${FLOW_DESCRIPTION}. Ours ${(onCluster.ms.real! / 1000).toFixed(1)} s, the skeleton ${(onCluster.ms.skeleton! / 1000).toFixed(1)} s.`,
        `The cluster: Temporal server v1.29.1, all four services in one process (deploy/temporal/config, 8 history shards), on a private PostgreSQL 15 that also holds our database; one worker process (this one) per side.`,
        `**Cluster skeleton against the dev server's skeleton, same run: ${skeleton.toFixed(1)}/s against ${devSkeleton.toFixed(1)}/s (${round(skeleton / devSkeleton)}×).** No target: it is what the real server with PostgreSQL persistence costs on this machine against the CLI's dev server (in-memory SQLite), for the same workflows with empty activities.`,
      ],
    };
  } finally {
    await env?.close().catch(() => {});
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
