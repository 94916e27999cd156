// One long-running program of the cluster topology (the Temporal server, its UI, the bureau, a
// worker, an API), started in a process group of its own: Ctrl-C at the terminal reaches only
// the launcher, which stops the children in order, and a kill takes the child's whole group
// (tsx runs node as its child). Only groups started here are ever signalled.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

export type Log = (line: string) => void;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where its stdout and stderr go (kept open across restarts). */
  output: Writable;
  /** Ready once this answers true (polled), or once its output contains `readyLine`. */
  ready: { check: () => Promise<boolean> } | { line: string };
  readyTimeoutMs?: number;
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

async function exitedWithin(proc: ChildProcess, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([exited(proc).then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
  clearTimeout(timer);
  return done;
}

function signalGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // gone already
  }
}

export class Child {
  private proc: ChildProcess | undefined;
  /** Called when the child, once ready, exits without being asked to (not after kill() or stop()). */
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;

  constructor(readonly spec: ChildSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  /** Starts it and resolves once it is ready; rejects when it exits first or takes too long. */
  async start(): Promise<void> {
    const { spec } = this;
    const proc = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.proc = proc;
    let seen = '';
    let sawLine = false;
    const readyLine = 'line' in spec.ready ? spec.ready.line : undefined;
    const forward = (chunk: Buffer) => {
      spec.output.write(chunk);
      if (readyLine && !sawLine) {
        seen = (seen + chunk.toString('utf8')).slice(-8000);
        sawLine = seen.includes(readyLine);
      }
    };
    proc.stdout?.on('data', forward);
    proc.stderr?.on('data', forward);
    let ready = false;
    proc.once('exit', (code, signal) => {
      if (this.proc !== proc) return; // an exit we asked for
      this.proc = undefined;
      // Before it was ready, start() answers the exit instead.
      if (ready) this.onUnexpectedExit?.(code, signal);
    });
    const timeoutMs = spec.readyTimeoutMs ?? 180_000;
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (this.proc !== proc) throw new Error(`${spec.name} exited (${proc.signalCode ?? proc.exitCode}) before it was ready`);
      if ('check' in spec.ready ? await spec.ready.check() : sawLine) {
        ready = true;
        return;
      }
      if (Date.now() > until) {
        await this.kill();
        throw new Error(`${spec.name} was not ready within ${timeoutMs / 1000} s`);
      }
      await sleep(250);
    }
  }

  /** SIGKILL to its whole group, as a crash would leave it; resolves once it is gone. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    signalGroup(proc, 'SIGKILL');
    await exited(proc);
  }

  /** SIGTERM (its own clean shutdown), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    signalGroup(proc, 'SIGTERM');
    if (!(await exitedWithin(proc, graceMs))) {
      signalGroup(proc, 'SIGKILL');
      await exited(proc);
    }
  }

  /** For a process exit handler: no waiting. */
  killSync(): void {
    const proc = this.proc;
    this.proc = undefined;
    if (proc) signalGroup(proc, 'SIGKILL');
  }
}
