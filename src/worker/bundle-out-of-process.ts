// Bundles the workflow code in a short-lived child process. webpack leaves ~100 MB of RSS behind
// in the process that ran it, for that process's whole life; in a child it goes away with the
// child, and the worker stays within its memory budget (bench/RESULTS.md, benchmark e).
// Run directly (`<node> bundle-out-of-process.ts <file>`), it writes the bundle to <file>.
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE } from '../temporal/workflows-path';

const SELF = fileURLToPath(import.meta.url);

/** The bundle, made by a child of this same node (with this process's loader flags, e.g. tsx's). */
export async function bundleWorkflowsOutOfProcess(): Promise<{ code: string }> {
  const out = path.join(tmpdir(), `sifee-workflows-${process.pid}-${Date.now()}.js`);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, SELF, out], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bundling the workflows failed (${code}): ${stderr.slice(-2000)}`))));
    });
    return { code: await readFile(out, 'utf8') };
  } finally {
    await rm(out, { force: true });
  }
}

if (process.argv[1] === SELF && process.argv[2]) {
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };
  const { code } = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE, logger: quiet as never });
  writeFileSync(process.argv[2], code);
}
