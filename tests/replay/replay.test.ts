// The replay corpus (tests/replay/histories, recorded from real runs by `npm run corpus:record`)
// replayed against the current workflow code: a change that would break running workflows
// (a non-deterministic change) fails here, in CI, before it reaches a worker. If a change is meant
// to be incompatible, see "Replay and workflow changes" in the README.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { dataConverterFor } from '../../src/codec/aes-gcm-codec';
import { parseHistoryJson, replayHistories, type History, type ReplaySetup } from '../../src/temporal/replay';
import { TEST_CODEC_KEYS } from '../support/stack';
import { CORPUS_CODEC_KEYS, CORPUS_DIR, CORPUS_SCENARIOS } from './corpus';

const files = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.json')).sort();
const read = (file: string, dir = CORPUS_DIR) => parseHistoryJson(readFileSync(path.join(dir, file), 'utf8'));
/** Runs of older code that may still be running somewhere: kept replayable with patched(). */
const LEGACY_DIR = fileURLToPath(new URL('./legacy/', import.meta.url));
const legacy = readdirSync(LEGACY_DIR).filter((f) => f.endsWith('.json')).sort();

let setup: ReplaySetup;
beforeAll(() => {
  try {
    // Quiet: the last test makes replays fail on purpose.
    Runtime.install({ logger: new DefaultLogger('ERROR', () => {}), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  } catch {
    // Already installed in this process.
  }
  // The bundle global setup made of the current workflow code, as the workers run it.
  setup = { workflowBundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') }, dataConverter: dataConverterFor(CORPUS_CODEC_KEYS) };
});

describe('the replay corpus', () => {
  it('holds every scenario, of every workflow type, recorded with the tests’ codec key', () => {
    expect(files.map((f) => f.replace(/\.json$/, ''))).toEqual(Object.keys(CORPUS_SCENARIOS).sort());
    const types = new Set(files.map((f) => read(f).events![0]!.workflowExecutionStartedEventAttributes!.workflowType!.name));
    expect([...types].sort()).toEqual(
      [
        'archiveWorkflow',
        'batchDeclarationWorkflow',
        'certificateWorkflow',
        'declarationWorkflow',
        'reconcilerWorkflow',
        'reconciliationWorkflow',
        'threePartyPaymentWorkflow',
        'voidDeclarationWorkflow',
        'voucherPaymentWorkflow',
      ].sort(),
    );
    expect(CORPUS_CODEC_KEYS).toBe(TEST_CODEC_KEYS);
  });

  it('replays every recorded history with the current workflow code', async () => {
    const outcomes = await replayHistories(
      files.map((f) => ({ workflowId: f, history: read(f) })),
      setup,
    );
    expect(outcomes.map((o) => o.workflowId)).toEqual(files);
    // One line per failure, with the replayer's reason (e.g. "Nondeterminism error: …").
    expect(outcomes.filter((o) => !o.ok).map((o) => `${o.workflowId}: ${o.error}`)).toEqual([]);
  });

  it('still replays runs of older code, kept compatible with patched()', async () => {
    expect(legacy.length).toBeGreaterThan(0);
    const outcomes = await replayHistories(
      legacy.map((f) => ({ workflowId: f, history: read(f, LEGACY_DIR) })),
      setup,
    );
    expect(outcomes.filter((o) => !o.ok).map((o) => `${o.workflowId}: ${o.error}`)).toEqual([]);
  });

  it('is not a replay that passes anything: a history the code did not make fails', async () => {
    // The declaration's first command is its submission; pretend the history says another activity.
    const history = read('declaration--accepted-fetch-now.json') as History;
    const scheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType = { name: 'somethingElse' };
    const [changed] = await replayHistories([{ workflowId: 'tampered', history }], setup);
    expect(changed!.ok).toBe(false);
    expect(changed!.error).toMatch(/nondetermin/i);

    // And without the codec key the payloads cannot be read.
    const [undecodable] = await replayHistories([{ workflowId: 'no-key', history: read('three-party--paid.json') }], { ...setup, dataConverter: {} });
    expect(undecodable!.ok).toBe(false);
  });
});
