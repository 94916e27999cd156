// The chaos run's own processes: a Temporal dev server on a persistent SQLite file that can be
// killed and started again, and the worker and the API as child processes that can be SIGKILLed. Only
// processes started here are ever signalled, each by its own pid or process group.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeFlags } from '../../src/contracts/search-attributes';

export type Log = (line: string) => void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The Temporal CLI: TEMPORAL_CLI_PATH, else what scripts/provision.sh finds (or builds). */
export function temporalCliPath(repoRoot: string): string {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const out = execFileSync('bash', [path.join(repoRoot, 'scripts/provision.sh'), '--quiet', '--print-temporal'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const cli = out.split('\n').pop();
  if (!cli) throw new Error('no Temporal CLI: run bash scripts/provision.sh');
  return cli;
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

/** Waits for `proc` to exit, at most `ms`; true when it did. */
async function exitedWithin(proc: ChildProcess, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([exited(proc).then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
  clearTimeout(timer);
  return result;
}

/** `temporal server start-dev` on a database file that outlives each process. */
export class DevServer {
  private proc: ChildProcess | undefined;
  private readonly logFile: WriteStream;
  restarts = 0;

  constructor(
    private readonly cli: string,
    private readonly dbFile: string,
    readonly port: number,
    private readonly uiPort: number,
    logPath: string,
    private readonly log: Log,
  ) {
    this.logFile = createWriteStream(logPath, { flags: 'a' });
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = [
      'server', 'start-dev',
      '--db-filename', this.dbFile,
      '--ip', '127.0.0.1',
      '--port', String(this.port),
      '--ui-port', String(this.uiPort),
      '--headless',
      '--log-level', 'error',
      '--sqlite-pragma', 'journal_mode=WAL',
      // The API starts workflows with our custom search attributes: the server must know them.
      ...searchAttributeFlags(),
    ];
    const proc = spawn(this.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.pipe(this.logFile, { end: false });
    proc.stderr?.pipe(this.logFile, { end: false });
    this.proc = proc;
    await this.waitReady(proc);
  }

  /** Ready once the frontend answers for the default namespace. */
  private async waitReady(proc: ChildProcess, timeoutMs = 90_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`the Temporal dev server exited (${proc.signalCode ?? proc.exitCode}) while starting`);
      const ok = await Connection.connect({ address: this.address, connectTimeout: 2000 })
        .then(async (c) => {
          try {
            await c.withDeadline(Date.now() + 2000, () => c.workflowService.describeNamespace({ namespace: 'default' }));
            return true;
          } finally {
            await c.close();
          }
        })
        .catch(() => false);
      if (ok) return;
      if (Date.now() > until) throw new Error(`the Temporal dev server did not come up on ${this.address} within ${timeoutMs / 1000} s`);
      await sleep(300);
    }
  }

  /** SIGKILL: no shutdown of any kind, as a crash would leave it. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.pid === undefined) return;
    proc.kill('SIGKILL');
    await exited(proc);
    this.proc = undefined;
  }

  /** Killed, then started again on the same database file and port after `downMs`. */
  async crashAndRestart(downMs: number): Promise<void> {
    this.log(`temporal: SIGKILL the dev server (pid ${this.proc?.pid}), restarting in ${downMs} ms on ${path.basename(this.dbFile)}`);
    await this.kill();
    await sleep(downMs);
    const started = Date.now();
    await this.start();
    this.restarts++;
    this.log(`temporal: the dev server is back (pid ${this.proc?.pid}) after ${Date.now() - started} ms`);
  }

  /** For an exit handler: no waiting. */
  killSync(): void {
    this.proc?.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc) {
      proc.kill('SIGTERM');
      if (!(await exitedWithin(proc, 10_000))) proc.kill('SIGKILL');
      await exited(proc);
      this.proc = undefined;
    }
    this.logFile.end();
  }
}

export interface ServiceProcessOptions {
  repoRoot: string;
  env: NodeJS.ProcessEnv;
  logPath: string;
  log: Log;
  readyTimeoutMs?: number;
}

/** What runs in a ServiceProcess: the script and the log line that says it serves. */
export interface ServiceKind {
  name: string;
  script: string;
  readyLine: string;
}

export const WORKER: ServiceKind = { name: 'worker', script: 'src/worker/main.ts', readyLine: '"msg":"worker running"' };
/** Fastify's line once the API listens: the API alone, or the API and the worker in one process. */
export const API: ServiceKind = { name: 'api', script: 'src/api/main.ts', readyLine: '"msg":"Server listening at' };
export const SERVICE: ServiceKind = { name: 'service', script: 'src/service-main.ts', readyLine: '"msg":"Server listening at' };

/**
 * `tsx <script>` in its own process group (tsx runs node as its child): a kill takes the whole
 * group. An exit nobody asked for is counted and the process started again.
 */
export class ServiceProcess {
  private proc: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private stopping = false;
  private readonly logFile: WriteStream;
  kills = 0;
  starts = 0;
  unexpectedExits = 0;
  /** From spawning to serving, each start. */
  readonly startMs: number[] = [];
  /** When each start began to serve (epoch ms). */
  readonly readyAt: number[] = [];

  constructor(
    readonly kind: ServiceKind,
    protected readonly opts: ServiceProcessOptions,
  ) {
    this.logFile = createWriteStream(opts.logPath, { flags: 'a' });
  }

  /** The process group of the running process (tsx and its node child). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  protected env(): NodeJS.ProcessEnv {
    return this.opts.env;
  }

  /** Starts the process; resolves once it serves. */
  start(): Promise<void> {
    const started = Date.now();
    const { name, script, readyLine } = this.kind;
    const tsx = path.join(this.opts.repoRoot, 'node_modules/.bin/tsx');
    const proc = spawn(tsx, [script], { cwd: this.opts.repoRoot, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.proc = proc;
    this.starts++;
    proc.stderr?.pipe(this.logFile, { end: false });
    const timeoutMs = this.opts.readyTimeoutMs ?? 180_000;
    const ready = new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`the ${name} did not start within ${timeoutMs / 1000} s`)), timeoutMs);
      proc.stdout?.on('data', (chunk: Buffer) => {
        this.logFile.write(chunk);
        if (seen === 'done') return;
        seen = (seen + chunk.toString('utf8')).slice(-4000);
        if (seen.includes(readyLine)) {
          seen = 'done';
          clearTimeout(timer);
          this.startMs.push(Date.now() - started);
          this.readyAt.push(Date.now());
          resolve();
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (seen !== 'done') reject(new Error(`the ${name} exited (${signal ?? code}) before it ran`));
      });
    });
    proc.once('exit', (code, signal) => {
      if (this.proc !== proc) return;
      this.proc = undefined;
      if (this.stopping) return;
      this.unexpectedExits++;
      this.opts.log(`${name}: exited by itself (${signal ?? code}); starting it again`);
      setTimeout(() => {
        if (!this.stopping && !this.proc) void this.start().catch((err: unknown) => this.opts.log(`${name}: restart failed: ${String(err)}`));
      }, 1000);
    });
    this.ready = ready;
    return ready;
  }

  /** Resolves once the current process serves (starting one if none runs). */
  async whenRunning(): Promise<void> {
    for (;;) {
      if (!this.proc) await this.start().catch(() => undefined);
      const ready = this.ready;
      if (ready && (await ready.then(() => true, () => false)) && this.proc) return;
      await sleep(500);
    }
  }

  /** SIGKILL to the whole process group, as a crash would leave it; nothing is started again. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc?.pid) return;
    this.proc = undefined; // this exit is ours
    this.opts.log(`${this.kind.name}: SIGKILL process group ${proc.pid}`);
    process.kill(-proc.pid, 'SIGKILL');
    await exited(proc);
    this.kills++;
    await this.afterKill();
  }

  /** SIGTERM to the whole process group, as a deploy stops it; resolves with how it ended. Nothing is started again. */
  async terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const proc = this.proc;
    if (!proc?.pid) throw new Error(`the ${this.kind.name} is not running`);
    this.proc = undefined; // this exit is ours
    process.kill(-proc.pid, 'SIGTERM');
    await exited(proc);
    return { code: proc.exitCode, signal: proc.signalCode };
  }

  /** SIGKILL, then start it again (not awaited: see whenRunning). */
  async killAndRestart(): Promise<void> {
    if (!this.proc?.pid) return;
    await this.kill();
    this.start().catch((err: unknown) => this.opts.log(`${this.kind.name}: restart failed: ${String(err)}`));
  }

  /** What a killed process leaves behind, cleaned up. */
  protected async afterKill(): Promise<void> {}

  /** For an exit handler: no waiting. */
  killSync(): void {
    this.stopping = true;
    if (!this.proc?.pid) return;
    try {
      process.kill(-this.proc.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const proc = this.proc;
    this.proc = undefined;
    if (proc?.pid) {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        // gone already
      }
      if (!(await exitedWithin(proc, 15_000))) {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {
          // gone already
        }
        await exited(proc);
      }
    }
    await this.afterKill();
    this.logFile.end();
  }
}

/** The worker; its Chromium profiles live in `tmpDir` (its TMPDIR), so strays can be found. */
export class WorkerProcess extends ServiceProcess {
  strayChromiums = 0;
  private readonly tmpDir: string;

  constructor(opts: ServiceProcessOptions & { tmpDir: string }) {
    super(WORKER, opts);
    this.tmpDir = opts.tmpDir;
  }

  protected override env(): NodeJS.ProcessEnv {
    return { ...this.opts.env, TMPDIR: this.tmpDir };
  }

  protected override async afterKill(): Promise<void> {
    this.strayChromiums += await this.killStrayChromiums();
  }

  /**
   * Chromium is launched by Puppeteer in a process group of its own; with its pipe closed it
   * exits by itself. Browsers still alive 5 s after the worker died are counted and killed.
   */
  private async killStrayChromiums(): Promise<number> {
    const marker = path.join(this.tmpDir, 'sifee-chromium-');
    const alive = () => {
      const found: { pid: number; main: boolean }[] = [];
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
          if (cmdline.includes(marker)) found.push({ pid: Number(entry), main: !cmdline.includes('--type=') });
        } catch {
          // gone meanwhile
        }
      }
      return found;
    };
    for (let waited = 0; waited < 5000 && alive().length > 0; waited += 250) await sleep(250);
    const strays = alive();
    for (const { pid } of strays) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    return strays.filter((p) => p.main).length;
  }

  /** Chromium profiles left behind (a killed worker cannot remove its browser's profile). */
  leftoverProfiles(): number {
    return readdirSync(this.tmpDir).filter((name) => name.startsWith('sifee-chromium-')).length;
  }
}
