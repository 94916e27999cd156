// `npm run replay [folder]`: replays every *.json workflow history in the folder (default: the
// corpus, tests/replay/histories) against the current workflow code, one line per history, and
// exits non-zero if any fails. Histories are proto3 JSON as `temporal workflow show --output
// json`, the Temporal UI's download and GET /api/workflows/:id/history write them. Payloads are
// decrypted with PAYLOAD_CODEC_KEYS (default: the tests' key the corpus is recorded with).
//
// `npm run replay -- --archive [workflowId…]`: the same for histories in the auditor's archive
// (the database at DATABASE_URL, or DATA_DIR's embedded one while the service is stopped): the
// ones named, or the newest ARCHIVE_REPLAY_LIMIT archived. Keys: PAYLOAD_CODEC_KEYS, else the
// development keys `npm start` keeps in DATA_DIR.
import '../src/runtime/require-node'; // first: a wrong Node says so before anything runs
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { dataConverterFor } from '../src/codec/aes-gcm-codec';
import { loadConfig } from '../src/config';
import { getArchived, listArchived } from '../src/db/archive';
import { openDatabase } from '../src/db/client';
import { historyFromJSON } from '../src/temporal/history-json';
import { bundleWorkflows, parseHistoryJson, replayHistories, type History } from '../src/temporal/replay';
import { CORPUS_CODEC_KEYS, CORPUS_DIR } from '../tests/replay/corpus';

const ARCHIVE_REPLAY_LIMIT = 1000;

interface Loaded {
  histories: { workflowId: string; history: History }[];
  /** Names that could not be read as histories, with why. */
  unreadable: { name: string; why: string }[];
  from: string;
}

function fromFolder(folder: string): Loaded | string {
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) return `${folder} is not a folder`;
  const files = readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) return `no *.json histories in ${folder}`;
  const loaded: Loaded = { histories: [], unreadable: [], from: path.relative(process.cwd(), folder) || '.' };
  for (const file of files) {
    try {
      loaded.histories.push({ workflowId: file, history: parseHistoryJson(readFileSync(path.join(folder, file), 'utf8')) });
    } catch (err) {
      loaded.unreadable.push({ name: file, why: `not a history: ${(err as Error).message}` });
    }
  }
  return loaded;
}

async function fromArchive(workflowIds: string[]): Promise<Loaded | string> {
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const targets = workflowIds.length > 0 ? workflowIds.map((workflowId) => ({ workflowId, runId: undefined })) : await listArchived(database.db, { limit: ARCHIVE_REPLAY_LIMIT });
    if (targets.length === 0) return 'the archive holds no histories';
    const loaded: Loaded = { histories: [], unreadable: [], from: 'the archive' };
    for (const t of targets) {
      const row = await getArchived(database.db, t.workflowId, t.runId);
      if (!row) loaded.unreadable.push({ name: t.workflowId, why: 'not in the archive' });
      else loaded.histories.push({ workflowId: row.workflowId, history: historyFromJSON(JSON.parse(row.history)) });
    }
    return loaded;
  } finally {
    await database.close();
  }
}

function codecKeys(archive: boolean): string {
  if (process.env.PAYLOAD_CODEC_KEYS) return process.env.PAYLOAD_CODEC_KEYS;
  const devKeys = path.join(loadConfig().dataDir, 'dev-codec-keys');
  return archive && existsSync(devKeys) ? readFileSync(devKeys, 'utf8').trim() : CORPUS_CODEC_KEYS;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const archive = args[0] === '--archive';
  const loaded = archive ? await fromArchive(args.slice(1)) : fromFolder(path.resolve(args[0] ?? CORPUS_DIR));
  if (typeof loaded === 'string') {
    console.error(`replay: ${loaded}`);
    return 2;
  }
  // The replay worker's own warnings (e.g. the non-determinism it finds) are in our lines already.
  const level = process.env.LOG_LEVEL === 'debug' ? 'DEBUG' : 'ERROR';
  Runtime.install({ logger: new DefaultLogger(level), telemetryOptions: { logging: { filter: { core: level, other: level } } } });

  let failed = 0;
  for (const u of loaded.unreadable) {
    failed++;
    console.log(`FAIL  ${u.name}  ${u.why}`);
  }
  const started = Date.now();
  const workflowBundle = await bundleWorkflows();
  const outcomes = await replayHistories(loaded.histories, { workflowBundle, dataConverter: dataConverterFor(codecKeys(archive)) });
  for (const o of outcomes) {
    if (o.ok) console.log(`ok    ${o.workflowId}  (run ${o.runId})`);
    else {
      failed++;
      console.log(`FAIL  ${o.workflowId}  (run ${o.runId})  ${o.error}`);
    }
  }
  const total = loaded.histories.length + loaded.unreadable.length;
  console.log(`\n${total} histories from ${loaded.from}: ${total - failed} replayed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`replay: ${(err as Error).stack ?? String(err)}`);
    process.exit(2);
  },
);
