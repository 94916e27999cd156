// Declaration schedules (申报计划) as the API takes and gives them: the schedule, its runs (each
// with its batch), and the answer of "run now".
import { BATCH_STATUSES } from '../../domain/batch';
import { MAX_SCHEDULE_DAY, RUN_STATUSES, RUN_TRIGGERS, SCHEDULE_PERIODS, SCHEDULE_TIMEZONE, SCHEDULE_TIME_PATTERN } from '../../domain/declaration-schedule';
import { MAX_BATCH_EMPLOYERS } from '../../domain/batch';
import { HEADCOUNT_WARNING } from '../../domain/notices';
import { BatchId, BatchProgress } from './batches';
import { Enum, Id, Nullable, Period, Timestamp, Type } from './common';

export const ScheduleId = Object.assign(Id('declaration schedule'), {
  description: 'declaration schedule id: S, the China date it was created (YYYYMMDD), -, 10 hex digits; e.g. S20261129-3f9a0c21de',
});

const SchedulePeriod = Enum(SCHEDULE_PERIODS, 'the fee period (费款所属期) each run declares: previous_month (the month before the run, China time) or current_month');
const Time = Type.String({ pattern: SCHEDULE_TIME_PATTERN, description: `HH:MM, 24-hour, China time (${SCHEDULE_TIMEZONE})` });
const DayOfMonth = Type.Integer({ minimum: 1, maximum: MAX_SCHEDULE_DAY, description: `the day of each month it runs, 1–${MAX_SCHEDULE_DAY} (every month has it)` });
const Note = Type.String({ maxLength: 500, description: 'why it was paused or unpaused (shown in Temporal too)' });

export const ScheduleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'what the operator calls it, e.g. 每月5日申报上月' }),
    employerIds: Type.Optional(
      Type.Array(Id('employer'), {
        minItems: 1,
        maxItems: MAX_BATCH_EMPLOYERS,
        uniqueItems: true,
        description: 'the employers each run declares for; every employer known at the time of each run when absent',
      }),
    ),
    dayOfMonth: DayOfMonth,
    time: Time,
    period: SchedulePeriod,
    paused: Type.Optional(Type.Boolean({ default: false, description: 'created paused: it runs only when triggered, until unpaused' })),
    headcountConfirmed: Type.Boolean({ description: `for every run: ${HEADCOUNT_WARNING}` }),
  },
  { additionalProperties: false },
);

export const NoteBody = Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false });

const RunError = Type.Object(
  {
    code: Type.String({ description: 'e.g. NO_EMPLOYERS, UNKNOWN_EMPLOYERS, BATCH_TOO_LARGE, TRIGGER_UNATTRIBUTED' }),
    message: Type.String(),
  },
  { description: 'why the run could not start its batch' },
);

export const RunView = Type.Object({
  scheduledAt: { ...Timestamp, description: 'the time the run is for (its calendar time, or when it was triggered): names the run' },
  trigger: Enum(RUN_TRIGGERS, 'calendar: started by the Temporal Schedule at a calendar time; manual: POST …/trigger; outside_calendar: started in Temporal off the calendar (triggered or backfilled there, by someone unknown): nothing started, recorded as failed TRIGGER_UNATTRIBUTED'),
  period: Period,
  status: Enum(RUN_STATUSES, 'started: its batch was recorded and started; failed: see error'),
  batchId: Nullable(BatchId),
  batch: Nullable(Type.Object({ status: Enum(BATCH_STATUSES), progress: BatchProgress }, { description: 'the run’s batch as it is now (GET /api/declaration-batches/{id} for each employer)' })),
  error: Nullable(RunError),
  triggeredBy: Type.String({ description: 'the operator, schedule:<id> for a calendar run, temporal:unattributed for a run started in Temporal off the calendar' }),
  recordedAt: Timestamp,
});

export const ScheduleView = Type.Object({
  id: ScheduleId,
  name: Type.String(),
  employerIds: Nullable(Type.Array(Id('employer'), { description: 'null: every employer at the time of each run' })),
  allEmployers: Type.Boolean({ description: 'every employer (no employerIds were given)' }),
  dayOfMonth: DayOfMonth,
  time: Time,
  timezone: Type.String({ description: `always ${SCHEDULE_TIMEZONE}` }),
  period: SchedulePeriod,
  paused: Type.Boolean(),
  note: Nullable(Note),
  temporalScheduleId: Type.String({ description: 'the Temporal Schedule that runs it (`temporal schedule describe --schedule-id …`)' }),
  synced: Type.Boolean({ description: 'false while Temporal has not caught up with the latest change (it did not answer): the reconciler makes it' }),
  nextRunAt: Nullable({ ...Timestamp, description: 'the next calendar run, from Temporal; null while paused, or when Temporal does not answer' }),
  lastRun: Nullable(RunView),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const ScheduleDetail = Type.Composite([
  ScheduleView,
  Type.Object({
    nextRunTimes: Type.Array(Timestamp, { description: 'the next calendar runs, from Temporal (empty while paused, or when Temporal does not answer)' }),
    runs: Type.Array(RunView, { description: 'the latest runs, newest first' }),
  }),
]);

export const ScheduleList = Type.Object({ schedules: Type.Array(ScheduleView) });

export const TriggeredRun = Type.Object({
  scheduleId: ScheduleId,
  batchId: BatchId,
  scheduledAt: Timestamp,
  period: Period,
  workflowStarted: Type.Boolean({ description: 'false when Temporal did not answer: the batch is recorded and the reconciler starts it' }),
});
