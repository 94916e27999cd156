// Once per test run: the real Temporal dev server, a migrated template database on the
// machine's PostgreSQL, and the workflow bundle. Test files get their own database copy,
// bureau and worker task queue, so they can run side by side.
import '../../src/runtime/require-node'; // the tests run on the Node the service supports
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client';
import { WORKFLOW_BUNDLE } from '../../src/temporal/workflows-path';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/contracts/search-attributes';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    templateDatabase: string;
    adminDatabaseUrl: string;
    workflowBundlePath: string;
    /** The Temporal CLI that runs the dev server (tests use it as a client too, e.g. `workflow show`). */
    temporalCliPath: string;
  }
}

export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function temporalCli(): string {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const out = execFileSync('bash', ['scripts/provision.sh', '--quiet', '--print-temporal'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  if (!out) throw new Error('no Temporal CLI: run bash scripts/provision.sh');
  return out.split('\n').pop() as string;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const temporalCliPath = temporalCli();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath },
      ip: '127.0.0.1',
      extraArgs: ['--log-level', 'error'],
      // EmployerId, FeePeriod, BusinessStatus (the API searches visibility by them).
      searchAttributes: [...SEARCH_ATTRIBUTE_KEYS],
    },
  });

  const admin = postgres(ADMIN_DATABASE_URL, { max: 1, onnotice: () => {} });
  // Databases of runs that died before their teardown; the name starts with the run's start
  // time, and runs still going on (younger than a CI run may last) are left alone.
  const all = await admin<{ datname: string }[]>`select datname from pg_database where datname like 'sifee_t_%'`;
  for (const { datname } of all) {
    const started = parseInt(datname.split('_')[2] ?? '', 36);
    if (Number.isFinite(started) && Date.now() - started > 3 * 3600_000) {
      await admin.unsafe(`drop database if exists "${datname}" with (force)`).catch(() => {});
    }
  }
  const template = `sifee_t_${runId}_tpl`;
  await admin.unsafe(`create database "${template}"`);
  const database = await openDatabase({ url: withDatabase(ADMIN_DATABASE_URL, template), dataDir: '' });
  await database.migrate();
  await database.close();

  const artifacts = path.resolve('tests/.artifacts');
  mkdirSync(artifacts, { recursive: true });
  const bundle = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never });
  const workflowBundlePath = path.join(artifacts, `workflow-bundle-${runId}.js`);
  writeFileSync(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', env.address);
  project.provide('templateDatabase', template);
  project.provide('adminDatabaseUrl', ADMIN_DATABASE_URL);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('temporalCliPath', temporalCliPath);

  return async () => {
    await env.teardown();
    const rows = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`sifee_t_${runId}%`}`;
    for (const { datname } of rows) await admin.unsafe(`drop database if exists "${datname}" with (force)`).catch(() => {});
    await admin.end();
  };
}
