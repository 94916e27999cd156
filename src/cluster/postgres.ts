// A private PostgreSQL server for the cluster when no DATABASE_URL is given: Debian's server
// binaries (initdb, pg_ctl), a data folder under DATA_DIR, its own port, trust auth on
// 127.0.0.1 only. initdb and postgres refuse to run as root: as root they run as the
// `postgres` user, which then owns the data folder.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Log } from './child';

const run = promisify(execFile);

/** The folder of initdb and pg_ctl: POSTGRES_BIN, else Debian's newest /usr/lib/postgresql/<v>/bin. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POSTGRES_BIN) return env.POSTGRES_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error("no PostgreSQL server binaries (initdb): run `bash scripts/provision.sh` (Debian's postgresql package) or set DATABASE_URL");
  return path.join(root, newest, 'bin');
}

export class PrivatePostgres {
  private readonly asPostgresUser = process.getuid?.() === 0;

  constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly log: Log,
    private readonly binDir = postgresBinDir(),
  ) {}

  /** The superuser's URL of database `name`. */
  url(name: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  /** How to run one of the server's programs: as the postgres user when we are root. */
  private command(name: string, args: string[]): [string, string[]] {
    const bin = path.join(this.binDir, name);
    return this.asPostgresUser ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  }

  private async tool(name: string, args: string[]): Promise<string> {
    const [command, argv] = this.command(name, args);
    // pg_ctl starts the postmaster in a session of its own (setsid): Ctrl-C at the launcher's
    // terminal does not reach it, and the launcher stops it last, after everything using it.
    const { stdout } = await run(command, argv, { encoding: 'utf8', timeout: 120_000 }).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`${name} ${args.join(' ')} failed: ${err.stderr?.trim() || err.message}`);
    });
    return stdout;
  }

  /** initdb once; later starts find the folder and keep its data. */
  async init(): Promise<void> {
    if (this.asPostgresUser) {
      // DATA_DIR is owner-only (src/data-dir.ts): the postgres user may pass through it to its own
      // folder (x), not list or read it. secureDataDir() keeps these bits while that folder is there.
      const parent = path.dirname(this.dataDir);
      mkdirSync(parent, { recursive: true, mode: 0o700 });
      chmodSync(parent, (statSync(parent).mode & 0o7777) | 0o011);
    }
    if (existsSync(path.join(this.dataDir, 'PG_VERSION'))) return;
    mkdirSync(this.dataDir, { recursive: true });
    if (this.asPostgresUser) {
      const parent = path.dirname(this.dataDir);
      await run('runuser', ['-u', 'postgres', '--', 'test', '-x', parent]).catch(() => {
        throw new Error(`the postgres user cannot reach ${parent}: make the folders above it traversable (chmod o+x), use a DATA_DIR elsewhere, or set DATABASE_URL`);
      });
      chownSync(this.dataDir, Number((await run('id', ['-u', 'postgres'])).stdout), Number((await run('id', ['-g', 'postgres'])).stdout));
      chmodSync(this.dataDir, 0o700);
    }
    this.log(`postgres: initdb ${this.dataDir}`);
    await this.tool('initdb', ['-D', this.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale', 'C']);
  }

  async start(): Promise<void> {
    const logFile = path.join(this.dataDir, 'server.log');
    // -w: pg_ctl returns once the server accepts connections (after crash recovery, if any).
    // The Temporal server alone may open up to 24 connections per service (deploy/temporal/config),
    // and every worker and API has its pool: more than the default 100.
    const options = `-p ${this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1 -c max_connections=300`;
    await this.tool('pg_ctl', ['-D', this.dataDir, '-l', logFile, '-w', '-t', '120', '-o', options, 'start']);
  }

  /** `pg_ctl stop -m immediate`: no checkpoint, as a crash or power loss would leave it. */
  async crash(): Promise<void> {
    await this.tool('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', 'stop']);
  }

  /** For a process exit handler: no waiting on anything but pg_ctl. */
  crashSync(): void {
    if (!existsSync(path.join(this.dataDir, 'postmaster.pid'))) return;
    try {
      execFileSync(...this.command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', 'stop']), { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // not running after all
    }
  }

  async stop(): Promise<void> {
    if (!existsSync(path.join(this.dataDir, 'postmaster.pid'))) return;
    await this.tool('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
  }
}
