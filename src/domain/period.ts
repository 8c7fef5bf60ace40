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

/**
 * The calendar dates `[fromDate, toDate]` (inclusive, YYYY-MM-DD) that the half-open instant range
 * `[from, to)` covers in `zone`, for requests that give a period as instants (Dintero's
 * `data_from`/`data_to`). Both instants must be midnight in `zone` (any offset may be written:
 * `2011-07-01T00:00:00+02:00` and `2011-06-30T22:00:00Z` are the same Oslo midnight), so the period
 * is whole days and `periodFromDates` gives back exactly `[from, to)`.
 * @param from ISO-8601 instant with offset
 * @param to ISO-8601 instant with offset, after `from`
 * @throws RangeError naming the instant that does not parse, is not midnight in `zone`, or when
 *   `to` is not after `from`.
 */
export function datesOfInstants(from: string, to: string, zone: string): { fromDate: string; toDate: string } {
  const start = DateTime.fromISO(from, { setZone: false, zone });
  const end = DateTime.fromISO(to, { setZone: false, zone });
  if (!start.isValid) throw new RangeError(`data_from ${from} is not an ISO-8601 instant`);
  if (!end.isValid) throw new RangeError(`data_to ${to} is not an ISO-8601 instant`);
  for (const [name, at, text] of [['data_from', start, from], ['data_to', end, to]] as const) {
    if (!at.equals(at.startOf('day'))) throw new RangeError(`${name} ${text} is ${at.toISO()} in ${zone}, not midnight: periods are whole days in the request's time zone`);
  }
  if (end <= start) throw new RangeError(`data_to ${to} must be after data_from ${from}`);
  return { fromDate: start.toISODate()!, toDate: end.minus({ days: 1 }).toISODate()! };
}
