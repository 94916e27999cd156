// The bureau's budget for every worker together (BUREAU_MAX_REQUESTS_PER_SECOND), kept exactly:
// each request to the bureau first takes the next free moment from one row, which moves on by
// 1/rate seconds per request, and waits until then. Temporal's task-queue rate limit already
// dispatches the bureau's activities at this rate on average, but in bursts (a token bucket per
// task-queue partition); this spreads them, and counts each request of an activity that makes
// several (a paged download, a voucher and its account).
import { sql } from 'drizzle-orm';
import type { Db } from './client';
import { bureauPace } from './schema';

/** Takes the next moment a request may go to the bureau; answers how long to wait for it (ms, 0: now). */
export async function reserveBureauSlot(db: Db, perSecond: number): Promise<number> {
  const step = sql`make_interval(secs => ${1 / perSecond}::float8)`;
  // The database's clock for every process, so their clocks need not agree.
  const [row] = await db
    .insert(bureauPace)
    .values({ id: 1, nextAt: sql`clock_timestamp() + ${step}` })
    .onConflictDoUpdate({ target: bureauPace.id, set: { nextAt: sql`greatest(${bureauPace.nextAt}, clock_timestamp()) + ${step}` } })
    .returning({ waitMs: sql<number>`(extract(epoch from (${bureauPace.nextAt} - ${step} - clock_timestamp())) * 1000)::float8` });
  return Math.max(0, row!.waitMs);
}

const sleep = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

/**
 * Waits for the bureau's next free moment before each request; for BureauClient's `pace`. Within
 * one process the requests also go one at a time, an interval apart counted from when the last one
 * actually went: timers that fire late together (a busy event loop) do not send together.
 */
export function bureauPacer(db: Db, perSecond: number): () => Promise<void> {
  const intervalMs = 1000 / perSecond;
  let lastAt = -Infinity;
  let turn: Promise<void> = Promise.resolve();
  return async () => {
    await sleep(await reserveBureauSlot(db, perSecond));
    const mine = turn.then(async () => {
      await sleep(lastAt + intervalMs - performance.now());
      lastAt = performance.now();
    });
    turn = mine;
    await mine;
  };
}
