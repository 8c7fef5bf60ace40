/**
 * When a subscription runs: its frequency, local time of day and day, in the subscriber's IANA time
 * zone. Plain data shared by the API, the Temporal Schedule spec builder and the `scheduledReport`
 * workflow. Sandbox-safe.
 */
import type { FieldError } from './run-status.js';

/** DAILY, WEEKLY (a day of the week), TWICE_A_MONTH (the 1st and the 16th), MONTHLY (a day or LAST), CUSTOM (cron). */
export const FREQUENCIES = ['DAILY', 'WEEKLY', 'TWICE_A_MONTH', 'MONTHLY', 'CUSTOM'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/** ISO weekday names; index + 1 is the ISO weekday number (MONDAY = 1). */
export const DAYS_OF_WEEK = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];

/**
 * A subscription's schedule.
 * - `timeOfDay`: local wall-clock time `HH:mm` (24 h) in the subscription's time zone; default `00:00`.
 * - `dayOfWeek`: WEEKLY only (default MONDAY).
 * - `dayOfMonth`: MONTHLY only, 1–28 or `LAST` (default 1). 29–31 are refused: not every month has them.
 * - `cron`: CUSTOM only, five fields `minute hour day-of-month month day-of-week`, in the time zone.
 */
export interface SubscriptionSchedule {
  frequency: Frequency;
  timeOfDay: string;
  dayOfWeek?: DayOfWeek;
  dayOfMonth?: number | 'LAST';
  cron?: string;
}

const TIME_OF_DAY = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
/**
 * Five cron fields of digits, `*`, `/`, `,`, `-` (no names, no seconds): what Temporal's parser and ours agree on.
 * Six fields (seconds first) are understood by the cron engine, for tests, but a subscription may not fire every second.
 */
const CRON = /^\s*[0-9*/,-]+(\s+[0-9*/,-]+){4}\s*$/;

/** Hour and minute of `timeOfDay`. @throws RangeError when it is not `HH:mm`. */
export function parseTimeOfDay(timeOfDay: string): { hour: number; minute: number } {
  const m = TIME_OF_DAY.exec(timeOfDay);
  if (!m) throw new RangeError(`time_of_day "${timeOfDay}" is not HH:mm`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/**
 * Every problem with `schedule`, as field errors under `schedule.*` with code `SCHEDULE_INVALID`;
 * an empty list when it is valid.
 */
export function scheduleProblems(schedule: SubscriptionSchedule): FieldError[] {
  const out: FieldError[] = [];
  const bad = (field: string, message: string) => out.push({ field: `schedule.${field}`, code: 'SCHEDULE_INVALID', message });
  if (!(FREQUENCIES as readonly string[]).includes(schedule.frequency)) bad('frequency', `One of ${FREQUENCIES.join(', ')}.`);
  if (!TIME_OF_DAY.test(schedule.timeOfDay)) bad('time_of_day', 'Local time as HH:mm, e.g. 06:00.');
  if (schedule.dayOfWeek !== undefined && (schedule.frequency !== 'WEEKLY' || !(DAYS_OF_WEEK as readonly string[]).includes(schedule.dayOfWeek))) {
    bad('day_of_week', `Only for WEEKLY: one of ${DAYS_OF_WEEK.join(', ')}.`);
  }
  const dom = schedule.dayOfMonth;
  if (dom !== undefined && (schedule.frequency !== 'MONTHLY' || !(dom === 'LAST' || (Number.isInteger(dom) && dom >= 1 && dom <= 28)))) {
    bad('day_of_month', 'Only for MONTHLY: 1–28 or LAST.');
  }
  if (schedule.frequency === 'CUSTOM' ? !schedule.cron || !CRON.test(schedule.cron) : schedule.cron !== undefined) {
    bad('cron', 'CUSTOM needs five cron fields (minute hour day-of-month month day-of-week); other frequencies take none.');
  }
  return out;
}

/** A readable one-line summary, e.g. `MONTHLY on the last day at 06:00 Europe/Oslo` (Temporal Web UI, CLI). */
export function scheduleSummary(schedule: SubscriptionSchedule, timezone: string): string {
  const at = `at ${schedule.timeOfDay} ${timezone}`;
  switch (schedule.frequency) {
    case 'DAILY':
      return `DAILY ${at}`;
    case 'WEEKLY':
      return `WEEKLY on ${schedule.dayOfWeek ?? 'MONDAY'} ${at}`;
    case 'TWICE_A_MONTH':
      return `TWICE_A_MONTH on the 1st and 16th ${at}`;
    case 'MONTHLY':
      return `MONTHLY on ${schedule.dayOfMonth === 'LAST' ? 'the last day' : `day ${schedule.dayOfMonth ?? 1}`} ${at}`;
    case 'CUSTOM':
      return `CUSTOM cron "${schedule.cron ?? ''}" in ${timezone}`;
  }
}
