// The service's own processes for a benchmark: the worker and the API started as `npm run worker`
// and `npm run api` start them (src/worker/main.ts, src/api/main.ts), each with its log in a file,
// its RSS read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { CODEC_KEYS, type BenchEnv } from './env';

export { freePort } from '../src/runtime/free-port';

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

/** A process's resident memory now and its high-water mark, in MB (from /proc); null once it is gone. */
export function memoryMb(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

export const rssMb = (pid: number): number | null => memoryMb(pid)?.rss ?? null;

/** The fields of /proc/<pid>/stat after the command's name (state, ppid, …); undefined once it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
}

const parentPid = (pid: number): number | undefined => {
  const ppid = statFields(pid)?.[1];
  return ppid === undefined ? undefined : Number(ppid);
};

/** The CPU seconds a process has used so far (user + system), from /proc; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / 100 : 0; // utime, stime in clock ticks (100 a second on Linux)
}

const pids = (): number[] => readdirSync('/proc').map(Number).filter(Number.isInteger);


/** The machine's CPU time so far, busy and in all, in clock ticks (from /proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = fields.map(Number);
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - n[3]! - n[4]!, total }; // idle, iowait
}

/** CPU seconds used so far by each of these processes and their descendants (user + system, from /proc). */
export function cpuByProcessTree(roots: Record<string, number>): Record<string, number> {
  const parentOf = new Map(pids().map((pid) => [pid, parentPid(pid)]));
  const names = new Map(Object.entries(roots).map(([name, pid]) => [pid, name]));
  const rootOf = (pid: number): string | undefined => {
    for (let p: number | undefined = pid; p && p > 1; p = parentOf.get(p)) if (names.has(p)) return names.get(p);
    return undefined;
  };
  const result: Record<string, number> = Object.fromEntries(Object.keys(roots).map((k) => [k, 0]));
  for (const pid of parentOf.keys()) {
    const name = rootOf(pid);
    if (name) result[name]! += cpuSeconds(pid);
  }
  return result;
}

/** The pid of a child of this process whose command line contains `text` (e.g. the Temporal dev server). */
export function childPid(text: string): number | undefined {
  return pids().find((pid) => {
    try {
      return parentPid(pid) === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** The PostgreSQL server's pid (its postmaster: the parent of a backend), when it runs on this machine. */
export function postmasterPid(backendPid: number): number | undefined {
  const parent = parentPid(backendPid);
  return parent && parent > 1 ? parent : undefined;
}
