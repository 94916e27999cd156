// The bureau's budget (BUREAU_MAX_REQUESTS_PER_SECOND) holds for everything the workers send it
// together: two batches declaring at once, with their preparations, submissions and result fetches,
// never make the bureau see more than the budget in any second, and both finish, side by side.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEmployer } from '../../src/db/employers';
import { auth, startStack, type Stack } from '../support/stack';

const BUDGET = 5; // requests a second
const EMPLOYERS = 20;
const PERIODS = ['2026-10', '2026-11'];

let stack: Stack;

// The batch routes are not in the typed client's contract yet: called through app.inject.
interface BatchView {
  status: string;
  progress: { total: number; pending: number; done: number; skipped: number; failed: number };
}

beforeAll(async () => {
  stack = await startStack({
    resultDelayMs: 100,
    timing: { resultWaitSeconds: 1, pollFirstSeconds: 1, pollMaxSeconds: 1, resultDeadlineSeconds: 120 },
    config: { bureauMaxRequestsPerSecond: BUDGET },
  });
  const seeded = (await stack.admin('/admin/seed', { employers: EMPLOYERS, periods: PERIODS })).employers as { taxpayerId: string }[];
  type Known = { taxpayerId: string; unitNumber: string; name: string; taxOfficeCode: string; taxOfficeName: string };
  const known = new Map(((await stack.admin('/admin/employers')).employers as Known[]).map((e) => [e.taxpayerId, e]));
  // Added straight to the database: through the API each would need a password change first.
  for (const { taxpayerId } of seeded) {
    const e = known.get(taxpayerId)!;
    await insertEmployer(stack.database.db, { id: randomUUID(), taxpayerId, unitNumber: e.unitNumber, name: e.name, taxOfficeCode: e.taxOfficeCode, taxOfficeName: e.taxOfficeName, passwordChangeRequired: false }, 'test');
  }
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** The most requests in any window of `ms` (each window starting at a request). */
function busiestWindow(times: number[], ms: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (j < times.length && times[j]! - times[i]! < ms) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe('the bureau’s budget', () => {
  it('holds for two batches at once, which both finish, side by side', async () => {
    const since = Date.now();
    const started = await Promise.all(
      PERIODS.map(async (period) => {
        const res = await stack.app.inject({ method: 'POST', url: '/api/declaration-batches', headers: auth(), payload: { period, headcountConfirmed: true } });
        expect(res.statusCode, res.body).toBe(202);
        return (res.json() as { id: string }).id;
      }),
    );

    // Where the other batch stood when the first one completed.
    let otherAtFirstEnd: number | undefined;
    const until = Date.now() + 150_000;
    for (;;) {
      const views = await Promise.all(started.map(async (id) => (await stack.app.inject({ method: 'GET', url: `/api/declaration-batches/${id}`, headers: auth() })).json() as BatchView));
      const finished = views.map((v) => v.progress.done + v.progress.skipped + v.progress.failed);
      if (otherAtFirstEnd === undefined && views.some((v) => v.status === 'completed')) otherAtFirstEnd = Math.min(...finished);
      if (views.every((v) => v.status === 'completed')) {
        for (const v of views) expect(v.progress).toMatchObject({ total: EMPLOYERS, done: EMPLOYERS, pending: 0 });
        break;
      }
      if (Date.now() > until) throw new Error(`batches not completed: ${JSON.stringify(views.map((v) => v.progress))}`);
      await new Promise((r) => setTimeout(r, 500));
    }

    const { times } = (await stack.admin(`/admin/requests?since=${since}`)) as { times: number[] };
    // Each employer of each batch: its items downloaded, its declaration submitted, its result fetched (at least).
    expect(times.length).toBeGreaterThanOrEqual(PERIODS.length * EMPLOYERS * 3);
    // Requests leave the workers 1/BUDGET s apart, but each arrives after its own small delay
    // (event loops, HTTP), so a window of one second can also catch the request of the moment just
    // past its edge: one more than the budget.
    expect(busiestWindow(times, 1000)).toBeLessThanOrEqual(BUDGET + 1);
    // And over the whole run: the requests took as long as the budget makes them take.
    const seconds = (times.at(-1)! - times[0]!) / 1000;
    expect(seconds).toBeGreaterThanOrEqual((times.length - 1) / BUDGET - 1);
    // Shared by arrival: when one batch was done, the other was well on its way, not starved (a
    // quarter, not a half: on a loaded machine one batch's preparations may run a little ahead).
    expect(otherAtFirstEnd).toBeGreaterThanOrEqual(EMPLOYERS / 4);
  }, 200_000);
});
