// The chaos suite in small (F-4 under faults): 40 three-party payments and 15 bank-side vouchers
// through the real API while the worker is SIGKILLed twice, the Temporal dev server crashes once
// and the bureau fails and loses answers. The same code as `npm run chaos`, with its own Temporal
// dev server, database, bureau and worker process (not the shared ones of the other tests).
import { describe, expect, inject, it } from 'vitest';
import { SHORT_RUN } from '../../src/chaos/options';
import { formatChaosReport } from '../../src/chaos/report';
import { runChaos } from '../../src/chaos/run';

// Two to three minutes on two cores, much of it waiting for activities a killed worker held
// (their start-to-close timeouts: a minute, two for a voucher print).
const TIMEOUT_MS = 240_000;

describe('chaos: payments under worker kills, a Temporal crash and bureau faults', () => {
  it(
    'loses no payment, charges none twice, settles each with its reason and reconciles the ledger line by line',
    async () => {
      const lines: string[] = [];
      const seed = Number(process.env.CHAOS_SEED) || 0;
      const started = Date.now();
      const log = (line: string) => lines.push(`[chaos ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
      const report = await runChaos({ ...SHORT_RUN, seed }, { adminDatabaseUrl: inject('adminDatabaseUrl'), log });
      const summary = formatChaosReport(report);
      // The whole story when something is wrong (the seed replays the same plan: CHAOS_SEED=<seed>).
      if (!report.ok || process.env.CHAOS_SUMMARY) console.log([...lines, summary].join('\n'));
      expect(report.violations, summary).toEqual([]);
      expect(report.starts.threeParty + report.starts.vouchers, summary).toBe(SHORT_RUN.threeParty + SHORT_RUN.vouchers);
      expect(report.chaos.workerKills).toBe(SHORT_RUN.workerKills);
      expect(report.chaos.temporalRestarts).toBe(SHORT_RUN.temporalRestarts);
      expect(report.settle.settled, summary).toBe(true);
      expect(report.checks).toMatchObject({ paymentsLost: 0, orphanWorkflows: 0, chargedTwice: 0, acceptedPayments: SHORT_RUN.threeParty + SHORT_RUN.vouchers });
      // Every paid payment was matched with its ledger entry, and nothing else was charged.
      expect(report.checks!.reconciledPayments).toBe(report.checks!.ledgerEntries);
      expect(report.checks!.statuses.paid ?? 0).toBe(report.checks!.ledgerEntries);
      // The poor employers were topped up, so every three-party payment ended paid.
      expect(report.checks!.byMethod.three_party, summary).toEqual({ paid: SHORT_RUN.threeParty });
    },
    TIMEOUT_MS,
  );
});
