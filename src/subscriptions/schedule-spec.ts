/**
 * A subscription's schedule as a Temporal Schedule spec, evaluated by Temporal in the subscriber's
 * IANA time zone (`timezone`), so 06:00 stays 06:00 local across DST changes.
 *
 * MONTHLY on the LAST day: a Temporal calendar spec has no "last day of the month" (day-of-month is
 * 1–31 and nothing relative), so the spec fires on days 28–31 and the `scheduledReport` workflow
 * lets only the run on the month's last local day go ahead (`isReportingRun`); the others end at
 * once as SKIPPED. Deterministic, since the decision depends only on the nominal time.
 */
import type { CalendarSpec, DayOfWeek, Month, ScheduleSpec } from '@temporalio/client';
import { DateTime } from 'luxon';
import { temporalCronOf } from '../domain/subscription-cron.js';
import { dstGapRuns } from '../domain/subscription-period.js';
import { parseTimeOfDay, type SubscriptionSchedule } from '../domain/subscription-schedule.js';

/** Years before and after `now` for which DST-gap entries are written (backfills reach back; PATCH renews them). */
const GAP_YEARS_BACK = 5;
const GAP_YEARS_AHEAD = 10;

/**
 * A local `timeOfDay` that a DST change skips (02:30 on the spring day in Oslo) is not taken by a
 * Temporal Schedule at all; the spec gets one extra dated entry per such day, at the time luxon maps
 * it to (03:30), so that run happens once. The entries cover `now`'s year −5 to +10. A CUSTOM cron
 * becomes a cron expression (six fields, seconds first, become Temporal's seven-field form).
 * @param now when the spec is built (decides the years of the DST entries).
 * @throws RangeError when `timeOfDay` is not `HH:mm` (validate with `scheduleProblems` first).
 */
export function scheduleSpecOf(schedule: SubscriptionSchedule, timezone: string, now: Date = new Date()): ScheduleSpec {
  if (schedule.frequency === 'CUSTOM') return { cronExpressions: [temporalCronOf(schedule.cron ?? '')], timezone };
  const { hour, minute } = parseTimeOfDay(schedule.timeOfDay);
  const at: CalendarSpec = { hour, minute, comment: schedule.frequency };
  let calendar: CalendarSpec;
  switch (schedule.frequency) {
    case 'DAILY':
      calendar = at;
      break;
    case 'WEEKLY':
      calendar = { ...at, dayOfWeek: (schedule.dayOfWeek ?? 'MONDAY') as DayOfWeek };
      break;
    case 'TWICE_A_MONTH':
      calendar = { ...at, dayOfMonth: [1, 16] };
      break;
    case 'MONTHLY':
      calendar = { ...at, dayOfMonth: schedule.dayOfMonth === 'LAST' ? { start: 28, end: 31 } : (schedule.dayOfMonth ?? 1) };
      break;
  }
  const year = DateTime.fromJSDate(now).setZone(timezone).year;
  const gaps: CalendarSpec[] = dstGapRuns(schedule, timezone, year - GAP_YEARS_BACK, year + GAP_YEARS_AHEAD).map((t) => ({
    year: t.year,
    month: MONTHS[t.month - 1]!,
    dayOfMonth: t.day,
    hour: t.hour,
    minute: t.minute,
    comment: `${schedule.timeOfDay} does not exist on ${t.toISODate()} (DST)`,
  }));
  return { calendars: [calendar, ...gaps], timezone };
}

const MONTHS: Month[] = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'];
