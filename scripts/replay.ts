// `npm run replay [folder]`: replays every *.json workflow history in the folder (default: the
// corpus, tests/replay/histories) against the current workflow code, one line per history, and
// exits non-zero if any fails. Histories are proto3 JSON as `temporal workflow show --output
// json`, the Temporal UI's download and GET /api/workflows/:id/history write them. Payloads are
// decrypted with PAYLOAD_CODEC_KEYS (default: the tests' key the corpus is recorded with).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { dataConverterFor } from '../src/codec/aes-gcm-codec';
import { bundleWorkflows, parseHistoryJson, replayHistories, type History } from '../src/worker/replay';
import { CORPUS_CODEC_KEYS, CORPUS_DIR } from '../tests/replay/corpus';

async function main(): Promise<number> {
  const folder = path.resolve(process.argv[2] ?? CORPUS_DIR);
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    console.error(`replay: ${folder} is not a folder`);
    return 2;
  }
  const files = readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) {
    console.error(`replay: no *.json histories in ${folder}`);
    return 2;
  }
  const keys = process.env.PAYLOAD_CODEC_KEYS || CORPUS_CODEC_KEYS;
  // The replay worker's own warnings (e.g. the non-determinism it finds) are in our lines already.
  const level = process.env.LOG_LEVEL === 'debug' ? 'DEBUG' : 'ERROR';
  Runtime.install({ logger: new DefaultLogger(level), telemetryOptions: { logging: { filter: { core: level, other: level } } } });

  const histories: { workflowId: string; history: History }[] = [];
  let failed = 0;
  for (const file of files) {
    try {
      histories.push({ workflowId: file, history: parseHistoryJson(readFileSync(path.join(folder, file), 'utf8')) });
    } catch (err) {
      failed++;
      console.log(`FAIL  ${file}  not a history: ${(err as Error).message}`);
    }
  }

  const started = Date.now();
  const workflowBundle = await bundleWorkflows();
  const outcomes = await replayHistories(histories, { workflowBundle, dataConverter: dataConverterFor(keys) });
  for (const o of outcomes) {
    if (o.ok) console.log(`ok    ${o.workflowId}  (run ${o.runId})`);
    else {
      failed++;
      console.log(`FAIL  ${o.workflowId}  (run ${o.runId})  ${o.error}`);
    }
  }
  console.log(`\n${files.length} histories from ${path.relative(process.cwd(), folder) || '.'}: ${files.length - failed} replayed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`replay: ${(err as Error).stack ?? String(err)}`);
    process.exit(2);
  },
);
