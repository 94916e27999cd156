// What every benchmark runs on: a Temporal dev server of its own (the CLI the tests use), a fresh
// database on the machine's PostgreSQL, the mock bureau over HTTP, the workflow bundle, and the
// data the flows need (employers at the bureau and here, signed in, with assessed items).
// Nothing listens beyond 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import postgres from 'postgres';
import { BureauClient } from '../src/bureau/client';
import { buildBureau } from '../src/bureau/server';
import { dataConverterFor } from '../src/codec/aes-gcm-codec';
import { loadConfig, type Config, type DeclarationTiming } from '../src/config';
import { openDatabase, type Database } from '../src/db/client';
import { insertEmployer } from '../src/db/employers';
import type { FeeItem } from '../src/domain/fee-items';
import { checkCharacter } from '../src/domain/taxpayer-id';
import { WORKFLOW_BUNDLE } from '../src/temporal/workflows-path';
import { searchAttributeFlags } from '../src/contracts/search-attributes';

export const CODEC_KEYS = `bench1:${Buffer.alloc(32, 9).toString('base64')}`;
export const ADMIN_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Short waits, so a flow is limited by work rather than by timers. */
export const FAST_TIMING: DeclarationTiming = { resultWaitSeconds: 0.05, pollFirstSeconds: 0.05, pollMaxSeconds: 1, resultDeadlineSeconds: 120 };

