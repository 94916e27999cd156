// `npm run chaos`: the chaos suite at full size (300 three-party payments, 100 vouchers, API and
// worker SIGKILLs, one Temporal crash, bureau faults), then the invariants. Exits 1 on any violation.
//   npm run chaos -- --help | --short | --three-party 50 --worker-kills 3 --seed 42 ...
import '../src/runtime/require-node'; // first: a wrong Node says so before anything runs
import { CHAOS_USAGE, DEFAULT_ADMIN_DATABASE_URL, parseChaosArgs } from '../tools/chaos/options';
import { formatChaosReport } from '../tools/chaos/report';
import { runChaos } from '../tools/chaos/run';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(CHAOS_USAGE);
  process.exit(0);
}

let options;
try {
  options = parseChaosArgs(argv);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

// Ctrl-C: the exit handler of the run kills the worker and the dev server it started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const started = new Date();
const log = (line: string) => console.log(`[chaos ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}`);
log(`${options.threeParty} three-party payments, ${options.vouchers} vouchers, ${options.workerKills} worker kills, ${options.setupApiKills + options.apiKills} API kills, ${options.temporalRestarts} Temporal restart(s), fault rate ${options.faultRate}`);
const report = await runChaos(options, { adminDatabaseUrl: process.env.CHAOS_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? DEFAULT_ADMIN_DATABASE_URL, log });
console.log(formatChaosReport(report));
process.exit(report.ok ? 0 : 1);
