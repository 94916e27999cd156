// `npm start`: the whole service from one command. Temporal's dev server (persistent database
// and UI), the mock bureau (seeded with demo employers on first start), then the API and the
// worker. Ctrl-C stops every child; a restart keeps all data under DATA_DIR.
// `npm start` provisions first (scripts/provision.sh); run alone, this says so if that is missing.
// At a terminal the children log for a person (LOG_FORMAT=pretty, one line per request at debug),
// and the banner with the addresses is printed again, short, once the start-up lines have passed.
import '../src/runtime/require-node'; // first: a wrong Node says so before anything runs
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { formatApiKeys, generateDevKeys, parseApiKeys } from '../src/api/api-keys';
import { allowedHostNames } from '../src/api/host-names';
import { generateCodecKey } from '../src/codec/aes-gcm-codec';
import { loadConfig } from '../src/config';
import { secureDataDir } from '../src/data-dir';
import { retentionFlag } from '../src/domain/duration';
import { freePort } from '../src/runtime/free-port';
import { retentionUpdateArgs } from '../src/worker/retention';
import { searchAttributeFlags } from '../src/contracts/search-attributes';
import { startTemporalUiGate, temporalUiLaunch } from '../src/temporal-ui';
import { demoEmployers, devSecret, keysAndEmployers } from './lib/demo';

const config = loadConfig();
const children: { name: string; proc: ChildProcess }[] = [];
let stopping = false;
// A person at a terminal (not CI, not a pipe): readable logs for the children.
const interactive = Boolean(process.stdout.isTTY) && !process.env.CI;
const logFormat = process.env.LOG_FORMAT ?? (interactive ? 'pretty' : 'json');
// When a child last wrote a line: the short banner waits for a quiet moment.
let lastChildOutput = Date.now();

function log(message: string): void {
  console.log(`[start] ${message}`);
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (stopping) throw new Error('stopping');
    if (Date.now() > until) throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const httpOk = (url: string) => () =>
  fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);

