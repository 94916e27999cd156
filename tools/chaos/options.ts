// What a chaos run does, with the defaults of `npm run chaos`; flags and CHAOS_* variables
// change any of them (see parseChaosArgs).

/** Where the run creates (and drops) its own database: the machine's PostgreSQL, as in the tests. */
export const DEFAULT_ADMIN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface ChaosOptions {
  threeParty: number; // three-party payments started through the API
  vouchers: number; // bank-side voucher payments started through the API
  workerKills: number; // SIGKILLs of the worker process, at random moments
  apiKills: number; // SIGKILLs of the API process while payments start, at random moments (each started again at once)
  setupApiKills: number; // SIGKILLs of the API process while the setup's declarations are posted (0 or 1)
  killsUntil: number; // the kills fall between 10 % of the window and this share of it
  temporalRestarts: number; // SIGKILL + restart of the Temporal dev server on its database file (0 or 1)
  seed: number; // drives every random choice of the run (timing still varies)
  chaosSeconds: number; // the window in which payments start and every fault happens
  settleSeconds: number; // afterwards, how long to wait for every payment to be final or awaiting
  faultRate: number; // per call, for each fault mode on deduct, deduction_status and issue_voucher
  poorShare: number; // employers whose balance is 0 at first and topped up later
  voucherPayShare: number; // vouchers paid at the bank counter
  voucherVoidShare: number; // vouchers voided through the API
  voucherRaceShare: number; // vouchers paid at the counter and voided at the same moment
  startConcurrency: number; // payment starts in flight at once
  periods: number; // fee periods declared per employer (five lines each)
  duplicateShare: number; // payments started twice at the same moment: exactly one may hold the lines
  retrySchedule: string; // PAYMENT_RETRY_SCHEDULE
  deductionStatusPollSeconds: number; // DEDUCTION_STATUS_POLL_SECONDS
  voucherPollSeconds: number; // VOUCHER_POLL_SECONDS
  keep: boolean; // keep the database and the temporary folder (logs, state files) afterwards
}

export const FULL_RUN: ChaosOptions = {
  threeParty: 300,
  vouchers: 100,
  workerKills: 5,
  apiKills: 4,
  setupApiKills: 1,
  killsUntil: 0.75,
  temporalRestarts: 1,
  seed: 0, // 0: pick one at random (printed, so a run can be repeated)
  chaosSeconds: 150,
  settleSeconds: 300,
  faultRate: 0.1,
  poorShare: 0.25,
  voucherPayShare: 0.75,
  voucherVoidShare: 0.12,
  voucherRaceShare: 0.05,
  startConcurrency: 6,
  periods: 3,
  duplicateShare: 0.05,
  retrySchedule: '2s,3s',
  deductionStatusPollSeconds: 1,
  voucherPollSeconds: 1,
  keep: false,
};

/** The short run of `npm test`. */
export const SHORT_RUN: ChaosOptions = {
  ...FULL_RUN,
  threeParty: 40,
  vouchers: 15,
  workerKills: 2,
  apiKills: 2,
  // A voucher print a killed worker held is tried again after two minutes: kill early, settle sooner.
  killsUntil: 0.5,
  temporalRestarts: 1,
  chaosSeconds: 45,
  settleSeconds: 150,
  startConcurrency: 4,
  periods: 2,
};

