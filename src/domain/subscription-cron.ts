/**
 * The cron of CUSTOM subscriptions, evaluated in an IANA time zone the way a Temporal Schedule
 * evaluates it: every field must match (day-of-month AND day-of-week).
 *
 * Five fields `minute hour day-of-month month day-of-week` (digits, `*`, `a-b`, `/n` and lists;
 * day-of-week 0–6 or 7 for Sunday) are what the API accepts. Six fields, with a leading `second`,
 * are understood here and by the schedule spec builder too (Temporal takes them as its seven-field
 * form with any year), so a test can fire a schedule every few seconds through the same code; the
 * API refuses them (`scheduleProblems`). Sandbox-safe.
 */
import { DateTime } from 'luxon';

interface CronFields {
  /** Always [0] for a five-field cron. */
  seconds: number[];
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

/** Parses a five-field cron, or a six-field one with a leading seconds field. @throws RangeError when a field is malformed or out of range. */
export function parseCron(cron: string): CronFields {
  const parts = cron.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) throw new RangeError('cron needs five fields (or six, with seconds first)');
  const [s, mi, h, dom, mon, dow] = (parts.length === 6 ? parts : ['0', ...parts]) as [string, string, string, string, string, string];
  return {
    seconds: field(s, 0, 59),
    minutes: field(mi, 0, 59),
    hours: field(h, 0, 23),
    days: new Set(field(dom, 1, 31)),
    months: new Set(field(mon, 1, 12)),
    weekdays: new Set(field(dow, 0, 7).map((d) => (d === 0 ? 7 : d))),
  };
}

/**
 * The cron string a Temporal Schedule spec gets: five fields as they are, six (seconds first) as
 * Temporal's seven-field form `second minute hour day month weekday year` with any year.
 */
export function temporalCronOf(cron: string): string {
  const parts = cron.trim().split(/\s+/);
  return parts.length === 6 ? `${parts.join(' ')} *` : cron;
}

/**
 * How a local time that does not exist (skipped by a DST change) counts: `map` — as the instant luxon
 * maps it to (an hour later), the rule of CUSTOM periods; `skip` — not at all, as a Temporal cron spec
 * fires (it takes no action at a local time that does not exist).
 */
type GapRule = 'map' | 'skip';

/** The latest match strictly before `end` (a zoned DateTime), looking back `lookBackDays` local days. */
function latestBefore(f: CronFields, end: DateTime, lookBackDays: number, gaps: GapRule): DateTime | undefined {
  const zone = end.zone;
  let day = end.startOf('day');
  for (let i = 0; i <= lookBackDays; i++, day = day.minus({ days: 1 })) {
    if (!f.days.has(day.day) || !f.months.has(day.month) || !f.weekdays.has(day.weekday)) continue;
    // On end's own day, local times after end's wall time cannot be before it, except on a day whose
    // offset changes (a wall time an hour later can be an earlier instant): check those by instant.
    const sameDay = i === 0 && day.offset === day.endOf('day').offset;
    const limit = end.hour * 3600 + end.minute * 60 + end.second;
    for (let h = f.hours.length - 1; h >= 0; h--) {
      for (let m = f.minutes.length - 1; m >= 0; m--) {
        for (let s = f.seconds.length - 1; s >= 0; s--) {
          const hour = f.hours[h]!;
          const minute = f.minutes[m]!;
          const second = f.seconds[s]!;
          if (sameDay && hour * 3600 + minute * 60 + second > limit) continue;
          const t = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute, second }, { zone });
          if (gaps === 'skip' && (t.hour !== hour || t.minute !== minute)) continue;
          if (t < end) return t;
        }
      }
    }
  }
  return undefined;
}

function zoned(t: string | Date, zone: string): DateTime {
  return (typeof t === 'string' ? DateTime.fromISO(t) : DateTime.fromJSDate(t)).setZone(zone);
}

/**
 * The latest time strictly before `before` that `cron` matches in `zone`, or `undefined` when none is
 * within `lookBackDays` (default 400) days. A local time skipped by a DST change counts as the
 * instant luxon maps it to (an hour later), so it runs once; a repeated one as its second occurrence.
 * @param before an instant (ISO-8601 with offset, or Date).
 * @throws RangeError for a malformed cron.
 */
export function previousCronTime(cron: string, zone: string, before: string | Date, lookBackDays = 400): DateTime | undefined {
  return latestBefore(parseCron(cron), zoned(before, zone), lookBackDays, 'map');
}

/**
 * The times in `[from, to)` at which a Temporal Schedule with `cron` in `zone` fires, ascending: at
 * most the latest `max` of them (the search walks back from `to`, so a dense cron over a long range
 * costs only `max` steps). A local time a DST change skips is not fired; a repeated one fires once,
 * at its second occurrence.
 * @throws RangeError for a malformed cron.
 */
export function cronTimes(cron: string, zone: string, from: string | Date, to: string | Date, max = 1000): DateTime[] {
  const f = parseCron(cron);
  const start = zoned(from, zone);
  const lookBackDays = Math.ceil(zoned(to, zone).diff(start, 'days').days) + 1;
  const out: DateTime[] = [];
  let t: DateTime | undefined = zoned(to, zone);
  while (out.length < max && (t = latestBefore(f, t, lookBackDays, 'skip')) && t >= start) out.push(t);
  return out.reverse();
}