export interface BenchEnv {
  temporalAddress: string;
  temporal: Client;
  databaseUrl: string;
  database: Database;
  bureauUrl: string;
  bureau: BureauClient;
  bundle: { code: string };
  dataConverter: ReturnType<typeof dataConverterFor>;
  config: Config;
  nativeConnection(): Promise<NativeConnection>;
  admin(path: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

function temporalCli(): string {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  if (existsSync('.tools/temporal-path')) {
    const known = readFileSync('.tools/temporal-path', 'utf8').trim();
    if (known && existsSync(known)) return known;
  }
  const out = execFileSync('bash', ['scripts/provision.sh', '--quiet', '--print-temporal'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return out.split('\n').pop() as string;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

let runtimeInstalled = false;

export interface EnvOptions {
  resultDelayMs?: number;
  /** A Temporal server already running (the cluster's); unset: a dev server of its own. */
  temporalAddress?: string;
  /** Where the run's database is made; unset: ADMIN_DATABASE_URL. */
  adminDatabaseUrl?: string;
}

export async function startEnv(opts: EnvOptions = {}): Promise<BenchEnv> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const temporalEnv = opts.temporalAddress
    ? { address: opts.temporalAddress, teardown: async () => {} }
    : await TestWorkflowEnvironment.createLocal({
        server: { executable: { type: 'existing-path', path: temporalCli() }, ip: '127.0.0.1', extraArgs: ['--log-level', 'error', ...searchAttributeFlags()] },
      });

  const name = `sifee_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const adminUrl = opts.adminDatabaseUrl ?? ADMIN_DATABASE_URL;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  // Databases of bench runs that died before dropping theirs (named by their start time).
  for (const { datname } of await admin<{ datname: string }[]>`select datname from pg_database where datname like 'sifee_bench_%'`) {
    const started = parseInt(datname.split('_')[2] ?? '', 36);
    if (Number.isFinite(started) && Date.now() - started > 3600_000) await admin.unsafe(`drop database if exists "${datname}" with (force)`).catch(() => {});
  }
  await admin.unsafe(`create database "${name}"`);
  const databaseUrl = withDatabase(adminUrl, name);
  const database = await openDatabase({ url: databaseUrl, dataDir: '' });
  await database.migrate();

  const bureauServer = await buildBureau({ resultDelayMs: opts.resultDelayMs ?? 0, logger: false });
  await bureauServer.listen({ port: 0, host: '127.0.0.1' });
  const address = bureauServer.server.address();
  const bureauUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const bureau = new BureauClient(bureauUrl, { timeoutMs: 10_000 });

  const bundle = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never });
  const dataConverter = dataConverterFor(CODEC_KEYS);
  const connection = await Connection.connect({ address: temporalEnv.address });
  const temporal = new Client({ connection, namespace: 'default', dataConverter });
  const config: Config = { ...loadConfig({}), databaseUrl, bureauUrl, temporalAddress: temporalEnv.address, rateLimitPerMinute: 100_000_000, taskQueue: 'bench' };
  const natives: NativeConnection[] = [];

  return {
    temporalAddress: temporalEnv.address,
    temporal,
    databaseUrl,
    database,
    bureauUrl,
    bureau,
    bundle: { code: bundle.code },
    dataConverter,
    config,
    async nativeConnection() {
      const c = await NativeConnection.connect({ address: temporalEnv.address });
      natives.push(c);
      return c;
    },
    async admin(path: string, body?: unknown) {
      const res = await fetch(`${bureauUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`bureau ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    async close() {
      for (const c of natives) await c.close().catch(() => {});
      await connection.close();
      await bureauServer.close();
      await database.close();
      await temporalEnv.teardown();
      await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
      await admin.end();
    },
  };
}

let nextEmployer = 1;

export interface BenchEmployer {
  id: string;
  taxpayerId: string;
  unitNumber: string;
  agreementId: string;
  /** Regular items by period. */
  items: Map<string, FeeItem[]>;
}

/** Periods 2025-01… (any period can be declared: collection orders stay valid three months from today). */
export function periods(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${2024 + Math.floor(i / 12) + 1}-${String((i % 12) + 1).padStart(2, '0')}`);
}

/** Employers known to the bureau and added here, password changed and signed in for a day. */
export async function addEmployers(env: BenchEnv, count: number, periodCount: number, atBureau: Record<string, unknown> = {}): Promise<BenchEmployer[]> {
  const result: BenchEmployer[] = [];
  const ps = periods(periodCount);
  for (let i = 0; i < count; i++) {
    const n = nextEmployer++;
    const first17 = `9152011${String(n).padStart(9, '0')}X`;
    const taxpayerId = first17 + checkCharacter(first17);
    const unitNumber = `52010${String(n).padStart(5, '0')}`;
    await env.admin('/admin/employers', { taxpayerId, unitNumber, name: `贵阳压测${n}科技有限公司`, periods: ps, ...atBureau });
    const known = await env.bureau.getEmployer(taxpayerId);
    const row = await insertEmployer(
      env.database.db,
      {
        id: randomUUID(),
        taxpayerId,
        unitNumber,
        name: known.name,
        taxOfficeCode: known.taxOfficeCode,
        taxOfficeName: known.taxOfficeName,
        passwordChangeRequired: false,
        signedInUntil: new Date(Date.now() + 24 * 3600_000),
      },
      'bench',
    );
    const downloaded = await env.bureau.downloadFeeItems(taxpayerId, 'regular');
    const items = new Map<string, FeeItem[]>();
    for (const item of downloaded) items.set(item.period, [...(items.get(item.period) ?? []), item]);
    result.push({ id: row.id, taxpayerId, unitNumber, agreementId: known.agreements[0]!.agreementId, items });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** Runs `task(i)` for i < n with at most `concurrency` at once; answers the wall time in ms. */
export async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      for (let i = next++; i < n; i = next++) await task(i);
    }),
  );
  return performance.now() - started;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function machine(): { nproc: number; memory: string; cpu: string; node: string; date: string; load: string } {
  return {
    load: os.loadavg().map((l) => l.toFixed(1)).join(', '),
    nproc: os.availableParallelism(),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    date: new Date().toISOString(),
  };
}

export const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** One benchmark's outcome, as RESULTS.md shows it. */
export interface BenchResult {
  name: string;
  measure: string;
  ours: string;
  baseline: string;
  ratio: number | null;
  target: string;
  met: boolean;
  details: string[];
}

export function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}
