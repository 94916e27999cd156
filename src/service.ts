// Runs the API, the worker, or both in one process. With embedded PGlite (no DATABASE_URL) both
// must share this process, because PGlite is a database inside one process.
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { parseApiKeys } from './api/api-keys';
import { buildApp } from './api/app';
import { drainAndClose } from './api/drain';
import { BureauClient } from './bureau/client';
import { loadConfig } from './config';
import { secureDataDir } from './data-dir';
import { startAuditChainer } from './db/audit';
import { openDatabase } from './db/client';
import { dataConverterFor } from './codec/aes-gcm-codec';
import { resealLegacySecrets } from './webhooks/secret';
import { createLogger } from './logging';
import { installWorkerRuntime } from './metrics/worker-runtime';
import { BrowserPool, Renderer } from './render';
import { createWorker } from './worker/worker';
import { bundleWorkflowsOutOfProcess } from './worker/bundle-out-of-process';
import { ensureSearchAttributes } from './worker/register-search-attributes';
import { ensureReconcilerSchedule } from './temporal/reconciler-schedule';
import { ensureWebhookDispatcher } from './temporal/webhook-dispatcher';
import { reconcileStarts } from './temporal/workflow-starts';
import { syncUnsyncedSchedules } from './temporal/declaration-schedules';
import { ensureSchedules } from './worker/schedules';

export async function runService(parts: { api: boolean; worker: boolean }): Promise<void> {
  const config = loadConfig();
  const log = createLogger(parts.api && parts.worker ? 'service' : parts.api ? 'api' : 'worker');
  if (!config.databaseUrl && !(parts.api && parts.worker)) {
    throw new Error('without DATABASE_URL the API and the worker share one embedded database: run both with `tsx src/service-main.ts`');
  }
  // What must be set is checked before the database is opened and migrated: a start that cannot
  // run changes nothing.
  if (!config.payloadCodecKeys) throw new Error('PAYLOAD_CODEC_KEYS is not set: give kid:base64key (npm start generates a development key)');
  const apiKeys = config.apiKeys ?? '';
  if (parts.api && !apiKeys) throw new Error('API_KEYS is not set: give name:role:key,... (npm start generates development keys)');
  // DATA_DIR (rendered files; the embedded database without DATABASE_URL) is this user's only.
  const warnDataDir = (message: string) => log.warn(message);
  secureDataDir(config.dataDir, warnDataDir);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, warn: warnDataDir });
  await database.migrate();
  // Audit entries are written unchained; every process hashes them in shortly after (one at a time).
  const stopChainer = startAuditChainer(database.db, config.auditChainEveryMs, (err) => log.warn({ err }, 'audit chaining failed; the next round retries'));
  const bureau = new BureauClient(config.bureauUrl);
  // Every workflow payload is encrypted: histories hold no taxpayer data in plain text.
  const dataConverter = dataConverterFor(config.payloadCodecKeys);
  const stops: (() => Promise<unknown>)[] = [];
  const clientConnection = await Connection.connect({ address: config.temporalAddress });
  const temporal = new Client({ connection: clientConnection, namespace: config.temporalNamespace, dataConverter });
  const codec = dataConverter.payloadCodecs[0];
  // Webhook secrets sealed before issue 26 was fixed could be opened by the codec endpoint: sealed anew.
  const sealing = await resealLegacySecrets(database.db, codec);
  if (sealing.resealed > 0) log.info({ resealed: sealing.resealed }, 'webhook secrets sealed anew, for webhook secrets only');
  if (sealing.unopened.length > 0) log.warn({ webhooks: sealing.unopened }, 'webhook secrets that no configured codec key opens: their deliveries fail until the key is back');

  if (parts.worker) {
    // The Temporal SDK's metrics: the Runtime is installed before the first NativeConnection.
    if (installWorkerRuntime(config.workerMetricsAddress, log)) log.info({ address: `http://${config.workerMetricsAddress}/metrics` }, 'Temporal worker metrics served');
    const connection = await NativeConnection.connect({ address: config.temporalAddress });
    // One Chromium per worker process, started at the first print (vouchers, certificates).
    const browsers = new BrowserPool({ logger: log });
    const deps = { db: database.db, bureau, renderer: new Renderer(browsers), filesDir: path.join(config.dataDir, 'files'), temporal, codec, config };
    // Bundled in a child process: webpack's memory leaves with it (else the worker bundles itself).
    const workflowBundle = await bundleWorkflowsOutOfProcess().catch((err: unknown) => {
      log.warn({ err }, 'could not bundle the workflows in a child process; bundling here');
      return undefined;
    });
    const workers = await createWorker({
      connection,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      deps,
      bureauMaxRequestsPerSecond: config.bureauMaxRequestsPerSecond,
      workflowBundle,
      dataConverter,
      options: { maxCachedWorkflows: config.workerMaxCachedWorkflows },
    });
    const running = workers.run();
    stops.push(async () => {
      workers.shutdown();
      await running;
      await connection.close();
      await browsers.close();
    });
    log.info({ taskQueue: config.taskQueue, bureauTaskQueue: workers.bureau.options.taskQueue, bureauMaxRequestsPerSecond: config.bureauMaxRequestsPerSecond }, 'worker running');
    const { reconcileEverySeconds: everySeconds, reconcileGraceSeconds: graceSeconds } = config.crashSafety;
    const scheduleId = await ensureReconcilerSchedule(temporal, { taskQueue: config.taskQueue, everySeconds, graceSeconds });
    log.info({ scheduleId, everySeconds }, 'reconciler scheduled');
    log.info({ workflowId: await ensureWebhookDispatcher(temporal, config.taskQueue) }, 'webhook dispatcher running');
  }

  if (parts.api) {
    // Before any workflow starts with them (the dev server of `npm start` registers them already).
    const added = await ensureSearchAttributes(clientConnection, config.temporalNamespace);
    if (added.length > 0) log.info({ added }, 'registered custom search attributes');
    // The archiver and the nightly reconciliation (every API instance makes sure they exist).
    log.info({ schedules: await ensureSchedules(temporal, config) }, 'Temporal schedules in place');
    const app = await buildApp({ codec, db: database.db, temporal, bureau, config, keys: parseApiKeys(apiKeys) }, { loggerInstance: log });
    // Work that a process which died had recorded but not started: started before serving again.
    const repaired = await reconcileStarts(temporal, database.db, codec, { olderThanMs: 0 }).catch((err: unknown) => log.warn({ err }, 'startup reconciliation failed; the schedule will retry'));
    if (repaired && repaired.examined > 0) log.info(repaired, 'started work recorded before this start');
    const schedulesSynced = await syncUnsyncedSchedules(temporal, database.db, config).catch((err: unknown) => log.warn({ err }, 'declaration schedules not synced with Temporal; the reconciler will retry'));
    if (schedulesSynced && schedulesSynced.examined > 0) log.info(schedulesSynced, 'declaration schedules brought to Temporal');
    await app.listen({ port: config.port, host: config.host });
    stops.unshift(async () => {
      if (!(await drainAndClose(app, config.drain))) log.warn({ timeoutSeconds: config.drain.timeoutSeconds }, 'requests still in flight after the drain timeout: stopping anyway');
    });
  }
  stops.push(() => clientConnection.close(), stopChainer);

  // The first signal stops the process; a repeat (a group signal that tsx also relays, an
  // impatient Ctrl-C) must not cut the drain short by Node's default of exiting at once.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return log.info({ signal }, 'already stopping');
    stopping = true;
    log.info({ signal }, 'stopping');
    for (const stop of stops) await stop().catch((err) => log.error({ err }, 'error while stopping'));
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
