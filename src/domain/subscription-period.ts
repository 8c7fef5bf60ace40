/**
 * The report period of one scheduled run, from the run's nominal (scheduled) time — never from the
 * wall clock when it happens to start — in the subscription's IANA time zone:
 *
 * - DAILY → the previous calendar day; WEEKLY → the previous ISO week (Monday 00:00 to Monday 00:00);
 * - TWICE_A_MONTH → the 1st to the 16th, and the 16th to the 1st of the next month (the half that
 *   ended last); MONTHLY → the previous calendar month; CUSTOM → the previous nominal time to this one.
 *
 * Periods are half-open `[from, to)` instants with the zone's offset, so days around DST changes are
 * 23 or 25 hours long. Sandbox-safe (luxon uses Intl only).
 */
import { DateTime } from 'luxon';
import type { ReportPeriod } from './report-request.js';
import { cronTimes, previousCronTime } from './subscription-cron.js';
import { parseTimeOfDay, type SubscriptionSchedule } from './subscription-schedule.js';

function toInstant(t: string | Date, zone: string): DateTime {
  return (typeof t === 'string' ? DateTime.fromISO(t, { setZone: true }) : DateTime.fromJSDate(t)).setZone(zone);
}

/** A period from two zoned times; `toDate` is the last calendar day it touches (inclusive). */
export function zonedPeriod(from: DateTime, to: DateTime): ReportPeriod {
  return { from: from.toISO()!, to: to.toISO()!, fromDate: from.toISODate()!, toDate: to.minus({ milliseconds: 1 }).toISODate()! };
}

/**
 * The period a run scheduled at `nominal` reports on.
 * @param nominal the run's scheduled instant (`TemporalScheduledStartTime`), ISO-8601 or Date.
 * @param zone IANA time zone of the subscription.
 * @throws RangeError for a CUSTOM cron with no earlier match within 400 days, or a malformed cron.
 */
export function subscriptionPeriod(schedule: SubscriptionSchedule, zone: string, nominal: string | Date): ReportPeriod {
  const at = toInstant(nominal, zone);
  switch (schedule.frequency) {
    case 'DAILY': {
      const to = at.startOf('day');
      return zonedPeriod(to.minus({ days: 1 }), to);
    }
    case 'WEEKLY': {
      const to = at.startOf('week'); // luxon weeks are ISO weeks: Monday 00:00
      return zonedPeriod(to.minus({ weeks: 1 }), to);
    }
    case 'TWICE_A_MONTH': {
      const month = at.startOf('month');
      const sixteenth = month.set({ day: 16 });
      return at >= sixteenth ? zonedPeriod(month, sixteenth) : zonedPeriod(month.minus({ months: 1 }).set({ day: 16 }), month);
    }
    case 'MONTHLY': {
      const to = at.startOf('month');
      return zonedPeriod(to.minus({ months: 1 }), to);
    }
    case 'CUSTOM': {
      const previous = previousCronTime(schedule.cron ?? '', zone, at.toJSDate());
      if (!previous) throw new RangeError(`cron "${schedule.cron}" has no earlier time within 400 days`);
      return zonedPeriod(previous, at);
    }
  }
}

/**
 * False for a run that must do nothing. MONTHLY with `dayOfMonth: LAST` is scheduled on days 28–31
 * (a Temporal calendar spec has no "last day of month"), and only the run on the month's last local
 * day goes ahead; every other run is true.
 */
export function isReportingRun(schedule: SubscriptionSchedule, zone: string, nominal: string | Date): boolean {
  if (schedule.frequency !== 'MONTHLY' || schedule.dayOfMonth !== 'LAST') return true;
  const at = toInstant(nominal, zone);
  return at.day === at.daysInMonth;
}

