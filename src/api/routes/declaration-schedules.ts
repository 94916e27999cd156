// Declaration schedules (申报计划): a batch declaration every month on a day and at a time (China
// time), run by a Temporal Schedule; each run is a batch (GET /api/declaration-batches/{id}).
// Operators manage them; auditors read them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { batchCounts } from '../../db/batches';
import { findScheduleRow, latestRuns, listRuns, listSchedules, type ScheduleRow, type ScheduleRunRecord } from '../../db/declaration-schedules';
import type { BatchCounts, BatchStatus } from '../../domain/batch';
import { SCHEDULE_TIMEZONE, type RunStatus } from '../../domain/declaration-schedule';
import { nextRunTimes } from '../../temporal/declaration-schedules';
import { changeDeclarationSchedule, createDeclarationSchedule, triggerDeclarationSchedule } from '../../use-cases/declaration-schedules';
import { callerOf } from '../caller';
import { notFound } from '../../domain/problem';
import { IdParams, NoContent, errors } from '../schemas/common';
import { NoteBody, ScheduleBody, ScheduleDetail, ScheduleList, ScheduleView, TriggeredRun } from '../schemas/declaration-schedules';

/** The runs a schedule's page shows. */
const RUNS_SHOWN = 20;
const NEXT_TIMES_SHOWN = 5;

function runView(r: ScheduleRunRecord, counts: Map<string, BatchCounts>) {
  const progress = r.batchId ? counts.get(r.batchId) : undefined;
  return {
    scheduledAt: r.scheduledAt.toISOString(),
    trigger: r.trigger,
    period: r.period,
    status: r.status as RunStatus,
    batchId: r.batchId,
    batch: r.batchStatus && progress ? { status: r.batchStatus as BatchStatus, progress } : null,
    error: r.errorCode ? { code: r.errorCode, message: r.error ?? '' } : null,
    triggeredBy: r.triggeredBy,
    recordedAt: r.createdAt.toISOString(),
  };
}

function scheduleView(s: ScheduleRow, nextTimes: Date[] | null, lastRun: ReturnType<typeof runView> | null) {
  return {
    id: s.id,
    name: s.name,
    employerIds: s.employerIds,
    allEmployers: s.employerIds === null,
    dayOfMonth: s.dayOfMonth,
    time: s.time,
    timezone: SCHEDULE_TIMEZONE,
    period: s.period,
    paused: s.paused,
    note: s.note,
    temporalScheduleId: s.temporalScheduleId,
    synced: s.syncedVersion >= s.syncVersion,
    nextRunAt: nextTimes?.[0]?.toISOString() ?? null,
    lastRun,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

const batchIdsOf = (runs: ScheduleRunRecord[]) => runs.flatMap((r) => (r.batchId ? [r.batchId] : []));

const declarationScheduleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  /** A schedule as its own page shows it: the next times from Temporal and the latest runs. */
  async function detail(s: ScheduleRow) {
    const [times, runs] = await Promise.all([nextRunTimes(app.temporal, s, NEXT_TIMES_SHOWN), listRuns(app.db, s.id, RUNS_SHOWN)]);
    const counts = await batchCounts(app.db, batchIdsOf(runs));
    const views = runs.map((r) => runView(r, counts));
    return { ...scheduleView(s, times, views[0] ?? null), nextRunTimes: (times ?? []).map((t) => t.toISOString()), runs: views };
  }

  /** Schedules as lists show them: the next run from Temporal and the latest run. */
  async function summaries(schedules: ScheduleRow[]) {
    const [times, last] = await Promise.all([Promise.all(schedules.map((s) => nextRunTimes(app.temporal, s, 1))), latestRuns(app.db, schedules.map((s) => s.id))]);
    const counts = await batchCounts(app.db, batchIdsOf([...last.values()]));
    return schedules.map((s, i) => {
      const run = last.get(s.id);
      return scheduleView(s, times[i]!, run ? runView(run, counts) : null);
    });
  }

  async function liveSchedule(id: string): Promise<ScheduleRow> {
    const s = await findScheduleRow(app.db, id);
    if (!s || s.deletedAt) throw notFound('declaration schedule', id);
    return s;
  }

  app.post(
    '/declaration-schedules',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Schedule a batch declaration every month (申报计划), run by a Temporal Schedule in China time',
        description:
          'Each run declares every listed employer’s (or every employer’s) regular items of the period as a batch (POST /api/declaration-batches does the same once). ' +
          'Runs that overlap are skipped; a run missed while Temporal was down is made up within SCHEDULE_CATCHUP_WINDOW.',
        tags: ['declarations'],
        body: ScheduleBody,
        response: { 201: ScheduleDetail, ...errors(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const { schedule } = await createDeclarationSchedule(app, callerOf(request), request.body);
      return reply.status(201).send(await detail(schedule));
    },
  );

  app.get(
    '/declaration-schedules',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Declaration schedules, oldest first, each with its next run and its latest run',
        tags: ['declarations'],
        response: { 200: ScheduleList, ...errors(401, 403) },
      },
    },
    async () => ({ schedules: await summaries(await listSchedules(app.db)) }),
  );

  app.get(
    '/declaration-schedules/:id',
    {
      config: { access: 'read' },
      schema: {
        summary: 'A declaration schedule: its next run times (from Temporal) and its latest runs, each with its batch',
        tags: ['declarations'],
        params: IdParams('declaration schedule'),
        response: { 200: ScheduleDetail, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => detail(await liveSchedule(request.params.id)),
  );

  app.post(
    '/declaration-schedules/:id/trigger',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Run the schedule once now (also while paused): its batch starts, progress follows asynchronously',
        description: 'A run whose batch cannot start (e.g. NO_EMPLOYERS) answers 422 with the batch’s code, and stays in the schedule’s runs as failed.',
        tags: ['declarations'],
        params: IdParams('declaration schedule'),
        response: { 202: TriggeredRun, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const run = await triggerDeclarationSchedule(app, callerOf(request), request.params.id);
      return reply.status(202).send({ scheduleId: request.params.id, batchId: run.batchId, scheduledAt: run.scheduledAt, period: run.period, workflowStarted: run.workflowStarted });
    },
  );

  for (const [action, paused, summary] of [
    ['pause', true, 'Pause the schedule: no calendar run until unpaused (a trigger still runs it)'],
    ['unpause', false, 'Unpause the schedule: it runs on its calendar again'],
  ] as const) {
    app.post(
      `/declaration-schedules/:id/${action}`,
      {
        config: { access: 'write' },
        schema: { summary, tags: ['declarations'], params: IdParams('declaration schedule'), body: NoteBody, response: { 200: ScheduleView, ...errors(400, 401, 403, 404) } },
        // The note is optional, and so is the body that would carry it (a JSON null is still refused).
        preValidation: async (request) => {
          if (request.body === undefined) request.body = {};
        },
      },
      async (request) => {
        const { schedule } = await changeDeclarationSchedule(app, callerOf(request), request.params.id, { paused, note: request.body.note ?? null });
        return (await summaries([schedule]))[0]!;
      },
    );
  }

  app.delete(
    '/declaration-schedules/:id',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Delete the schedule: no run any more (its runs and batches stay)',
        tags: ['declarations'],
        params: IdParams('declaration schedule'),
        response: { 204: NoContent('deleted'), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await changeDeclarationSchedule(app, callerOf(request), request.params.id, { deleted: true });
      return reply.status(204).send(null);
    },
  );
};

export default declarationScheduleRoutes;
