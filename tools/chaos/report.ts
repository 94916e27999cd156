// The printed summary of a chaos run: what was done to the service, and the invariants.
import type { ChaosReport } from './run';

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const kv = (o: Record<string, number>) =>
  Object.entries(o)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

export function formatChaosReport(r: ChaosReport): string {
  const c = r.checks;
  const o = r.options;
  const check = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');
  const lines = [
    '',
    `chaos run ${r.ok ? 'PASSED' : 'FAILED'} in ${s(r.durationMs)} (seed ${r.seed}; startup ${s(r.phasesMs.startup)}, setup ${s(r.phasesMs.setup)}, chaos ${s(r.phasesMs.chaos)}, settle ${s(r.phasesMs.settle)}, checks ${s(r.phasesMs.checks)})`,
    '',
    'load',
    `  employers            ${r.setup.employers} (${r.setup.poorEmployers} with no balance until topped up), ${r.setup.declarations} declarations over ${r.setup.periods.join(', ')}, ${r.setup.payableLines} payable lines`,
    `  payments accepted    ${r.starts.threeParty}/${o.threeParty} three-party, ${r.starts.vouchers}/${o.vouchers} bank-side vouchers (start concurrency ${o.startConcurrency})`,
    `  start latency        p50 ${r.starts.latencyMs.p50} ms, p95 ${r.starts.latencyMs.p95} ms, max ${r.starts.latencyMs.max} ms (tries again included)`,
    `  API clients          ${r.starts.clients.requests} requests, every POST with an Idempotency-Key; ${r.starts.clients.retries} sent again (no answer, 5xx, or ${r.starts.clients.inProgress} × 409 IDEMPOTENCY_IN_PROGRESS after its Retry-After)`,
    `  duplicate starts     ${r.starts.duplicateProbes} pairs of the same lines sent at once; the second answered: ${kv(r.starts.duplicateLosers)}`,
    `  refused starts       ${kv(r.starts.refused)}`,
    '',
    'faults',
    `  worker SIGKILLs      ${r.chaos.workerKills} (worker starts ${r.chaos.workerStarts}, each ${r.chaos.workerStartMs.map((m) => s(m)).join(' / ')}; exits nobody asked for ${r.chaos.workerUnexpectedExits}; browsers alive 5 s after their worker died ${r.chaos.strayChromiums}, Chromium profiles left behind ${r.chaos.leftoverChromiumProfiles})`,
    `  API SIGKILLs         ${r.chaos.apiKills} (${o.setupApiKills} while declaring, ${o.apiKills} while paying; each start ${r.chaos.apiStartMs.map((m) => s(m)).join(' / ')}; exits nobody asked for ${r.chaos.apiUnexpectedExits})`,
    `  resumed after        ${r.chaos.resumedMs.map((m) => s(m)).join(' / ') || '-'} from each API restart answering /health until the requests the kill cut off (${r.chaos.requestsCutOff.join(' / ') || '-'}) are answered and every start recorded and declaration submitted before it has moved on`,
    `  Temporal restarts    ${r.chaos.temporalRestarts} (SIGKILL to serving again: ${r.chaos.temporalDownMs === null ? '-' : s(r.chaos.temporalDownMs)})`,
    `  bureau fault rules   ${r.chaos.faultRules.map((f) => `${f.operation}:${f.mode}@${f.rate}`).join(' ') || 'none'}`,
    `  top-ups              ${r.chaos.topUps}`,
    `  vouchers             ${kv(r.chaos.voucherOutcomes)}`,
    '',
    'outcome',
    `  settled              ${r.settle.settled ? 'yes' : `NO (${r.settle.unsettled} left)`} after ${s(r.settle.waitedMs)}`,
  ];
  if (c) {
    lines.push(
      `  payment statuses     ${kv(c.statuses)}`,
      `    three-party        ${kv(c.byMethod.three_party ?? {})}`,
      `    bank voucher       ${kv(c.byMethod.bank_voucher ?? {})}`,
      `  deduction attempts   ${kv(c.attempts)}; ${c.unknownOutcomes} recorded unknown at first (交易结果未知), then resolved by asking the bureau`,
      `  workflows            ${kv(c.workflows)}`,
      '',
      'invariants',
      `  ${check(c.paymentsLost === 0)} payments lost           ${c.paymentsLost} (accepted ${c.acceptedPayments}, in the database ${c.paymentsInDb}; orphan workflows ${c.orphanWorkflows})`,
      `  ${check(c.chargedTwice === 0)} charged twice           ${c.chargedTwice} (ledger: ${c.ledgerEntries} entries, ${c.ledgerLines} lines)`,
      `  ${check(c.orphanRecords === 0 && c.unstartedStarts === 0)} orphan records          ${c.orphanRecords} of ${c.declarations} declarations (with their voids), ${c.paymentsInDb} payments and the batches; recorded starts never made ${c.unstartedStarts}`,
      `  ${check(c.stuckKeys === 0)} stuck idempotency keys  ${c.stuckKeys}`,
      `  ${check(c.neverAnswered === 0)} never answered          ${c.neverAnswered} client requests`,
      `  ${check(c.itemsDeclaredTwice === 0)} items declared twice    ${c.itemsDeclaredTwice}`,
      `  ${check(r.violations.length === 0)} reconciled              ${c.reconciledPayments} paid payments, ${c.reconciledLines} lines, ${(c.paidFen / 100).toFixed(2)} yuan ↔ ledger; declarations' payment status`,
    );
  }
  lines.push(`  violations           ${r.violations.length}`);
  for (const v of r.violations.slice(0, 50)) lines.push(`    - ${v}`);
  if (r.violations.length > 50) lines.push(`    … ${r.violations.length - 50} more`);
  if (r.notes.length > 0) {
    lines.push('notes');
    for (const n of r.notes.slice(0, 20)) lines.push(`  - ${n}`);
    if (r.notes.length > 20) lines.push(`  … ${r.notes.length - 20} more`);
  }
  if (r.keptDir) lines.push(`logs and state kept in ${r.keptDir} (worker.log, temporal.log, bureau/state.json)${o.keep ? `; database ${r.databaseName} kept` : ''}`);
  return lines.join('\n');
}