const FLAGS: Record<string, { key: keyof ChaosOptions; env: string }> = {
  'three-party': { key: 'threeParty', env: 'CHAOS_THREE_PARTY' },
  vouchers: { key: 'vouchers', env: 'CHAOS_VOUCHERS' },
  'worker-kills': { key: 'workerKills', env: 'CHAOS_WORKER_KILLS' },
  'api-kills': { key: 'apiKills', env: 'CHAOS_API_KILLS' },
  'setup-api-kills': { key: 'setupApiKills', env: 'CHAOS_SETUP_API_KILLS' },
  'kills-until': { key: 'killsUntil', env: 'CHAOS_KILLS_UNTIL' },
  'temporal-restarts': { key: 'temporalRestarts', env: 'CHAOS_TEMPORAL_RESTARTS' },
  seed: { key: 'seed', env: 'CHAOS_SEED' },
  'chaos-seconds': { key: 'chaosSeconds', env: 'CHAOS_SECONDS' },
  'settle-seconds': { key: 'settleSeconds', env: 'CHAOS_SETTLE_SECONDS' },
  'fault-rate': { key: 'faultRate', env: 'CHAOS_FAULT_RATE' },
  'poor-share': { key: 'poorShare', env: 'CHAOS_POOR_SHARE' },
  'voucher-pay-share': { key: 'voucherPayShare', env: 'CHAOS_VOUCHER_PAY_SHARE' },
  'voucher-void-share': { key: 'voucherVoidShare', env: 'CHAOS_VOUCHER_VOID_SHARE' },
  'voucher-race-share': { key: 'voucherRaceShare', env: 'CHAOS_VOUCHER_RACE_SHARE' },
  'start-concurrency': { key: 'startConcurrency', env: 'CHAOS_START_CONCURRENCY' },
  periods: { key: 'periods', env: 'CHAOS_PERIODS' },
  'duplicate-share': { key: 'duplicateShare', env: 'CHAOS_DUPLICATE_SHARE' },
  'retry-schedule': { key: 'retrySchedule', env: 'PAYMENT_RETRY_SCHEDULE' },
  'deduction-status-poll-seconds': { key: 'deductionStatusPollSeconds', env: 'DEDUCTION_STATUS_POLL_SECONDS' },
  'voucher-poll-seconds': { key: 'voucherPollSeconds', env: 'VOUCHER_POLL_SECONDS' },
  keep: { key: 'keep', env: 'CHAOS_KEEP' },
};

export const CHAOS_USAGE = `npm run chaos -- [--short] [--name value ...]
  ${Object.entries(FLAGS)
    .map(([flag, { key, env }]) => `--${flag.padEnd(30)} ${env.padEnd(31)} default ${key === 'seed' ? 'random' : String(FULL_RUN[key])}`)
    .join('\n  ')}
  --short                                          the small run of npm test (40 + 15 payments, 2 worker and 3 API kills)`;

function setOption(options: ChaosOptions, key: keyof ChaosOptions, raw: string, where: string): void {
  const current = options[key];
  if (typeof current === 'boolean') {
    (options as unknown as Record<string, unknown>)[key] = raw === '' || raw === '1' || raw === 'true';
  } else if (typeof current === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${where} must be a non-negative number, got "${raw}"`);
    (options as unknown as Record<string, unknown>)[key] = n;
  } else {
    (options as unknown as Record<string, unknown>)[key] = raw;
  }
}

/** Options from the defaults, then CHAOS_* variables, then flags (`--name value` or `--name=value`). */
export function parseChaosArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ChaosOptions {
  const options: ChaosOptions = { ...(argv.includes('--short') ? SHORT_RUN : FULL_RUN) };
  for (const { key, env: name } of Object.values(FLAGS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setOption(options, key, raw, name);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--short') continue;
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const flag = match ? FLAGS[match[1] as string] : undefined;
    if (!match || !flag) throw new Error(`unknown argument "${arg}"\n${CHAOS_USAGE}`);
    let raw = match[2];
    if (raw === undefined) {
      const next = argv[i + 1];
      if (typeof FULL_RUN[flag.key] === 'boolean' && (next === undefined || next.startsWith('--'))) raw = 'true';
      else {
        if (next === undefined) throw new Error(`--${match[1]} needs a value`);
        raw = next;
        i++;
      }
    }
    setOption(options, flag.key, raw, `--${match[1]}`);
  }
  if (options.temporalRestarts > 1) throw new Error('--temporal-restarts is 0 or 1');
  if (options.setupApiKills > 1) throw new Error('--setup-api-kills is 0 or 1');
  for (const share of ['killsUntil', 'faultRate', 'poorShare', 'voucherPayShare', 'voucherVoidShare', 'voucherRaceShare', 'duplicateShare'] as const) {
    if (options[share] > 1) throw new Error(`${share} is a share between 0 and 1`);
  }
  if (options.voucherPayShare + options.voucherVoidShare + options.voucherRaceShare > 1) throw new Error('the voucher shares add up to more than 1');
  return options;
}
