// Activities that are failing and being retried, one row per activity of a workflow (see
// src/worker/activity-interceptors.ts). Rows whose activity stopped failing are deleted by its
// next success; a row not refreshed for a while belongs to a workflow that moved on or ended.
import { and, countDistinct, desc, eq, gte, inArray, or, sql } from 'drizzle-orm';
import type { Db } from './client';
import { activityFailures } from './schema';

/** Failed this many times in a row: someone should look (the /metrics gauge, the console). */
export const FAILING_ATTEMPTS = 5;
/** A retried activity fails again within its longest retry interval (2 minutes); older rows are stale. */
export const FAILING_FRESH_MS = 5 * 60_000;

export type ActivityFailureRow = typeof activityFailures.$inferSelect;

export async function recordActivityFailure(db: Db, f: { workflowId: string; activityId: string; activityType: string; attempt: number; lastError: string; final: boolean }): Promise<void> {
  await db
    .insert(activityFailures)
    .values({ ...f, failedAt: new Date() })
    .onConflictDoUpdate({ target: [activityFailures.workflowId, activityFailures.activityId], set: { activityType: f.activityType, attempt: f.attempt, lastError: f.lastError, final: f.final, failedAt: sql`now()` } });
}

export async function clearActivityFailure(db: Db, f: { workflowId: string; activityId: string }): Promise<void> {
  await db.delete(activityFailures).where(and(eq(activityFailures.workflowId, f.workflowId), eq(activityFailures.activityId, f.activityId)));
}

const retriedNow = () => and(eq(activityFailures.final, false), gte(activityFailures.failedAt, new Date(Date.now() - FAILING_FRESH_MS)));

/** The latest failure of each of these workflows: one retried now, or one that ended a step for good. */
export async function latestFailures(db: Db, workflowIds: string[]): Promise<Map<string, ActivityFailureRow>> {
  if (workflowIds.length === 0) return new Map();
  const rows = await db.select().from(activityFailures).where(and(inArray(activityFailures.workflowId, workflowIds), or(eq(activityFailures.final, true), retriedNow()))).orderBy(desc(activityFailures.failedAt));
  const latest = new Map<string, ActivityFailureRow>();
  for (const r of rows) if (!latest.has(r.workflowId)) latest.set(r.workflowId, r);
  return latest;
}

/** Workflows with an activity that has failed at least FAILING_ATTEMPTS times in a row and is still retried. */
export async function countFailingWorkflows(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: countDistinct(activityFailures.workflowId) })
    .from(activityFailures)
    .where(and(gte(activityFailures.attempt, FAILING_ATTEMPTS), retriedNow()));
  return row?.n ?? 0;
}
