// A cluster of a test or a benchmark: the topology of `npm run start:cluster` in a folder of its
// own, on ports free right now, with a private PostgreSQL; nothing of a user's cluster is touched.
import { chmodSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Log } from './child';
import { Cluster, clusterTools } from './topology';

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive ports free on 127.0.0.1 right now. */
export async function freePortRange(count: number): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    // Below Linux's ephemeral range (32768+), where outgoing connections take their ports.
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    let ok = true;
    for (let p = base; ok && p < base + count; p++) ok = await bindable(p);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

export interface PrivateClusterOptions {
  repoRoot: string;
  /** Everything goes here: PostgreSQL's data, the bureau's state, files, logs/<process>.log. */
  dataDir: string;
  workers: number;
  apis: number;
  serviceEnv: Record<string, string>;
  log: Log;
}

/** Provisions (quick when built before), then describes the cluster; start it with start() or startTemporal(). */
export async function privateCluster(o: PrivateClusterOptions): Promise<Cluster> {
  // The private PostgreSQL runs as the postgres user when we are root: it must pass through the
  // folder (x), not read it (src/data-dir.ts).
  chmodSync(o.dataDir, 0o711);
  // Temporal takes ten ports in a row; then PostgreSQL, the UI's gate, the bureau, the UI server and the APIs.
  const base = await freePortRange(14 + o.apis);
  return new Cluster({
    repoRoot: o.repoRoot,
    tools: clusterTools(o.repoRoot),
    dataDir: o.dataDir,
    databaseUrl: undefined,
    postgresPort: base + 10,
    temporalAddress: `127.0.0.1:${base}`,
    temporalUiPort: base + 11,
    temporalUiServerPort: base + 13,
    namespace: 'default',
    retention: '24h',
    bureauPort: base + 12,
    apiPort: base + 14,
    apis: o.apis,
    workers: o.workers,
    serviceEnv: o.serviceEnv,
    output: { dir: path.join(o.dataDir, 'logs') },
    log: o.log,
  });
}
