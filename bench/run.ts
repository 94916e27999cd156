// `npm run bench`: every benchmark once, each against its baseline measured in the same run,
// then bench/RESULTS.md with the machine and the figures. `npm run bench -- flows pdf` runs some;
// `npm run bench -- month --employers 10000` the month for that many employers (default 1,000),
// `--hold` the memory with all their declarations in flight.
// The analysis below the figures in RESULTS.md (from "## What limits each figure") is kept.
// BENCH_JSON=<file> writes the results there as JSON instead (bench/runtimes.ts reads them).
import '../src/runtime/require-node'; // first: a wrong Node says so before anything runs
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchApi } from './api';
import { benchArchive } from './archive';
import { benchAudit } from './audit';
import { benchCluster } from './cluster';
import { log, machine, startEnv, type BenchEnv, type BenchResult } from './env';
import { benchFetchNow } from './fetch-now';
import { benchFlows } from './flows';
import { benchLists } from './lists';
import { benchMemory } from './memory';
import { MONTH_OPTIONS, benchMonth, monthLimitSeconds } from './month';
import { benchPdf } from './pdf';

const BENCHES: Record<string, (env: BenchEnv) => Promise<BenchResult>> = {
  flows: benchFlows,
  pdf: benchPdf,
  api: benchApi,
  'fetch-now': benchFetchNow,
  memory: benchMemory,
  archive: benchArchive,
  cluster: benchCluster,
  audit: benchAudit,
  lists: benchLists,
  month: benchMonth,
};

/** No benchmark may run longer than this (the month: its own, by its number of employers). */
const LIMIT_SECONDS = Number(process.env.BENCH_LIMIT_SECONDS ?? 300);
const limitSeconds = (name: string) => (name === 'month' ? Math.max(LIMIT_SECONDS, monthLimitSeconds()) : LIMIT_SECONDS);

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const ANALYSIS_HEADING = '## What limits each figure';

function render(results: BenchResult[], m: ReturnType<typeof machine>, seconds: number, loadAtStart: string): string {
  const table = [
    '| benchmark | measure | ours | baseline (same run) | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.name} | ${r.measure} | ${r.ours} | ${r.baseline} | ${r.ratio === null ? '–' : `${r.ratio}×`} | ${r.target} | ${r.met ? 'yes' : '**no**'} |`),
  ];
  const details = results.flatMap((r) => [`**${r.name}**`, '', ...r.details.map((d) => `- ${d}`), '']);
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts); each ratio compares two measurements of the same run',
    'on the same machine. Everything runs on this one machine: the Temporal CLI dev server (in-memory',
    'SQLite), PostgreSQL, the mock bureau, the worker, the API and the load.',
    '',
    `- date: ${m.date}`,
    `- machine: ${m.nproc} CPUs (${m.cpu}), ${m.memory} memory`,
    `- node: ${m.node}`,
    `- whole run: ${seconds.toFixed(0)} s; load average (1, 5, 15 min) at its start ${loadAtStart}, at its end ${m.load} (other work on the machine shares the two CPUs)`,
    '',
    ...table,
    '',
    '## Details',
    '',
    ...details,
  ].join('\n');
}

async function main(): Promise<void> {
  const loadAtStart = machine().load;
  // Names, without the options and their values (`--employers 10000`).
  const chosen = process.argv.slice(2).filter((a, i, all) => !a.startsWith('-') && !MONTH_OPTIONS.includes(all[i - 1] ?? ''));
  const names = chosen.length > 0 ? chosen : Object.keys(BENCHES);
  for (const name of names) if (!BENCHES[name]) throw new Error(`no benchmark "${name}"; choose from ${Object.keys(BENCHES).join(', ')}`);
  const started = performance.now();
  const results: BenchResult[] = [];
  for (const name of names) {
    // Each benchmark on a fresh environment, so none inherits another's load or data.
    log(`${name}: starting its environment`);
    const env = await startEnv();
    try {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} took more than ${limitSeconds(name)} s`)), limitSeconds(name) * 1000);
      });
      results.push(await Promise.race([BENCHES[name]!(env), limit]).finally(() => clearTimeout(timer)));
    } finally {
      await env.close();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const previous = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
  const analysis = previous.includes(ANALYSIS_HEADING) ? previous.slice(previous.indexOf(ANALYSIS_HEADING)) : `${ANALYSIS_HEADING}\n\n(to be written after a run)\n`;
  if (process.env.BENCH_JSON) {
    // For bench/runtimes.ts, which compares runs on two Node versions.
    writeFileSync(process.env.BENCH_JSON, JSON.stringify({ node: process.version, load: [loadAtStart, machine().load], seconds, results }));
  } else if (chosen.length > 0) {
    log('a partial run: RESULTS.md is left as it is');
  } else {
    writeFileSync(RESULTS, `${render(results, machine(), seconds, loadAtStart)}\n${analysis}`);
    log(`wrote ${RESULTS}`);
  }
  for (const r of results) {
    console.log(`${r.name}: ours ${r.ours}, baseline ${r.baseline}, ratio ${r.ratio ?? '–'} (target ${r.target}: ${r.met ? 'met' : 'NOT met'})`);
    for (const d of r.details) console.log(`  - ${d}`);
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
