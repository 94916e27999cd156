// Declaration schedules (申报计划) end to end: API → Temporal Schedule → the run's workflow and
// activity → a batch declaration → mock bureau → database. A schedule run now by an operator, one
// fired by its own calendar (a short test calendar: SCHEDULE_TEST_INTERVAL_SECONDS), a retried run
// that starts one batch only, and the failure instants between the schedule's row and Temporal.
import { ScheduleNotFoundError } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { and, count, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from '../../client';
import { declarationScheduleActivities } from '../../src/activities/declaration-schedules';
import { reconcilerActivities } from '../../src/activities/reconciler';
import { changeSchedule, insertSchedule } from '../../src/db/declaration-schedules';
import { auditLog, declarationBatches, declarationScheduleRuns } from '../../src/db/schema';
import { schedulePeriod } from '../../src/domain/declaration-schedule';
import { temporalScheduleIdOf } from '../../src/temporal/declaration-schedules';
import { addSignedInEmployer } from '../support/employers';
import { eventually } from '../support/flows';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
/** The periods runs declare now (China time): every test employer has items for both. */
const PREVIOUS = schedulePeriod('previous_month', new Date());
const CURRENT = schedulePeriod('current_month', new Date());

type ScheduleBody = paths['/api/declaration-schedules']['post']['requestBody']['content']['application/json'];
type BatchView = paths['/api/declaration-batches/{id}']['get']['responses'][200]['content']['application/json'];

const body = (over: Partial<ScheduleBody> = {}): ScheduleBody => ({ name: '每月5日申报上月', dayOfMonth: 5, time: '09:30', period: 'previous_month', headcountConfirmed: true, ...over });
const create = (over: Partial<ScheduleBody> = {}, headers: Record<string, string> = {}) => stack.client.POST('/api/declaration-schedules', { body: body(over), headers });
const detail = async (id: string) => {
  const { data, error, response } = await stack.clientAs('auditor').GET('/api/declaration-schedules/{id}', { params: { path: { id } } });
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!;
};
const trigger = (id: string, headers: Record<string, string> = {}) => stack.client.POST('/api/declaration-schedules/{id}/trigger', { params: { path: { id } }, headers });
const services = () => ({ db: stack.database.db, temporal: stack.temporal, bureau: stack.bureau, config: stack.config, codec: stack.app.codec });

/** One pass of the reconciler's activities, as its schedule runs them: the starts, then the schedules. */
async function reconcile() {
  const { reconcileWorkflowStarts, syncDeclarationSchedules } = reconcilerActivities(services());
  const env = new MockActivityEnvironment();
  const starts = (await env.run(reconcileWorkflowStarts, { graceSeconds: 0 })) as Awaited<ReturnType<typeof reconcileWorkflowStarts>>;
  return { ...starts, schedules: (await env.run(syncDeclarationSchedules)) as Awaited<ReturnType<typeof syncDeclarationSchedules>> };
}

async function completedBatch(id: string): Promise<BatchView> {
  const view = await eventually(
    async () => (await stack.client.GET('/api/declaration-batches/{id}', { params: { path: { id } } })).data!,
    (b) => b.status === 'completed',
    60_000,
  );
  expect(view.status, JSON.stringify(view.progress)).toBe('completed');
  return view;
}

/** The next instant that is day `day` at hh:mm in China (UTC+8, no daylight saving), after now. */
function nextChinaTime(day: number, hour: number, minute: number, after = new Date()): Date {
  const china = new Date(after.getTime() + 8 * 3600_000);
  for (let m = 0; m < 3; m++) {
    const candidate = new Date(Date.UTC(china.getUTCFullYear(), china.getUTCMonth() + m, day, hour, minute) - 8 * 3600_000);
    if (candidate > after) return candidate;
  }
  throw new Error('unreachable');
}

beforeAll(async () => {
  stack = await startStack({ resultDelayMs: 100, timing: { resultWaitSeconds: 1, pollFirstSeconds: 1, pollMaxSeconds: 2, resultDeadlineSeconds: 60 } });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe('declaration schedules (申报计划)', () => {
  it('refuses bad requests and other roles, creating nothing', async () => {
    const employer = await addSignedInEmployer(stack, 1, [PREVIOUS, CURRENT]);
    for (const bad of [{ dayOfMonth: 29 }, { dayOfMonth: 0 }, { time: '24:00' }, { time: '9:30' }, { period: 'next_month' as never }, { employerIds: [] }]) {
      const res = await create(bad);
      expect(res.response.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await create({ headcountConfirmed: false })).error).toMatchObject({ code: 'HEADCOUNT_NOT_CONFIRMED' });
    const unknown = await create({ employerIds: [employer.id, 'nobody'] });
    expect(unknown.response.status).toBe(422);
    expect(unknown.error).toMatchObject({ code: 'UNKNOWN_EMPLOYERS', employerIds: ['nobody'] });
    expect((await stack.clientAs('auditor').POST('/api/declaration-schedules', { body: body() })).response.status).toBe(403);
    expect((await stack.clientAs('anonymous').GET('/api/declaration-schedules')).response.status).toBe(401);
    expect((await stack.clientAs('auditor').GET('/api/declaration-schedules')).data).toEqual({ schedules: [] });
    const path = { id: 'S20260101-nothing' };
    expect((await stack.client.GET('/api/declaration-schedules/{id}', { params: { path } })).response.status).toBe(404);
    expect((await trigger(path.id)).response.status).toBe(404);
    expect((await stack.client.POST('/api/declaration-schedules/{id}/pause', { params: { path }, body: {} })).response.status).toBe(404);
    expect((await stack.client.DELETE('/api/declaration-schedules/{id}', { params: { path } })).response.status).toBe(404);
  });

  it('is a monthly Temporal Schedule in China time; triggered, each run is a batch that declares', async () => {
    const a = await addSignedInEmployer(stack, 2, [PREVIOUS, CURRENT]);
    const b = await addSignedInEmployer(stack, 3, [PREVIOUS, CURRENT]);
    const key = { 'idempotency-key': 'schedule-create-1' };
    const created = await create({ employerIds: [a.id, b.id] }, key);
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    const s = created.data!;
    expect(s).toMatchObject({ employerIds: [a.id, b.id], allEmployers: false, dayOfMonth: 5, time: '09:30', timezone: 'Asia/Shanghai', period: 'previous_month', paused: false, synced: true, runs: [], lastRun: null });
    expect(s.temporalScheduleId).toBe(temporalScheduleIdOf(stack.config.taskQueue, s.id));
    // The next runs are Temporal's: the 5th at 09:30 in China, month after month.
    const first = nextChinaTime(5, 9, 30);
    expect(s.nextRunAt).toBe(first.toISOString());
    expect(s.nextRunTimes).toHaveLength(5);
    expect(s.nextRunTimes[1]).toBe(nextChinaTime(5, 9, 30, first).toISOString());
    // A repeat of the keyed request answers the same schedule.
    const repeat = await create({ employerIds: [a.id, b.id] }, key);
    expect(repeat.data!.id).toBe(s.id);

    // In Temporal, as `temporal schedule describe` and `temporal schedule list` show it.
    const handle = stack.temporal.schedule.getHandle(s.temporalScheduleId);
    const described = await handle.describe();
    expect(described.spec.timezone).toBe('Asia/Shanghai');
    expect(described.spec.calendars?.[0]).toMatchObject({ dayOfMonth: [{ start: 5, end: 5 }], hour: [{ start: 9, end: 9 }], minute: [{ start: 30, end: 30 }] });
    expect(described.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: stack.config.declarationSchedules.catchupWindowSeconds * 1000 });
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'declarationScheduleWorkflow', taskQueue: stack.config.taskQueue });
    const listed = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const summary of stack.temporal.schedule.list()) ids.push(summary.scheduleId);
        return ids;
      },
      (ids) => ids.includes(s.temporalScheduleId),
      20_000,
    );
    expect(listed).toContain(s.temporalScheduleId);

    // Paused: no next run, and Temporal says why; unpaused: on its calendar again.
    const paused = await stack.client.POST('/api/declaration-schedules/{id}/pause', { params: { path: { id: s.id } }, body: { note: 'staff changes this month' } });
    expect(paused.response.status, JSON.stringify(paused.error)).toBe(200);
    expect(paused.data).toMatchObject({ paused: true, note: 'staff changes this month', nextRunAt: null, synced: true });
    expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'staff changes this month' });
    expect((await stack.clientAs('auditor').POST('/api/declaration-schedules/{id}/unpause', { params: { path: { id: s.id } }, body: {} })).response.status).toBe(403);

    // Run now (also while paused): one batch of the schedule's employers for the month before.
    const started = await trigger(s.id, { 'idempotency-key': 'schedule-trigger-1' });
    expect(started.response.status, JSON.stringify(started.error)).toBe(202);
    expect(started.data).toMatchObject({ scheduleId: s.id, period: PREVIOUS, workflowStarted: true });
    const again = await trigger(s.id, { 'idempotency-key': 'schedule-trigger-1' });
    expect(again.data!.batchId).toBe(started.data!.batchId);
    const batch = await completedBatch(started.data!.batchId);
    expect(batch).toMatchObject({ period: PREVIOUS, total: 2, allEmployers: false, createdBy: `schedule:${s.id}`, progress: { done: 2, accepted: 2, failed: 0, skipped: 0 } });
    expect(batch.employers.map((e) => e.employerId).sort()).toEqual([a.id, b.id].sort());
    for (const e of batch.employers) expect(e.declaration).toMatchObject({ status: 'accepted' });

    // Without a body at all (no note): a raw request, as curl would send it.
    const bare = await stack.app.inject({ method: 'POST', url: `/api/declaration-schedules/${s.id}/unpause`, headers: { authorization: 'Bearer operator-key-0123456789' } });
    expect(bare.statusCode, bare.body).toBe(200);
    const unpaused = await stack.client.POST('/api/declaration-schedules/{id}/unpause', { params: { path: { id: s.id } }, body: {} });
    expect(unpaused.data).toMatchObject({ paused: false, note: null, nextRunAt: first.toISOString(), lastRun: { batchId: batch.id, trigger: 'manual' } });
    expect((await handle.describe()).state.paused).toBe(false);

    const view = await detail(s.id);
    expect(view.runs).toHaveLength(1);
    expect(view.runs[0]).toMatchObject({
      trigger: 'manual',
      status: 'started',
      period: PREVIOUS,
      batchId: batch.id,
      batch: { status: 'completed', progress: { accepted: 2 } },
      error: null,
      triggeredBy: 'olivia',
    });
    const list = (await stack.clientAs('auditor').GET('/api/declaration-schedules')).data!;
    expect(list.schedules.map((x) => x.id)).toEqual([s.id]);
    expect(list.schedules[0]).toMatchObject({ nextRunAt: first.toISOString(), lastRun: { batchId: batch.id } });

    // Every change is in the audit log, by who made it.
    const audit = await stack.database.db.select().from(auditLog).where(eq(auditLog.subject, s.id)).orderBy(auditLog.seq);
    expect(audit.map((e) => `${e.actor} ${e.action}`)).toEqual(['olivia declaration_schedule.created', 'olivia declaration_schedule.paused', 'olivia declaration_schedule.run_started', 'olivia declaration_schedule.unpaused', 'olivia declaration_schedule.unpaused']);

    // Deleted: gone from the API and from Temporal; its runs and batches stay.
    expect((await stack.clientAs('auditor').DELETE('/api/declaration-schedules/{id}', { params: { path: { id: s.id } } })).response.status).toBe(403);
    const deleted = await stack.client.DELETE('/api/declaration-schedules/{id}', { params: { path: { id: s.id } } });
    expect(deleted.response.status).toBe(204);
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await stack.client.GET('/api/declaration-schedules/{id}', { params: { path: { id: s.id } } })).response.status).toBe(404);
    expect((await trigger(s.id)).response.status).toBe(404);
    expect((await stack.client.GET('/api/declaration-batches/{id}', { params: { path: { id: batch.id } } })).response.status).toBe(200);
  }, 120_000);

  it('fires by its own calendar: each run a batch named by its scheduled time', async () => {
    const c = await addSignedInEmployer(stack, 4, [PREVIOUS, CURRENT]);
    // The short test calendar (SCHEDULE_TEST_INTERVAL_SECONDS): every 3 s instead of monthly. The
    // process keeps it to the end: each run checks its time against it, even one that started
    // just before the pause.
    stack.config.declarationSchedules.testIntervalSeconds = 3;
    try {
      const created = await create({ name: 'every 3 s (test)', employerIds: [c.id], period: 'current_month' });
      expect(created.response.status, JSON.stringify(created.error)).toBe(201);
      const id = created.data!.id;
      expect(Date.parse(created.data!.nextRunAt!) - Date.now()).toBeLessThan(5_000);
      const fired = await eventually(() => detail(id), (v) => v.runs.some((r) => r.batch?.status === 'completed'), 60_000);
      // Stopped before looking closer: no more runs meanwhile.
      await stack.client.POST('/api/declaration-schedules/{id}/pause', { params: { path: { id } }, body: { note: 'seen enough' } });
      const run = fired.runs.find((r) => r.batch?.status === 'completed')!;
      expect(run).toMatchObject({ trigger: 'calendar', status: 'started', period: CURRENT, triggeredBy: `schedule:${id}` });
      const batch = await completedBatch(run.batchId!);
      expect(batch).toMatchObject({ period: CURRENT, total: 1, createdBy: `schedule:${id}` });
      // The first run declared the employer's items; a later one finds nothing left to declare.
      const outcomes = new Set<string>();
      for (const r of (await detail(id)).runs) {
        const b = await completedBatch(r.batchId!);
        outcomes.add(b.employers[0]!.declaration?.status ?? b.employers[0]!.reason!.code);
      }
      expect(outcomes.has('accepted')).toBe(true);
      expect([...outcomes].every((o) => o === 'accepted' || o === 'NO_DECLARABLE_ITEMS')).toBe(true);

      // Each run is named by the time Temporal scheduled it (and started its workflow for).
      const described = await stack.temporal.schedule.getHandle(fired.temporalScheduleId).describe();
      const scheduledByTemporal = new Set(described.info.recentActions.map((a) => a.scheduledAt.toISOString()));
      // Paused before describing: no action since; each action taken has its run (recorded by its workflow).
      const { runs } = await eventually(() => detail(id), (v) => v.runs.length >= described.info.numActionsTaken, 20_000);
      expect(runs).toHaveLength(described.info.numActionsTaken);
      if (runs.length <= 10) expect(runs.map((r) => r.scheduledAt).sort()).toEqual([...scheduledByTemporal].sort()); // Temporal keeps the latest 10
      const workflowIds = described.info.recentActions.map((a) => a.action.workflow.workflowId);
      expect(workflowIds.every((w) => w.startsWith(fired.temporalScheduleId))).toBe(true);
      expect(await stack.temporal.workflow.getHandle(workflowIds[0]!).result()).toMatchObject({ status: 'started', period: CURRENT });
      await stack.client.DELETE('/api/declaration-schedules/{id}', { params: { path: { id } } });
    } finally {
      stack.config.declarationSchedules.testIntervalSeconds = undefined;
    }
  }, 120_000);

  it('a run Temporal starts off the calendar (triggered there, not through us) starts nothing and names nobody', async () => {
    const e = await addSignedInEmployer(stack, 6, [PREVIOUS, CURRENT]);
    const s = (await create({ name: 'triggered in Temporal', employerIds: [e.id], paused: true })).data!;
    // What the Temporal UI's "trigger" or `temporal schedule trigger` does, bypassing the API's roles.
    await stack.temporal.schedule.getHandle(s.temporalScheduleId).trigger();
    const { runs } = await eventually(() => detail(s.id), (v) => v.runs.length > 0, 20_000);
    expect(runs).toEqual([
      expect.objectContaining({ trigger: 'outside_calendar', status: 'failed', batchId: null, triggeredBy: 'temporal:unattributed', error: expect.objectContaining({ code: 'TRIGGER_UNATTRIBUTED' }) }),
    ]);
    const batches = await stack.database.db.select({ n: count() }).from(declarationBatches).where(eq(declarationBatches.createdBy, `schedule:${s.id}`));
    expect(batches[0]!.n).toBe(0);
    const audited = await stack.database.db.select().from(auditLog).where(and(eq(auditLog.subject, s.id), eq(auditLog.action, 'declaration_schedule.run_failed')));
    expect(audited).toEqual([expect.objectContaining({ actor: 'temporal:unattributed', detail: expect.objectContaining({ trigger: 'outside_calendar', code: 'TRIGGER_UNATTRIBUTED' }) })]);
    await stack.client.DELETE('/api/declaration-schedules/{id}', { params: { path: { id: s.id } } });
  });

  it('a retried run finds its batch: one batch and one run record per scheduled time', async () => {
    const d = await addSignedInEmployer(stack, 5, [PREVIOUS, CURRENT]);
    const created = await create({ name: 'retried', employerIds: [d.id], paused: true });
    const id = created.data!.id;
    const activities = declarationScheduleActivities(services());
    const env = new MockActivityEnvironment();
    const input = { scheduleId: id, scheduledAt: '2026-12-05T01:30:00.000Z' };
    const first = await env.run(activities.runDeclarationSchedule, input);
    const second = await env.run(activities.runDeclarationSchedule, input);
    expect(first).toMatchObject({ status: 'started', period: '2026-11', scheduledAt: input.scheduledAt });
    expect(second).toEqual(first);
    const batches = await stack.database.db.select({ n: count() }).from(declarationBatches).where(eq(declarationBatches.createdBy, `schedule:${id}`));
    expect(batches[0]!.n).toBe(1);
    const runs = await stack.database.db.select().from(declarationScheduleRuns).where(eq(declarationScheduleRuns.scheduleId, id));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'calendar', batchId: (first as { batchId: string }).batchId });
    await completedBatch((first as { batchId: string }).batchId);
    await stack.client.DELETE('/api/declaration-schedules/{id}', { params: { path: { id } } });
  }, 120_000);

  it('a row whose Temporal schedule was never made gets it from the reconciler', async () => {
    // The process died after recording the schedule, before telling Temporal.
    const id = 'S20261130-crashcreat';
    const row = await insertSchedule(stack.database.db, {
      id,
      name: 'made by the reconciler',
      employerIds: null,
      dayOfMonth: 10,
      time: '08:00',
      period: 'previous_month',
      temporalScheduleId: temporalScheduleIdOf(stack.config.taskQueue, id),
      paused: false,
      actor: 'olivia',
    });
    await expect(stack.temporal.schedule.getHandle(row.temporalScheduleId).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect(await detail(id)).toMatchObject({ synced: false, nextRunAt: null, nextRunTimes: [] });

    const report = await reconcile();
    expect(report.schedules).toMatchObject({ synced: 1, failed: 0 });
    expect((await stack.temporal.schedule.getHandle(row.temporalScheduleId).describe()).spec.timezone).toBe('Asia/Shanghai');
    expect(await detail(id)).toMatchObject({ synced: true, nextRunAt: nextChinaTime(10, 8, 0).toISOString() });
    await stack.client.DELETE('/api/declaration-schedules/{id}', { params: { path: { id } } });
  });

  it('a Temporal schedule whose row is deleted starts nothing, and the reconciler deletes it', async () => {
    const created = await create({ name: 'deleted in the row only', paused: true });
    const s = created.data!;
    // The process died after recording the deletion, before telling Temporal.
    await changeSchedule(stack.database.db, s.id, { deleted: true }, 'olivia');
    const handle = stack.temporal.schedule.getHandle(s.temporalScheduleId);
    await handle.trigger();
    const action = await eventually(
      async () => (await handle.describe()).info.recentActions,
      (a) => a.length > 0,
      20_000,
    );
    const result = await stack.temporal.workflow.getHandle(action[0]!.action.workflow.workflowId).result();
    expect(result).toMatchObject({ status: 'skipped', reason: 'the schedule is deleted' });
    const runs = await stack.database.db.select().from(declarationScheduleRuns).where(eq(declarationScheduleRuns.scheduleId, s.id));
    expect(runs).toEqual([]);
    expect((await stack.database.db.select({ n: count() }).from(declarationBatches).where(and(like(declarationBatches.createdBy, `schedule:${s.id}`))))[0]!.n).toBe(0);

    const report = await reconcile();
    expect(report.schedules.synced).toBeGreaterThanOrEqual(1);
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });
});
