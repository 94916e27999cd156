// Runs the mock bureau on its own port (npm run bureau). Reads BUREAU_PORT, BUREAU_RESULT_DELAY_MS,
// BUREAU_STATE_FILE and DATA_DIR; listens on 127.0.0.1 only, since its admin routes have no auth
// (HOST=0.0.0.0 in docker-compose, where only the internal network reaches it).
import '../runtime/require-node'; // first: a wrong Node says so before anything runs
import { join } from 'node:path';
import { hostList } from '../api/host-names';
import { ownerOnlyUmask, secureDataDir } from '../data-dir';
import { DEFAULT_RESULT_DELAY_MS, buildBureau } from './server';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return value;
}

const port = intFromEnv('BUREAU_PORT', 4100);
const resultDelayMs = intFromEnv('BUREAU_RESULT_DELAY_MS', DEFAULT_RESULT_DELAY_MS);
const dataDir = process.env.DATA_DIR || './data';
const stateFile = process.env.BUREAU_STATE_FILE || join(dataDir, 'bureau-state.json');
const host = process.env.HOST || '127.0.0.1';

// Its state (ledger, password hashes) is this user's only: DATA_DIR secured as by the service.
try {
  if (process.env.BUREAU_STATE_FILE) ownerOnlyUmask();
  else secureDataDir(dataDir, (message) => console.warn(`[bureau] ${message}`));
} catch (err) {
  console.error(`[bureau] ${(err as Error).message}`);
  process.exit(1);
}

const app = await buildBureau({ stateFile, resultDelayMs, logger: true, host, allowedHosts: hostList(process.env.BUREAU_ALLOWED_HOSTS) });
await app.listen({ port, host });
app.log.info({ stateFile, resultDelayMs }, 'mock bureau ready');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'mock bureau stopping');
    void app.close().then(() => process.exit(0));
  });
}
