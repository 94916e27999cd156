// The codec with the real Temporal dev server: a Client and Worker.create with dataConverterFor()
// run a workflow; the server's history holds only ciphertext; Worker.runReplayHistories replays
// it with the keys (and not without them); after rotation old runs still decode.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataConverterFor, generateCodecKey } from '../../src/codec/aes-gcm-codec';
import type { Activities } from './codec-workflows';

const SECRET = 'SECRET-PASSWORD-123456';
const ACCOUNT = '6222020200112233445';
const KEY_A = generateCodecKey('key-a');
const KEY_B = generateCodecKey('key-b');
const NAMESPACE = 'default';
const { History } = proto.temporal.api.history.v1;

const activities: Activities = {
  async openAccount(password) {
    return { account: ACCOUNT, password };
  },
};

let connection: Connection;
let workflowBundle: { code: string };
beforeAll(async () => {
  try {
    // Quiet: the test makes workflow tasks fail on purpose (replays with the wrong keys).
    Runtime.install({ logger: new DefaultLogger('ERROR', () => {}), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  } catch {
    // Already installed in this process.
  }
  connection = await Connection.connect({ address: inject('temporalAddress') });
  workflowBundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./codec-workflows.ts', import.meta.url)),
    logger: new DefaultLogger('ERROR'),
  });
});
afterAll(async () => {
  await connection?.close();
});

async function runWithWorker<T>(keys: string, taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  try {
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: NAMESPACE,
      taskQueue,
      workflowBundle,
      activities,
      dataConverter: dataConverterFor(keys),
    });
    return await worker.runUntil(fn);
  } finally {
    await nativeConnection.close();
  }
}

describe('the codec with Temporal', () => {
  it('encrypts everything the server stores, and replays and rotates', async () => {
    const taskQueue = `codec-${randomBytes(4).toString('hex')}`;
    const workflowId = `codec-${randomBytes(6).toString('hex')}`;
    const client = new Client({ connection, namespace: NAMESPACE, dataConverter: dataConverterFor(KEY_A) });

    const result = await runWithWorker(KEY_A, taskQueue, () =>
      client.workflow.execute('codecRoundTrip', { taskQueue, workflowId, args: [{ employer: 'E-1', password: SECRET }] }),
    );
    expect(result).toEqual({ employer: 'E-1', account: ACCOUNT, password: SECRET });

    // What the server holds, read without the codec.
    const plain = new Client({ connection, namespace: NAMESPACE });
    const history = await plain.workflow.getHandle(workflowId).fetchHistory();
    const bytes = Buffer.from(History.encode(history).finish());
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    expect(bytes.includes(Buffer.from(ACCOUNT))).toBe(false);
    expect(bytes.includes(Buffer.from('binary/encrypted'))).toBe(true);
    const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!;
    const input = started.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    expect(Buffer.from(input.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(input.metadata!['encryption-key-id']!).toString()).toBe('key-a');
    await expect(plain.workflow.getHandle(workflowId).result()).rejects.toThrow(/binary\/encrypted/);

    // Replay with the keys works; with the wrong keys it does not.
    const replay = async (keys: string | undefined) => {
      const results = [];
      for await (const r of Worker.runReplayHistories(
        { workflowBundle, ...(keys ? { dataConverter: dataConverterFor(keys) } : {}), replayName: 'codec-replay' },
        [{ workflowId, history }],
      )) {
        results.push(r);
      }
      return results;
    };
    const good = await replay(`${KEY_B},${KEY_A}`);
    expect(good).toHaveLength(1);
    expect(good[0]!.error).toBeUndefined();
    for (const keys of [KEY_B, undefined]) {
      const bad = await replay(keys);
      expect(bad[0]!.error, `replay with ${keys ? 'key B only' : 'no codec'}`).toBeDefined();
    }

    // Rotation: B encrypts new runs, old A runs still decode.
    const rotated = new Client({ connection, namespace: NAMESPACE, dataConverter: dataConverterFor(`${KEY_B},${KEY_A}`) });
    expect(await rotated.workflow.getHandle(workflowId).result()).toEqual(result);
    const secondId = `${workflowId}-b`;
    await runWithWorker(`${KEY_B},${KEY_A}`, taskQueue, () =>
      rotated.workflow.execute('codecRoundTrip', { taskQueue, workflowId: secondId, args: [{ employer: 'E-2', password: SECRET }] }),
    );
    const second = await plain.workflow.getHandle(secondId).fetchHistory();
    const secondInput = second.events!.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    expect(Buffer.from(secondInput.metadata!['encryption-key-id']!).toString()).toBe('key-b');
    await expect(client.workflow.getHandle(secondId).result()).rejects.toThrow(/key id "key-b", which is not configured/);
  });
});