function launch(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): ChildProcess {
  const proc = spawn(command, args, { env: { ...process.env, LOG_FORMAT: logFormat, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd });
  for (const [from, to] of [[proc.stdout, process.stdout], [proc.stderr, process.stderr]] as const) {
    from?.on('data', (chunk: Buffer) => {
      lastChildOutput = Date.now();
      to.write(chunk);
    });
  }
  children.push({ name, proc });
  proc.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping everything`);
      void stop(1);
    }
  });
  return proc;
}

async function stop(exitCode = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  for (const { name, proc } of [...children].reverse()) {
    if (proc.exitCode !== null || proc.signalCode !== null) continue;
    proc.kill('SIGTERM');
    const exited = await Promise.race([
      new Promise<boolean>((r) => proc.once('exit', () => r(true))),
      new Promise<boolean>((r) => setTimeout(() => r(false), 10_000)),
    ]);
    if (!exited) {
      console.error(`[start] ${name} did not stop in 10 s; killing it`);
      proc.kill('SIGKILL');
    }
  }
  process.exit(exitCode);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function main(): Promise<void> {
  // Owner-only, before anything is written; the children (Temporal's SQLite, the bureau, the service) inherit the umask.
  secureDataDir(config.dataDir, log);
  if (!existsSync('.tools/temporal-path')) throw new Error('no Temporal CLI found: run `npm start` (it provisions first) or `bash scripts/provision.sh`');
  const temporalPath = readFileSync('.tools/temporal-path', 'utf8').trim();
  if (!existsSync('.tools/temporal-ui-server-path')) throw new Error('no Temporal UI server found: run `npm start` (it provisions first) or `bash scripts/provision.sh`');
  const uiServerPath = readFileSync('.tools/temporal-ui-server-path', 'utf8').trim();

  const [temporalHost = '127.0.0.1', temporalPortText = '7233'] = config.temporalAddress.split(':');
  const temporalPort = Number(temporalPortText);
  if (await answers(temporalHost, temporalPort)) {
    log(`Temporal answers at ${config.temporalAddress}: using it`);
  } else {
    log(`starting the Temporal dev server (${temporalPath})`);
    launch('temporal', temporalPath, [
      'server', 'start-dev',
      '--db-filename', path.join(config.dataDir, 'temporal.db'),
      '--ip', temporalHost,
      '--port', String(temporalPort),
      // Its own UI can change anything for anyone: the read-only UI server below stands in for it.
      '--headless',
      '--log-level', 'warn',
      '--sqlite-pragma', 'journal_mode=WAL',
      // EmployerId, FeePeriod, BusinessStatus: GET /api/workflows and the UI search by them.
      ...searchAttributeFlags(),
    ]);
    await waitFor('Temporal', () => answers(temporalHost, temporalPort));
  }
  // The web UI, read-only (src/temporal-ui.ts), behind a gate that checks Host; it decrypts
  // payloads through our /codec for anyone signed in.
  if (await answers('127.0.0.1', config.temporalUiPort)) {
    log(`something answers at 127.0.0.1:${config.temporalUiPort} already: taking it for the Temporal UI`);
  } else {
    const ui = temporalUiLaunch({
      program: uiServerPath,
      repoRoot: process.cwd(),
      temporalAddress: config.temporalAddress,
      port: await freePort(),
      namespace: config.temporalNamespace,
      apiOrigins: [`http://127.0.0.1:${config.port}`, `http://localhost:${config.port}`],
    });
    launch('temporal-ui', ui.command, ui.args, ui.env, ui.cwd);
    const upstreamPort = Number(ui.env.TEMPORAL_UI_PORT);
    await waitFor('the Temporal UI', httpOk(`http://127.0.0.1:${upstreamPort}/`));
    await startTemporalUiGate({ port: config.temporalUiPort, upstreamPort, hostNames: allowedHostNames({ publicOrigin: config.publicOrigin, extra: config.allowedHosts }) });
  }
  // How long Temporal keeps closed histories (TEMPORAL_RETENTION): the archive keeps them after that.
  const retention = retentionFlag(config.temporalRetentionSeconds);
  execFileSync(temporalPath, retentionUpdateArgs(config), { stdio: 'ignore' });
  log(`namespace ${config.temporalNamespace}: workflow retention ${retention}`);

  const tsx = path.resolve('node_modules/.bin/tsx');
  launch('bureau', tsx, ['src/bureau/main.ts'], { BUREAU_PORT: String(config.bureauPort), DATA_DIR: config.dataDir });
  await waitFor('the mock bureau', httpOk(`${config.bureauUrl}/health`));
  const employers = await demoEmployers(config.bureauUrl, log);

  const keys = devSecret(config.dataDir, config.apiKeys, 'dev-api-keys', () => formatApiKeys(generateDevKeys()));
  const codecKeys = devSecret(config.dataDir, config.payloadCodecKeys, 'dev-codec-keys', () => generateCodecKey('dev1'));
  // The worker serves the Temporal SDK's metrics on 127.0.0.1:9464 unless WORKER_METRICS_PORT says otherwise ('' turns it off).
  const workerMetricsPort = process.env.WORKER_METRICS_PORT ?? '9464';
  launch('api+worker', tsx, ['src/service-main.ts'], {
    API_KEYS: keys,
    PAYLOAD_CODEC_KEYS: codecKeys,
    DATA_DIR: config.dataDir,
    BUREAU_URL: config.bureauUrl,
    WORKER_METRICS_PORT: workerMetricsPort,
  });
  await waitFor('the API', httpOk(`http://127.0.0.1:${config.port}/health`));

  const api = `http://127.0.0.1:${config.port}`;
  const temporalUi = `http://127.0.0.1:${config.temporalUiPort}/namespaces/${config.temporalNamespace}/workflows`;
  const lines = [
    '',
    'Social insurance fees back office is running (社保费申报缴费):',
    `  Console           ${api}/   (sign in with a key below)`,
    `  API               ${api}/api`,
    `  API docs          ${api}/docs`,
    `  Metrics           ${api}/metrics${workerMetricsPort ? ` (Temporal worker: http://${process.env.WORKER_METRICS_HOST || '127.0.0.1'}:${workerMetricsPort}/metrics)` : ''}`,
    `  Temporal UI       ${temporalUi} (read-only; histories kept ${retentionFlag(config.temporalRetentionSeconds)}, then in the archive)`,
    `  Mock bureau       ${config.bureauUrl}/admin/employers`,
    `  Data              ${config.dataDir} (${config.databaseUrl ? 'PostgreSQL at DATABASE_URL' : 'embedded PGlite'})`,
    `  Node              ${process.version} (${process.execPath})`,
    '',
    ...keysAndEmployers(keys, employers),
  ];
  console.log(lines.join('\n'));
  if (logFormat === 'pretty') {
    const operatorKey = parseApiKeys(keys).find((k) => k.role === 'operator')?.key;
    await afterQuiet(() => console.log(['', `Running: console ${api}/ · API docs ${api}/docs · Temporal UI ${temporalUi}`, `  sign in with the operator key ${operatorKey ?? '(see API_KEYS)'} · keys and employers above · Ctrl-C stops`, ''].join('\n')));
  }
}

/** Runs `then` once the children have written nothing for 2 s (at most 30 s later), if they wrote since now. */
async function afterQuiet(then: () => void): Promise<void> {
  const since = Date.now();
  const until = since + 30_000;
  while (!stopping && Date.now() < until && (lastChildOutput <= since || Date.now() - lastChildOutput < 2000)) {
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!stopping && lastChildOutput > since) then();
}

main().catch((err: unknown) => {
  console.error(`[start] ${(err as Error).message}`);
  void stop(1);
});