/**
 * The nominal run times of `schedule` in `[from, to)`, in order, as zoned DateTimes: what the
 * Temporal Schedule fires at, one per reporting run (LAST already resolved). A local time that a DST
 * change skips is taken an hour later (it runs once, as the schedule's `dstGapRuns` entries make
 * Temporal do); one that a DST change repeats is taken once, at its second occurrence, as Temporal
 * takes it. CUSTOM: the cron's times (`cronTimes`: a skipped local time is not fired), at most the
 * latest `maxCustom` (default 1000) of them. Used to count backfills, to find missed periods and in tests.
 * @throws RangeError for a malformed `timeOfDay` or cron.
 */
export function nominalTimes(schedule: SubscriptionSchedule, zone: string, from: string | Date, to: string | Date, maxCustom = 1000): DateTime[] {
  if (schedule.frequency === 'CUSTOM') return cronTimes(schedule.cron ?? '', zone, from, to, maxCustom);
  const start = toInstant(from, zone);
  const end = toInstant(to, zone);
  const { hour, minute } = parseTimeOfDay(schedule.timeOfDay);
  const out: DateTime[] = [];
  for (let day = start.startOf('day').minus({ days: 1 }); day < end; day = day.plus({ days: 1 })) {
    if (!runsOn(schedule, day)) continue;
    const t = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone });
    if (t >= start && t < end) out.push(t);
  }
  return out;
}

function runsOn(schedule: SubscriptionSchedule, day: DateTime): boolean {
  switch (schedule.frequency) {
    case 'DAILY':
      return true;
    case 'WEEKLY':
      return day.weekday === weekdayNumber(schedule.dayOfWeek ?? 'MONDAY');
    case 'TWICE_A_MONTH':
      return day.day === 1 || day.day === 16;
    case 'MONTHLY':
      return schedule.dayOfMonth === 'LAST' ? day.day === day.daysInMonth : day.day === (schedule.dayOfMonth ?? 1);
    case 'CUSTOM':
      return false;
  }
}

const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

/** ISO weekday number (MONDAY = 1 … SUNDAY = 7). */
export function weekdayNumber(day: string): number {
  return WEEKDAYS.indexOf(day) + 1;
}

/**
 * The id part that names a period in workflow ids and file names: the local start date
 * (`2025-03-01`), with `T<HHmm>` when the period does not start at local midnight (CUSTOM), and
 * `T<HHmmss>` when it does not start on a whole minute (a six-field cron with seconds).
 */
export function periodKey(period: Pick<ReportPeriod, 'from'>): string {
  const from = DateTime.fromISO(period.from, { setZone: true });
  if (from.second !== 0) return `${from.toISODate()}T${from.toFormat('HHmmss')}`;
  return from.hour === 0 && from.minute === 0 ? from.toISODate()! : `${from.toISODate()}T${from.toFormat('HHmm')}`;
}

/** The report run id of a subscription's period, `<subscription id>:<period key>`: also its request id. */
export function runIdOf(subscriptionId: string, period: Pick<ReportPeriod, 'from'>): string {
  return `${subscriptionId}:${periodKey(period)}`;
}

/**
 * The local times at which runs of `schedule` fall into a DST gap in years `fromYear`–`toYear`:
 * for each day the schedule runs on where `timeOfDay` does not exist (e.g. 02:30 on the spring
 * day in Oslo), the local time luxon maps it to (03:30). A Temporal Schedule takes no action at a
 * local time that does not exist, so the schedule gets one extra calendar entry for each of these
 * and the run happens once instead of never. CUSTOM returns [].
 */
export function dstGapRuns(schedule: SubscriptionSchedule, zone: string, fromYear: number, toYear: number): DateTime[] {
  if (schedule.frequency === 'CUSTOM') return [];
  const { hour, minute } = parseTimeOfDay(schedule.timeOfDay);
  const out: DateTime[] = [];
  const end = DateTime.fromObject({ year: toYear + 1 }, { zone });
  for (let day = DateTime.fromObject({ year: fromYear }, { zone }); day < end; day = day.plus({ days: 1 })) {
    // Only days whose offset changes can lack a local time.
    if (day.offset === day.endOf('day').offset || !runsOn(schedule, day)) continue;
    const t = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone });
    if (t.hour !== hour || t.minute !== minute) out.push(t);
  }
  return out;
}
