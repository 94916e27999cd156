// `npm run start:cluster`: the production topology on one machine, from one command, all real
// (docs/cluster.md): PostgreSQL (DATABASE_URL's server, else a private one under DATA_DIR), the
// Temporal server on it with its UI, the mock bureau, CLUSTER_WORKERS workers and CLUSTER_APIS
// APIs. A process that dies is started again; Ctrl-C stops everything in order; a restart keeps
// all data.
import '../src/runtime/require-node'; // first: a wrong Node says so before anything runs
import path from 'node:path';
import { formatApiKeys, generateDevKeys } from '../src/api/api-keys';
import { Cluster, clusterTools } from '../src/cluster/topology';
import { freePort } from '../src/runtime/free-port';
import { generateCodecKey } from '../src/codec/aes-gcm-codec';
import { loadConfig } from '../src/config';
import { secureDataDir } from '../src/data-dir';
import { demoEmployers, devSecret, keysAndEmployers } from './lib/demo';

const config = loadConfig();
const repoRoot = path.resolve(import.meta.dirname, '..');
let cluster: Cluster | undefined;
let stopping = false;

function log(message: string): void {
  console.log(`[cluster] ${message}`);
}

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await cluster?.stop().catch((err: unknown) => console.error(`[cluster] while stopping: ${String(err)}`));
  log('stopped');
  process.exit(exitCode);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('exit', () => cluster?.killSync());

async function main(): Promise<void> {
  // Owner-only, before anything is written; every child inherits the umask (the private PostgreSQL's folder: src/cluster/postgres.ts).
  secureDataDir(config.dataDir, log);
  const tools = clusterTools(repoRoot);
  const keys = devSecret(config.dataDir, config.apiKeys, 'dev-api-keys', () => formatApiKeys(generateDevKeys()));
  const codecKeys = devSecret(config.dataDir, config.payloadCodecKeys, 'dev-codec-keys', () => generateCodecKey('dev1'));
  const workerMetricsPort = Number(process.env.WORKER_METRICS_PORT || 0) || undefined;
  cluster = new Cluster({
    repoRoot,
    tools,
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    postgresPort: config.cluster.postgresPort,
    temporalAddress: config.temporalAddress,
    temporalUiPort: config.temporalUiPort,
    temporalUiServerPort: await freePort(),
    namespace: config.temporalNamespace,
    retention: process.env.TEMPORAL_RETENTION || '720h', // "30d" too: deploy/temporal/register-namespace.sh
    bureauPort: config.bureauPort,
    apiPort: config.port,
    apis: Math.max(1, config.cluster.apis),
    workers: Math.max(1, config.cluster.workers),
    serviceEnv: { API_KEYS: keys, PAYLOAD_CODEC_KEYS: codecKeys },
    ...(workerMetricsPort ? { workerMetricsPort } : {}),
    output: process.stdout,
    log,
  });
  // As compose's restart policy: the others go on, and the one that died is started again.
  cluster.restartOnExit((child, code, signal) => console.error(`[cluster] ${child.name} exited (${signal ?? code}); starting it again`));
  await cluster.start();
  const employers = await demoEmployers(cluster.bureauUrl, log);

  const [api] = cluster.apiUrls;
  const pg = cluster.database.private;
  const lines = [
    '',
    'Social insurance fees back office, cluster mode (社保费申报缴费, 集群模式):',
    `  Console           ${api}/   (sign in with a key below)`,
    ...cluster.apiUrls.map((url, i) => `  API ${String(i + 1).padEnd(13)} ${url}/api   (docs ${url}/docs, metrics ${url}/metrics)`),
    `  Workers           ${cluster.workers.map((w) => `${w.name} (pid ${w.pid})`).join(', ')}`,
    `  Temporal server   ${config.temporalAddress}   (PostgreSQL; all four services in one process)`,
    `  Temporal UI       http://127.0.0.1:${config.temporalUiPort}/namespaces/${config.temporalNamespace}/workflows`,
    `  Mock bureau       ${cluster.bureauUrl}/admin/employers`,
    `  PostgreSQL        ${pg ? `private server on 127.0.0.1:${pg.port}, data in ${pg.dataDir}` : 'DATABASE_URL'} (databases: ours, temporal, temporal_visibility)`,
    `  Data              ${config.dataDir}`,
    '',
    ...keysAndEmployers(keys, employers),
  ];
  console.log(lines.join('\n'));
}

main().catch((err: unknown) => {
  console.error(`[cluster] ${(err as Error).message}`);
  void stop(1);
});
