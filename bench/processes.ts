// The service's own processes for a benchmark: the worker and the API started as `npm run worker`
// and `npm run api` start them (src/worker/main.ts, src/api/main.ts), each with its log in a file,
// its RSS read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { CODEC_KEYS, type BenchEnv } from './env';

export interface Proc {
  name: string;
  child: ChildProcess;
  peakMb: number;
  exited: Promise<unknown>;
}

/** The environment of a worker or API process of the bench's service on this env's components. */
export function serviceEnv(env: BenchEnv, o: { taskQueue: string; dataDir: string; operatorKey: string; port: number }): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: env.databaseUrl,
    TEMPORAL_ADDRESS: env.temporalAddress,
    TASK_QUEUE: o.taskQueue,
    BUREAU_URL: env.bureauUrl,
    PAYLOAD_CODEC_KEYS: CODEC_KEYS,
    DATA_DIR: o.dataDir,
    LOG_LEVEL: 'info',
    WORKER_METRICS_PORT: '',
    API_KEYS: `bench:operator:${o.operatorKey}`,
    PORT: String(o.port),
    RATE_LIMIT_PER_MINUTE: '1000000',
  };
}

export function launch(name: string, file: string, env: NodeJS.ProcessEnv, logFile: string, nodeArgs: string[] = []): Proc {
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return { name, child, peakMb: 0, exited: new Promise((r) => child.once('exit', r)) };
}

export async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  await Promise.race([p.exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}

export async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await probe().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until the API answers /health and the worker has logged that it runs. */
export async function untilRunning(apiUrl: string, workerLog: string): Promise<void> {
  await until('the API answers', 180_000, async () => ((await fetch(`${apiUrl}/health`)).ok ? true : undefined));
  await until('the worker runs', 180_000, async () => (readFileSync(workerLog, 'utf8').includes('"msg":"worker running"') ? true : undefined));
}

export function rssMb(pid: number): number | null {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/** The CPU seconds a process has used so far (user + system), from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 a second on Linux)
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The machine's CPU time so far, busy and in all, in clock ticks (from /proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = fields.map(Number);
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - n[3]! - n[4]!, total }; // idle, iowait
}

/** CPU seconds used so far by each of these processes and their descendants (user + system, from /proc). */
export function cpuByProcessTree(roots: Record<string, number>): Record<string, number> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      parentOf.set(pid, Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const rootOf = (pid: number): string | undefined => {
    for (let p: number | undefined = pid; p && p > 1; p = parentOf.get(p)) {
      const name = Object.keys(roots).find((k) => roots[k] === p);
      if (name) return name;
    }
    return undefined;
  };
  const result: Record<string, number> = Object.fromEntries(Object.keys(roots).map((k) => [k, 0]));
  for (const pid of parentOf.keys()) {
    const name = rootOf(pid);
    if (name) result[name]! += (() => { try { return cpuSeconds(pid); } catch { return 0; } })();
  }
  return result;
}

/** The pid of a child of this process whose command line contains `text` (e.g. the Temporal dev server). */
export function childPid(text: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const parent = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The PostgreSQL server's pid (its postmaster), when it runs on this machine. */
export function postgresPid(): number | undefined {
  for (const file of ['/var/lib/postgresql/15/main/postmaster.pid']) {
    try {
      return Number(readFileSync(file, 'utf8').split('\n')[0]);
    } catch {
      // not here
    }
  }
  return undefined;
}
