// Imported first by every entry point (launchers, API, worker, bureau, benches, tools), so a
// wrong Node says so in one line before anything else runs.
import { checkNodeVersion, type NodeCheck } from './node-version';

// SIFEE_NODE_CHECK=off lets the benches measure the same code on an older runtime (bench/RESULTS.md).
const check: NodeCheck = process.env.SIFEE_NODE_CHECK === 'off' ? { ok: true } : checkNodeVersion();
if (check.message) console.error(check.message);
if (!check.ok) process.exit(1);
