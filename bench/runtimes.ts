// `npm run bench:runtimes [names…]`: the same benchmarks (default flows, pdf, api, memory) on the
// machine's older Node and on the Node 24 the service runs on, one after the other in this
// script, and their figures side by side with the ratio Node 24 / older. The section
// "## Node 24 against the older runtime" of RESULTS.md is written again with them.
// The older Node: BENCH_OTHER_NODE, else the first `node` on PATH outside node_modules/.bin.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './env';

interface Run { node: string; load: [string, string]; seconds: number; results: BenchResult[] }

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['flows', 'pdf', 'api', 'memory'];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(root, 'bench', 'RESULTS.md');
const HEADING = '## Node 24 against the older runtime';

function otherNode(): string {
  if (process.env.BENCH_OTHER_NODE) return process.env.BENCH_OTHER_NODE;
  const PATH = (process.env.PATH ?? '').split(':').filter((p) => !p.endsWith(`node_modules${path.sep}.bin`)).join(':');
  return execFileSync('bash', ['-c', 'command -v node'], { env: { ...process.env, PATH }, encoding: 'utf8' }).trim();
}

function runOn(node: string): Promise<Run> {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'sifee-bench-')), 'run.json');
  return new Promise((resolve, reject) => {
    // The runtime check would stop the older Node: here it is measured on purpose.
    const child = spawn(node, ['--import', 'tsx', 'bench/run.ts', ...names], { cwd: root, env: { ...process.env, BENCH_JSON: out, SIFEE_NODE_CHECK: 'off' }, stdio: 'inherit' });
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(readFileSync(out, 'utf8')) as Run) : reject(new Error(`bench on ${node} exited ${code}`))));
  });
}

/** The leading number of a figure such as "12.4/s" or "408 MB". */
const figure = (text: string) => Number(/-?[\d.]+/.exec(text.replaceAll(',', ''))?.[0] ?? NaN);

function section(older: Run, current: Run): string {
  const rows = current.results.map((r) => {
    const o = older.results.find((x) => x.name === r.name);
    const ratio = o ? figure(r.ours) / figure(o.ours) : NaN;
    return `| ${r.name} | ${r.measure} | ${o?.ours ?? '–'} (${o?.ratio ?? '–'}× its baseline) | ${r.ours} (${r.ratio ?? '–'}× its baseline) | ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–'} |`;
  });
  return [
    HEADING,
    '',
    `Written by \`npm run bench:runtimes\` (bench/runtimes.ts) on ${new Date().toISOString().slice(0, 10)}: the same benchmarks run one after the other`,
    `in one script on ${older.node} and on ${current.node}, each with its baselines in its own run. Load averages (1, 5, 15 min) at`,
    `start and end: ${older.node} ${older.load.join(' → ')}; ${current.node} ${current.load.join(' → ')} (other work shared the two CPUs).`,
    'For memory a ratio below 1 is better; for the rest above 1.',
    '',
    `| benchmark | measure | ${older.node} | ${current.node} | ${current.node.split('.')[0]} / ${older.node.split('.')[0]} |`,
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

const older = await runOn(otherNode());
const current = await runOn(process.execPath);
const text = section(older, current);
console.log(`\n${text}`);
const previous = readFileSync(RESULTS, 'utf8');
const start = previous.indexOf(HEADING);
const end = start < 0 ? -1 : previous.indexOf('\n## ', start + HEADING.length);
writeFileSync(RESULTS, start < 0 ? `${previous.trimEnd()}\n\n${text}` : `${previous.slice(0, start)}${text}${end < 0 ? '' : previous.slice(end + 1)}`);
console.log(`wrote the section to ${RESULTS}`);
