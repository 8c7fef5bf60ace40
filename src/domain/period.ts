/**
 * Period and time-zone math. Periods are half-open `[from, to)` instants with offsets, computed in an
 * IANA time zone, so a day is 23 or 25 hours long across DST changes. Sandbox-safe (luxon uses Intl only).
 */
import { DateTime, IANAZone } from 'luxon';
import type { ReportPeriod } from './report-request.js';

/** True when `zone` is an IANA time zone name known to this runtime's ICU data (e.g. `Europe/Oslo`). */
export function isValidTimeZone(zone: string): boolean {
  return typeof zone === 'string' && zone.length > 0 && IANAZone.isValidZone(zone);
}

/**
 * The period covering the calendar dates `fromDate` to `toDate` inclusive in `zone`:
 * `[fromDate 00:00, toDate+1 00:00)` local time, returned as ISO-8601 instants with the zone's offset.
 * @param fromDate YYYY-MM-DD
 * @param toDate YYYY-MM-DD, not before `fromDate`
 * @throws RangeError when a date does not parse, the zone is unknown, or `toDate` is before `fromDate`.
 */
export function periodFromDates(fromDate: string, toDate: string, zone: string): ReportPeriod {
  const from = DateTime.fromISO(fromDate, { zone }).startOf('day');
  const toInclusive = DateTime.fromISO(toDate, { zone }).startOf('day');
  if (!from.isValid || !toInclusive.isValid) throw new RangeError(`invalid date or zone: ${from.invalidExplanation ?? toInclusive.invalidExplanation}`);
  if (toInclusive < from) throw new RangeError(`to_date ${toDate} is before from_date ${fromDate}`);
  const to = toInclusive.plus({ days: 1 }).startOf('day');
  return { from: from.toISO()!, to: to.toISO()!, fromDate, toDate };
}

/** Length of a period in hours (e.g. 23 for the day clocks go forward in Europe/Oslo). */
export function periodHours(period: Pick<ReportPeriod, 'from' | 'to'>): number {
  return DateTime.fromISO(period.to).diff(DateTime.fromISO(period.from), 'hours').hours;
}
