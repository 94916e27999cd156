// A whole service for one test file: its own database (a copy of the migrated template), its own
// mock bureau over HTTP, a worker on its own task queues of the shared Temporal dev server (the
// service's and the bureau's, paced by config.bureauMaxRequestsPerSecond), and the API. Everything is real; only the timings are short.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import { inject } from 'vitest';
import { buildApp } from '../../src/api/app';
import type { ApiKey } from '../../src/api/api-keys';
import { BureauClient } from '../../src/bureau/client';
import { buildBureau } from '../../src/bureau/server';
import { loadConfig, type Config, type DeclarationTiming } from '../../src/config';
import { openDatabase, type Database } from '../../src/db/client';
import { createWorker, type ServiceWorkers } from '../../src/worker/worker';
import { dataConverterFor } from '../../src/codec/aes-gcm-codec';
import { createLogger } from '../../src/logging';
import { BrowserPool, Renderer } from '../../src/render';
import type { SifeeClient } from '../../client';
import { typedClient } from './client';

/** A fixed codec key for tests: histories are encrypted as in production. */
export const TEST_CODEC_KEYS = `test1:${Buffer.alloc(32, 7).toString('base64')}`;

export const KEYS: ApiKey[] = [
  { name: 'olivia', role: 'operator', key: 'operator-key-0123456789' },
  { name: 'arthur', role: 'auditor', key: 'auditor-key-0123456789' },
  { name: 'sam', role: 'staff', key: 'staff-key-0123456789abc' },
];
export const auth = (role: 'operator' | 'auditor' | 'staff' = 'operator') => ({
  authorization: `Bearer ${KEYS.find((k) => k.role === role)!.key}`,
});

export interface StackOptions {
  resultDelayMs?: number;
  timing?: Partial<DeclarationTiming>;
  config?: Partial<Config>;
  /** Collects the API's log lines (debug level, with the production redaction rules). */
  logLines?: string[];
}

export type Role = 'operator' | 'auditor' | 'staff';

export interface Stack {
  app: FastifyInstance;
  /** The typed client of the published contract, as the operator. */
  client: SifeeClient;
  /** The typed client as another role, or as nobody (no key). */
  clientAs(role: Role | 'anonymous', headers?: Record<string, string>): SifeeClient;
  bureauUrl: string;
  bureau: BureauClient;
  database: Database;
  temporal: Client;
  config: Config;
  /** The worker's renderer (one browser per stack, started at the first print). */
  renderer: Renderer;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  admin(path: string, body?: unknown, method?: string): Promise<any>;
  close(): Promise<void>;
}

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

/** A database of its own for a test file: a copy of the migrated template (dropped at the end of the run). */
export async function createDatabaseCopy(): Promise<string> {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `${inject('templateDatabase').replace(/_tpl$/, '')}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}" template "${inject('templateDatabase')}"`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  quietRuntime();
  const bureauServer = await buildBureau({ resultDelayMs: opts.resultDelayMs ?? 200, logger: false });
  await bureauServer.listen({ port: 0, host: '127.0.0.1' });
  const address = bureauServer.server.address();
  const bureauUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const bureau = new BureauClient(bureauUrl, { timeoutMs: 2000 });

  const databaseUrl = await createDatabaseCopy();
  const database = await openDatabase({ url: databaseUrl, dataDir: '' });
  const base = loadConfig({});
  // Rendered files (vouchers, certificates) go to `${dataDir}/files`, as in production.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sifee-stack-'));
  const config: Config = {
    ...base,
    dataDir,
    bureauUrl,
    databaseUrl,
    temporalAddress: inject('temporalAddress'),
    taskQueue: `test-${randomBytes(4).toString('hex')}`,
    declaration: { resultWaitSeconds: 20, pollFirstSeconds: 1, pollMaxSeconds: 2, resultDeadlineSeconds: 60, ...opts.timing },
    ...opts.config,
  };
  const dataConverter = dataConverterFor(TEST_CODEC_KEYS);
  const connection = await Connection.connect({ address: config.temporalAddress });
  const temporal = new Client({ connection, namespace: config.temporalNamespace, dataConverter });
  const logLines = opts.logLines;
  const logger = logLines ? createLogger('api', { write: (line: string) => void logLines.push(line) }) : undefined;
  if (logger) logger.level = 'debug';
  const workflowBundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
  const app = await buildApp({ codec: dataConverter.payloadCodecs[0], db: database.db, temporal, bureau, config, keys: KEYS, workflowBundle }, logger ? { loggerInstance: logger } : {});
  await app.ready();

  // One browser per stack, started at the first print only: files that print nothing launch none.
  const browsers = new BrowserPool({ concurrency: 2 });
  const renderer = new Renderer(browsers);
  let worker: { workers: ServiceWorkers; running: Promise<void>; connection: NativeConnection } | undefined;

  const stack: Stack = {
    app,
    client: typedClient(app, KEYS.find((k) => k.role === 'operator')!.key),
    clientAs: (role, headers) => typedClient(app, KEYS.find((k) => k.role === role)?.key, headers),
    bureauUrl,
    bureau,
    database,
    temporal,
    config,
    renderer,
    async startWorker() {
      const nativeConnection = await NativeConnection.connect({ address: config.temporalAddress });
      const w = await createWorker({
        connection: nativeConnection,
        namespace: config.temporalNamespace,
        taskQueue: config.taskQueue,
        deps: { db: database.db, bureau, renderer, filesDir: path.join(config.dataDir, 'files'), temporal, codec: dataConverter.payloadCodecs[0]!, config },
        bureauMaxRequestsPerSecond: config.bureauMaxRequestsPerSecond,
        workflowBundle,
        dataConverter,
      });
      worker = { workers: w, running: w.run(), connection: nativeConnection };
    },
    async stopWorker() {
      if (!worker) return;
      worker.workers.shutdown();
      await worker.running;
      await worker.connection.close();
      worker = undefined;
    },
    async admin(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') {
      const res = await fetch(`${bureauUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`bureau ${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    async close() {
      await stack.stopWorker();
      await app.close();
      await connection.close();
      await database.close();
      await bureauServer.close();
      await browsers.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await stack.startWorker();
  return stack;
}
