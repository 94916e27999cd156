// The replay corpus: histories recorded from real runs (`npm run corpus:record`), replayed by
// tests/replay/replay.test.ts in `npm test` and by `npm run replay`. No vitest here: the replay
// script imports it too.
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = fileURLToPath(new URL('./histories/', import.meta.url));

/**
 * The codec keys the corpus is encrypted with: the tests' fixed key (TEST_CODEC_KEYS in
 * tests/support/stack.ts), so the corpus replays anywhere without a secret.
 */
export const CORPUS_CODEC_KEYS = `test1:${Buffer.alloc(32, 7).toString('base64')}`;

/** Every scenario the corpus must hold: file name (without .json) → what run it records. */
export const CORPUS_SCENARIOS: Record<string, string> = {
  'declaration--accepted-fetch-now': 'declaration; the operator asks for the result at once (fetchResultNow update) → accepted',
  'declaration--accepted-by-timer': 'declaration started by a batch; the 1 s wait elapses (timer) → accepted',
  'declaration--rejected': 'declaration; the bureau rejects it → rejected',
  'declaration--result-unknown-then-fetched': 'declaration; no result by the deadline → result_unknown; an operator fetches later → accepted',
  'void--voided': 'void of an accepted declaration → voided',
  'void--rejected': 'void the bureau rejects → void_rejected',
  'three-party--paid': 'three-party payment, the first deduction succeeds → paid',
  'three-party--retry-by-timer-then-paid': 'insufficient balance → awaiting_retry; the scheduled retry succeeds after a top-up → paid',
  'three-party--retry-now-then-paid': 'insufficient balance → awaiting_retry; an operator retries now (retryPaymentNow update) → paid',
  'three-party--cancelled': 'insufficient balance → awaiting_retry; an operator cancels (cancelPayment update) → cancelled',
  'three-party--unknown-outcome-resolved': 'the deduction’s outcome is unknown; the bureau is asked until it says applied → paid',
  'voucher--paid': 'bank-side voucher issued and printed, then paid at a bank counter → paid',
  'voucher--voided': 'bank-side voucher issued and printed, then voided by an operator (voidVoucher update) → voucher_voided',
  'declaration-batch--run1': 'batch of 4 employers (one skipped: initial password) continuing as new every 2: first run prepares 2 and starts their declarations → continued as new',
  'declaration-batch--run2': 'the same batch, second run: prepares the other 2, settles every declaration from the database → completed',
  'certificate--payment': 'payment certificate (缴费证明) of a paid period → printed',
  'certificate--tax': 'tax payment certificate (完税证明), first print, numbered by the bureau → printed',
  'reconciler--start-repaired': 'the reconciler finds a declaration recorded with its start by a process that died before starting it → started',
  'archive--run': 'the archiver copies the closed histories of its task queue into the archive → archived',
  'reconciliation--day': 'the day’s reconciliation with the bureau’s ledger → all matched',
};
