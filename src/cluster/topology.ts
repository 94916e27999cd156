// The production topology on one machine, all real: PostgreSQL (DATABASE_URL's server or a
// private one), the Temporal server's schemas set up by temporal-sql-tool, the Temporal server
// (deploy/temporal/config) and its UI server, the namespace, the mock bureau, N workers and M
// APIs. `npm run start:cluster`, the cluster fault test and the cluster benchmark all start it
// here, so what they prove and measure is what a user runs.
import { execFile, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import postgres from 'postgres';
import { ensureSearchAttributes } from '../worker/register-search-attributes';
import { Child, sleep, type Log } from './child';
import { PrivatePostgres } from './postgres';
import { secureDataDir } from '../data-dir';
import { WORKER_NODE_ARGS } from '../worker/heap';
import { allowedHostNames, hostList } from '../api/host-names';
import { startTemporalUiGate, temporalUiLaunch, type TemporalUiGate } from '../temporal-ui';

const run = promisify(execFile);

/** The programs scripts/provision.sh --cluster provides (built once, cached in ~/.cache/sifee). */
export interface ClusterTools {
  temporalCli: string;
  server: string;
  sqlTool: string;
  uiServer: string;
  /** The server module's schema/postgresql/v12 (temporal/ and visibility/ inside). */
  schemaDir: string;
}

/** Runs provisioning (quick when all is there) and reads what it found or built. */
export function clusterTools(repoRoot: string): ClusterTools {
  execFileSync('bash', [path.join(repoRoot, 'scripts/provision.sh'), '--quiet', '--cluster'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const read = (file: string) => {
    const where = path.join(repoRoot, '.tools', file);
    if (!existsSync(where)) throw new Error(`${where} is missing: run bash scripts/provision.sh --cluster`);
    return readFileSync(where, 'utf8').trim();
  };
  return {
    temporalCli: read('temporal-path'),
    server: read('temporal-server-path'),
    sqlTool: read('temporal-sql-tool-path'),
    uiServer: read('temporal-ui-server-path'),
    schemaDir: read('temporal-schema-dir'),
  };
}

export interface ClusterOptions {
  repoRoot: string;
  tools: ClusterTools;
  dataDir: string;
  /** An existing server for everything (our database and Temporal's two); unset: a private one. */
  databaseUrl: string | undefined;
  postgresPort: number;
  /** The Temporal frontend, host:port; the server's other ports follow from it (+1 … +9). */
  temporalAddress: string;
  /** The UI for people (a Host-checking gate); ui-server itself listens on temporalUiServerPort. */
  temporalUiPort: number;
  temporalUiServerPort: number;
  namespace: string;
  retention: string;
  bureauPort: number;
  /** The first API's port; the others follow (PORT, PORT+1, …). */
  apiPort: number;
  apis: number;
  workers: number;
  /** Environment of the bureau, workers and APIs on top of ours (keys, timings, …). */
  serviceEnv: Record<string, string>;
  /** First worker's WORKER_METRICS_PORT (then +1, …); unset: not served. */
  workerMetricsPort?: number;
  /** Where the children's output goes: one stream (a terminal), or a log file per child in this folder. */
  output: Writable | { dir: string };
  log: Log;
}

function hostPort(address: string): { host: string; port: number } {
  const [host = '127.0.0.1', port = '7233'] = address.split(':');
  return { host, port: Number(port) };
}

/** LOG_LEVEL, but at least info. */
function verboseEnough(level: string | undefined): string {
  return level && ['trace', 'debug', 'info'].includes(level) ? level : 'info';
}

const httpOk = (url: string) => () => fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);

/** One PostgreSQL server for the cluster: DATABASE_URL's or a private one; created databases are kept. */
class ClusterDatabase {
  readonly private: PrivatePostgres | undefined;
  private readonly base: URL;

  constructor(opts: ClusterOptions) {
    if (opts.databaseUrl) {
      this.base = new URL(opts.databaseUrl);
    } else {
      this.private = new PrivatePostgres(path.join(opts.dataDir, 'postgres'), opts.postgresPort, opts.log);
      this.base = new URL(this.private.url('sifee'));
    }
  }

  /** Our own database (DATABASE_URL's, or `sifee` on the private server). */
  get appUrl(): string {
    return this.base.toString();
  }

  /** How temporal-sql-tool and the Temporal server reach this PostgreSQL (deploy/temporal/config). */
  temporalEnv(): Record<string, string> {
    return {
      TEMPORAL_DB_HOST: this.base.hostname,
      TEMPORAL_DB_PORT: this.base.port || '5432',
      TEMPORAL_DB_USER: decodeURIComponent(this.base.username) || 'postgres',
      TEMPORAL_DB_PASSWORD: decodeURIComponent(this.base.password),
    };
  }

  async start(): Promise<void> {
    if (this.private) {
      await this.private.init();
      await this.private.start();
      // Our database is made here; DATABASE_URL's must exist already, as for `npm run api`.
      const admin = postgres(this.private.url('postgres'), { max: 1, onnotice: () => {} });
      try {
        const [found] = await admin`select 1 from pg_database where datname = 'sifee'`;
        if (!found) await admin.unsafe('create database sifee');
      } finally {
        await admin.end();
      }
    }
  }
}

export class Cluster {
  readonly database: ClusterDatabase;
  readonly temporal: Child;
  readonly ui: Child;
  private uiGate: TemporalUiGate | undefined;
  readonly bureau: Child;
  readonly workers: Child[];
  readonly apis: Child[];
  private readonly outputs: Writable[] = [];
  private stopping = false;
  private readonly opts: ClusterOptions;
  private readonly temporalEnv: NodeJS.ProcessEnv;
  private readonly appEnv: NodeJS.ProcessEnv;

  constructor(opts: ClusterOptions) {
    this.opts = opts;
    this.database = new ClusterDatabase(opts);
    const { port: temporalPort } = hostPort(opts.temporalAddress);
    const tsx = path.join(opts.repoRoot, 'node_modules/.bin/tsx');
    this.temporalEnv = {
      ...process.env,
      ...this.database.temporalEnv(),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_BIND_IP: hostPort(opts.temporalAddress).host,
    };
    this.appEnv = {
      ...process.env,
      ...opts.serviceEnv,
      DATABASE_URL: this.database.appUrl,
      TEMPORAL_ADDRESS: opts.temporalAddress,
      TEMPORAL_NAMESPACE: opts.namespace,
      BUREAU_PORT: String(opts.bureauPort),
      BUREAU_URL: `http://127.0.0.1:${opts.bureauPort}`,
      DATA_DIR: opts.dataDir,
    };
    const frontend = opts.temporalAddress;
    this.temporal = new Child({
      name: 'temporal',
      command: opts.tools.server,
      // deploy/temporal/config/development.yaml, rendered from temporalEnv by the server itself.
      args: ['--root', '.', '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
      cwd: path.join(opts.repoRoot, 'deploy/temporal'),
      env: this.temporalEnv,
      output: this.outputFor('temporal'),
      ready: { check: () => frontendAnswers(frontend, 'temporal-system') },
    });
    const ui = temporalUiLaunch({
      program: opts.tools.uiServer,
      repoRoot: opts.repoRoot,
      temporalAddress: frontend,
      port: opts.temporalUiServerPort,
      namespace: opts.namespace,
      apiOrigins: Array.from({ length: opts.apis }, (_, i) => `http://127.0.0.1:${opts.apiPort + i}`),
    });
    this.ui = new Child({
      name: 'temporal-ui',
      ...ui,
      output: this.outputFor('temporal-ui'),
      ready: { check: httpOk(`http://127.0.0.1:${opts.temporalUiServerPort}/`) },
    });
    this.bureau = new Child({
      name: 'bureau',
      command: tsx,
      args: ['src/bureau/main.ts'],
      cwd: opts.repoRoot,
      env: this.appEnv,
      output: this.outputFor('bureau'),
      ready: { check: httpOk(`http://127.0.0.1:${opts.bureauPort}/health`) },
    });
    this.workers = Array.from({ length: opts.workers }, (_, i) => {
      const name = `worker-${i + 1}`;
      const metrics = opts.workerMetricsPort ? String(opts.workerMetricsPort + i) : '';
      return new Child({
        name,
        command: tsx,
        args: [...WORKER_NODE_ARGS, 'src/worker/main.ts'],
        cwd: opts.repoRoot,
        // Its own TMPDIR: its Chromium profiles stay apart from the other workers'. Its readiness
        // is its "worker running" line, logged at info.
        env: { ...this.appEnv, WORKER_METRICS_PORT: metrics, TMPDIR: this.tmpDir(name), LOG_LEVEL: verboseEnough(this.appEnv.LOG_LEVEL) },
        output: this.outputFor(name),
        ready: { line: '"msg":"worker running"' },
      });
    });
    this.apis = Array.from({ length: opts.apis }, (_, i) => {
      const port = opts.apiPort + i;
      return new Child({
        name: `api-${i + 1}`,
        command: tsx,
        args: ['src/api/main.ts'],
        cwd: opts.repoRoot,
        env: { ...this.appEnv, PORT: String(port) },
        output: this.outputFor(`api-${i + 1}`),
        ready: { check: httpOk(`http://127.0.0.1:${port}/health`) },
      });
    });
  }

  /** Every long-running child, in start order. */
  get children(): Child[] {
    return [this.temporal, this.ui, this.bureau, ...this.workers, ...this.apis];
  }

  get apiUrls(): string[] {
    return this.apis.map((_, i) => `http://127.0.0.1:${this.opts.apiPort + i}`);
  }

  get temporalAddress(): string {
    return this.opts.temporalAddress;
  }

  get bureauUrl(): string {
    return `http://127.0.0.1:${this.opts.bureauPort}`;
  }

  get databaseUrl(): string {
    return this.database.appUrl;
  }

  private tmpDir(name: string): string {
    const dir = path.join(this.opts.dataDir, 'tmp', name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private outputFor(name: string): Writable {
    const { output } = this.opts;
    if (!('dir' in output)) return output;
    mkdirSync(output.dir, { recursive: true });
    const file = createWriteStream(path.join(output.dir, `${name}.log`), { flags: 'a' });
    this.outputs.push(file);
    return file;
  }

  private async step<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const result = await fn();
    this.opts.log(`${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return result;
  }

  /** Brings the whole topology up, in dependency order; idempotent steps run on every start. */
  async start(): Promise<void> {
    await this.startTemporal();
    const { opts } = this;
    await this.step(`temporal: UI on http://127.0.0.1:${opts.temporalUiPort}`, async () => {
      await this.ui.start();
      this.uiGate ??= await startTemporalUiGate({ port: opts.temporalUiPort, upstreamPort: opts.temporalUiServerPort, hostNames: allowedHostNames({ extra: hostList(process.env.ALLOWED_HOSTS) }) });
    });
    await this.step('database: migrations applied', () => this.migrate());
    await this.step(`bureau: ${this.bureauUrl}`, () => this.bureau.start());
    // Workers bundle their workflows first (CPU-heavy): one after the other on small machines.
    for (const w of this.workers) await this.step(`${w.name}: running`, () => w.start());
    await this.step(`APIs: ${this.apiUrls.join(', ')}`, () => Promise.all(this.apis.map((a) => a.start())));
  }

  /** PostgreSQL and the Temporal server with its namespace: what a benchmark's own clients need. */
  async startTemporal(): Promise<void> {
    const { opts } = this;
    // Owner-only (the private PostgreSQL's own folder aside), and so is what the children write there.
    secureDataDir(opts.dataDir, opts.log);
    await this.step(this.database.private ? `postgres: private server on 127.0.0.1:${opts.postgresPort} (${this.database.private.dataDir})` : 'postgres: DATABASE_URL', () => this.database.start());
    await this.step('temporal: schemas created or upgraded (temporal-sql-tool)', () => this.setupSchemas());
    await this.step(`temporal: server on ${opts.temporalAddress}`, () => this.temporal.start());
    await this.step(`temporal: namespace ${opts.namespace} (retention ${opts.retention}) and search attributes`, () => this.registerNamespace());
  }

  /** deploy/temporal/setup-schema.sh: the same step docker-compose's temporal-schema service runs. */
  async setupSchemas(): Promise<void> {
    await run('sh', [path.join(this.opts.repoRoot, 'deploy/temporal/setup-schema.sh')], {
      env: { ...this.temporalEnv, TEMPORAL_SQL_TOOL: this.opts.tools.sqlTool, TEMPORAL_SCHEMA_DIR: this.opts.tools.schemaDir },
      timeout: 300_000,
    }).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`setting up Temporal's schemas failed: ${err.stderr?.trim() || err.message}`);
    });
  }

  /** deploy/temporal/register-namespace.sh, then our search attributes, then wait until the namespace serves. */
  async registerNamespace(): Promise<void> {
    const { opts } = this;
    await run('sh', [path.join(opts.repoRoot, 'deploy/temporal/register-namespace.sh')], {
      env: { ...process.env, TEMPORAL_CLI: opts.tools.temporalCli, TEMPORAL_ADDRESS: opts.temporalAddress, TEMPORAL_NAMESPACE: opts.namespace, TEMPORAL_RETENTION: opts.retention },
      timeout: 180_000,
    }).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`registering the namespace failed: ${err.stderr?.trim() || err.message}`);
    });
    const until = Date.now() + 60_000;
    for (;;) {
      const connection = await Connection.connect({ address: opts.temporalAddress });
      try {
        await ensureSearchAttributes(connection, opts.namespace);
        return;
      } catch (err) {
        // A new namespace reaches every service's cache within seconds.
        if (Date.now() > until) throw err;
      } finally {
        await connection.close();
      }
      await sleep(1000);
    }
  }

  /** Once before the workers and APIs start, so they do not race each other to migrate. */
  async migrate(): Promise<void> {
    await run(path.join(this.opts.repoRoot, 'node_modules/.bin/tsx'), ['src/db/migrate-cli.ts'], { cwd: this.opts.repoRoot, env: this.appEnv, timeout: 120_000 });
  }

  /**
   * Like compose's `restart: unless-stopped`: a child that exits by itself is reported, then
   * started again (every 2 s) until it runs.
   */
  restartOnExit(report: (child: Child, code: number | null, signal: NodeJS.Signals | null) => void): void {
    for (const child of this.children) {
      child.onUnexpectedExit = (code, signal) => {
        report(child, code, signal);
        void (async () => {
          while (!this.stopping && !(await child.start().then(() => true, () => false))) await sleep(2000);
        })();
      };
    }
  }

  /** Everything down, in reverse order; PostgreSQL last. */
  async stop(): Promise<void> {
    this.stopping = true;
    // More than API_DRAIN_TIMEOUT_SECONDS' default (20 s): a draining API finishes its requests.
    await Promise.all(this.apis.map((a) => a.stop(30_000)));
    await Promise.all(this.workers.map((w) => w.stop(30_000)));
    await this.uiGate?.close();
    this.uiGate = undefined;
    for (const c of [this.bureau, this.ui, this.temporal]) await c.stop();
    await this.database.private?.stop();
    await Promise.all(this.outputs.map((o) => new Promise((r) => o.end(r))));
  }

  /** For a process exit handler (a test or launcher dying): everything killed, nothing waited for. */
  killSync(): void {
    for (const c of this.children) c.killSync();
    this.database.private?.crashSync();
  }
}

/** True once the frontend answers for `namespace` (which reads the server's database). */
export async function frontendAnswers(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 }).catch(() => undefined);
  if (!connection) return false;
  try {
    await connection.withDeadline(Date.now() + 3000, () => connection.workflowService.describeNamespace({ namespace }));
    return true;
  } catch {
    return false;
  } finally {
    await connection.close();
  }
}
