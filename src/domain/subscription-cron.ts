/**
 * The five-field cron of CUSTOM subscriptions (`minute hour day-of-month month day-of-week`, digits,
 * `*`, `a-b`, `/n` and lists; day-of-week 0–6 or 7 for Sunday), evaluated in an IANA time zone the
 * way a Temporal Schedule evaluates it: every field must match (day-of-month AND day-of-week).
 * Used to find a run's previous nominal time, the start of a CUSTOM period. Sandbox-safe.
 */
import { DateTime } from 'luxon';

interface CronFields {
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  /** ISO weekdays 1 (Monday) … 7 (Sunday). */
  weekdays: Set<number>;
}

function field(text: string, min: number, max: number): number[] {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    const [lo, hiGiven] = range === '*' ? [min, max] : range.split('-').map(Number) as [number, number?];
    const hi = hiGiven ?? (stepText === undefined ? lo : max);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || !Number.isInteger(step) || step < 1 || lo < min || hi > max || lo > hi) {
      throw new RangeError(`cron field "${text}" is outside ${min}-${max}`);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/** Parses a five-field cron. @throws RangeError when a field is malformed or out of range. */
export function parseCron(cron: string): CronFields {
  const parts = cron.trim().split(/\s+/);
  if (parts.length !== 5) throw new RangeError('cron needs five fields');
  const [mi, h, dom, mon, dow] = parts as [string, string, string, string, string];
  return {
    minutes: field(mi, 0, 59),
    hours: field(h, 0, 23),
    days: new Set(field(dom, 1, 31)),
    months: new Set(field(mon, 1, 12)),
    weekdays: new Set(field(dow, 0, 7).map((d) => (d === 0 ? 7 : d))),
  };
}

/**
 * The latest time strictly before `before` that `cron` matches in `zone`, or `undefined` when none is
 * within `lookBackDays` (default 400) days. A local time skipped by a DST change counts as the
 * instant luxon maps it to (an hour later), so it runs once.
 * @param before an instant (ISO-8601 with offset, or Date).
 */
export function previousCronTime(cron: string, zone: string, before: string | Date, lookBackDays = 400): DateTime | undefined {
  const f = parseCron(cron);
  const end = (typeof before === 'string' ? DateTime.fromISO(before) : DateTime.fromJSDate(before)).setZone(zone);
  let day = end.startOf('day');
  for (let i = 0; i <= lookBackDays; i++, day = day.minus({ days: 1 })) {
    if (!f.days.has(day.day) || !f.months.has(day.month) || !f.weekdays.has(day.weekday)) continue;
    for (let h = f.hours.length - 1; h >= 0; h--) {
      for (let m = f.minutes.length - 1; m >= 0; m--) {
        const t = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: f.hours[h], minute: f.minutes[m] }, { zone });
        if (t < end) return t;
      }
    }
  }
  return undefined;
}
