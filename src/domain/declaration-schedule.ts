// Declaration schedules (申报计划): a batch declaration (批量申报) every month on a day and at a time,
// China time, for the month before or the month running. The pure rules: which fee period a
// run declares, and when a schedule fires.
import { chinaDay } from './china-time';

/** The bureau's calendar: every schedule fires in China time (no daylight saving). */
export const SCHEDULE_TIMEZONE = 'Asia/Shanghai';

/** Which fee period (费款所属期) a run declares: the month before its run, or the month it runs in. */
export const SCHEDULE_PERIODS = ['previous_month', 'current_month'] as const;
export type SchedulePeriod = (typeof SCHEDULE_PERIODS)[number];

/** Days 29–31 are missing from some months: a monthly schedule fires on 1–28 only. */
export const MAX_SCHEDULE_DAY = 28;

/** "HH:MM", 24-hour, China time. */
export const SCHEDULE_TIME_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

/**
 * How a run came about: the schedule's own calendar, an operator's "run now" (POST …/trigger), or
 * the Temporal Schedule started at a time that is not on its calendar: triggered or backfilled in
 * Temporal itself, by someone our records cannot name. Such a run starts nothing (it is recorded as
 * failed, TRIGGER_UNATTRIBUTED): a batch is only ever the calendar's or a named operator's doing.
 */
export const RUN_TRIGGERS = ['calendar', 'manual', 'outside_calendar'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/** started: its batch was recorded (and started); failed: the batch could not be started (see its error). */
export const RUN_STATUSES = ['started', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The fee period a run scheduled at this instant declares, YYYY-MM (China time). */
export function schedulePeriod(period: SchedulePeriod, scheduledAt: Date): string {
  const month = chinaDay(scheduledAt).slice(0, 7);
  if (period === 'current_month') return month;
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${year - 1}-12` : `${year}-${String(m - 1).padStart(2, '0')}`;
}

/** "09:30" → { hour: 9, minute: 30 }. */
export function parseScheduleTime(time: string): { hour: number; minute: number } {
  if (!new RegExp(SCHEDULE_TIME_PATTERN).test(time)) throw new RangeError(`time "${time}" must be HH:MM`);
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return { hour, minute };
}

/** When a schedule fires: monthly on its day at its time, or (tests only) every few seconds. */
export type FiringSpec =
  | { calendars: { dayOfMonth: number; hour: number; minute: number }[]; timezone: string }
  | { intervals: { every: string }[] };

/**
 * The Temporal Schedule spec of a schedule. `testIntervalSeconds` (SCHEDULE_TEST_INTERVAL_SECONDS,
 * unset in production) replaces the month by a short interval, so a test sees a schedule fire by
 * itself without waiting for its day.
 */
export function firingSpec(s: { dayOfMonth: number; time: string }, testIntervalSeconds?: number): FiringSpec {
  if (testIntervalSeconds) return { intervals: [{ every: `${testIntervalSeconds}s` }] };
  const { hour, minute } = parseScheduleTime(s.time);
  return { calendars: [{ dayOfMonth: s.dayOfMonth, hour, minute }], timezone: SCHEDULE_TIMEZONE };
}

/** China time is UTC+8 all year. */
const CHINA_OFFSET_MS = 8 * 3600_000;

/**
 * Whether the Temporal Schedule fires at this instant (its nominal time, which Temporal gives each
 * run it starts as TemporalScheduledStartTime): on the calendar's day, hour and minute to the
 * millisecond, or on a multiple of the test interval. A trigger or backfill made in Temporal gets
 * the moment it was asked for, which is not.
 */
export function firesAt(spec: FiringSpec, at: Date): boolean {
  if ('intervals' in spec) return spec.intervals.some(({ every }) => at.getTime() % (parseInt(every, 10) * 1000) === 0);
  const china = new Date(at.getTime() + CHINA_OFFSET_MS);
  return spec.calendars.some(
    (c) => china.getUTCDate() === c.dayOfMonth && china.getUTCHours() === c.hour && china.getUTCMinutes() === c.minute && china.getUTCSeconds() === 0 && china.getUTCMilliseconds() === 0,
  );
}

/** What became of a run: its batch, why it could not start one, or nothing (its schedule is deleted). */
export type ScheduleRunSummary =
  | { status: 'started'; scheduledAt: string; period: string; batchId: string; workflowStarted: boolean }
  | { status: 'failed'; scheduledAt: string; period: string; code: string; message: string }
  | { status: 'skipped'; scheduledAt: string; reason: string };
