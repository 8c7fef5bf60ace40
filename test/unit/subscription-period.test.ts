import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DateTime } from 'luxon';
import { isReportingRun, nominalTimes, periodKey, subscriptionPeriod } from '../../src/domain/subscription-period.js';
import { previousCronTime } from '../../src/domain/subscription-cron.js';
import { scheduleProblems, type SubscriptionSchedule } from '../../src/domain/subscription-schedule.js';
import { periodHours } from '../../src/domain/period.js';

/** The two DST changes of 2025 in each zone: the local date of the 23-hour day and of the 25-hour day. */
const ZONES = {
  'Europe/Oslo': { short: '2025-03-30', long: '2025-10-26' },
  'America/New_York': { short: '2025-03-09', long: '2025-11-02' },
  'Australia/Sydney': { short: '2025-10-05', long: '2025-04-06' },
} as const;

const YEAR_START = '2025-01-01T00:00:00Z';
const YEAR_END = '2026-01-01T00:00:00Z';

/** Every period the schedule's runs in local 2025 report on, in run order. */
function yearOfPeriods(schedule: SubscriptionSchedule, zone: string) {
  const start = DateTime.fromISO('2025-01-01', { zone }).toJSDate();
  const end = DateTime.fromISO('2026-01-01', { zone }).toJSDate();
  return nominalTimes(schedule, zone, start, end).map((t) => ({ nominal: t, period: subscriptionPeriod(schedule, zone, t.toJSDate()) }));
}

/** Periods follow each other without gap or overlap and each starts at local midnight. */
function assertContiguous(periods: { period: { from: string; to: string } }[], zone: string): void {
  for (let i = 0; i < periods.length; i++) {
    const { from, to } = periods[i]!.period;
    const f = DateTime.fromISO(from, { zone });
    assert.equal(f.toFormat('HH:mm'), '00:00', `${from} starts at local midnight`);
    assert.ok(Date.parse(from) < Date.parse(to));
    if (i > 0) assert.equal(from, periods[i - 1]!.period.to, `period ${i} starts where ${i - 1} ended`);
  }
}

for (const [zone, dst] of Object.entries(ZONES)) {
  describe(`periods over 2025 in ${zone}`, () => {
    test('DAILY: 365 runs, each the previous local day; the DST days are 23 and 25 hours', () => {
      const runs = yearOfPeriods({ frequency: 'DAILY', timeOfDay: '06:00' }, zone);
      assert.equal(runs.length, 365);
      assertContiguous(runs, zone);
      for (const { nominal, period } of runs) {
        assert.equal(period.fromDate, nominal.minus({ days: 1 }).toISODate());
        assert.equal(period.toDate, period.fromDate);
        const expected = period.fromDate === dst.short ? 23 : period.fromDate === dst.long ? 25 : 24;
        assert.equal(periodHours(period), expected, `${period.fromDate} is ${expected} hours`);
      }
      assert.equal(runs.filter((r) => periodHours(r.period) !== 24).length, 2);
    });

    test('WEEKLY: 53 runs (2025 has 53 Wednesdays) on the chosen weekday, each the previous ISO week Monday to Monday', () => {
      const runs = yearOfPeriods({ frequency: 'WEEKLY', timeOfDay: '07:30', dayOfWeek: 'WEDNESDAY' }, zone);
      assert.equal(runs.length, 53);
      assertContiguous(runs, zone);
      for (const { nominal, period } of runs) {
        assert.equal(nominal.weekday, 3);
        assert.equal(DateTime.fromISO(period.from, { zone }).weekday, 1);
        assert.equal(DateTime.fromISO(period.to, { zone }).weekday, 1);
        const hours = periodHours(period);
        const hasShort = period.fromDate <= dst.short && dst.short <= period.toDate;
        const hasLong = period.fromDate <= dst.long && dst.long <= period.toDate;
        assert.equal(hours, 168 - (hasShort ? 1 : 0) + (hasLong ? 1 : 0), `${period.fromDate}..${period.toDate}`);
      }
    });

    test('TWICE_A_MONTH: 24 runs, halves 1st–16th and 16th–1st', () => {
      const runs = yearOfPeriods({ frequency: 'TWICE_A_MONTH', timeOfDay: '05:00' }, zone);
      assert.equal(runs.length, 24);
      assertContiguous(runs, zone);
      for (const { nominal, period } of runs) {
        const from = DateTime.fromISO(period.from, { zone });
        const to = DateTime.fromISO(period.to, { zone });
        if (nominal.day === 1) {
          assert.deepEqual([from.day, to.day, to.month], [16, 1, nominal.month]);
        } else {
          assert.deepEqual([from.day, from.month, to.day, to.month], [1, nominal.month, 16, nominal.month]);
        }
      }
    });

    test('MONTHLY: 12 runs, each the previous calendar month, with the DST hour in its month', () => {
      const runs = yearOfPeriods({ frequency: 'MONTHLY', timeOfDay: '06:00', dayOfMonth: 3 }, zone);
      assert.equal(runs.length, 12);
      assertContiguous(runs, zone);
      for (const { nominal, period } of runs) {
        const from = DateTime.fromISO(period.from, { zone });
        assert.equal(from.day, 1);
        assert.equal(from.month, nominal.minus({ months: 1 }).month);
        assert.equal(period.toDate, from.endOf('month').toISODate());
        const days = from.daysInMonth!;
        const shift = (period.fromDate <= dst.short && dst.short <= period.toDate ? -1 : 0) + (period.fromDate <= dst.long && dst.long <= period.toDate ? 1 : 0);
        assert.equal(periodHours(period), days * 24 + shift);
      }
    });

    test('CUSTOM: each period runs from the previous cron time to this one', () => {
      const schedule: SubscriptionSchedule = { frequency: 'CUSTOM', timeOfDay: '00:00', cron: '0 9,17 * * 1-5' };
      const monday = DateTime.fromISO('2025-03-10T09:00', { zone });
      const p = subscriptionPeriod(schedule, zone, monday.toJSDate());
      assert.equal(DateTime.fromISO(p.from, { zone }).toFormat('ccc HH:mm'), 'Fri 17:00');
      assert.equal(p.to, monday.toISO());
      const evening = subscriptionPeriod(schedule, zone, monday.set({ hour: 17 }).toJSDate());
      assert.equal(evening.from, monday.toISO());
    });
  });
}

describe('MONTHLY on the LAST day', () => {
  const last: SubscriptionSchedule = { frequency: 'MONTHLY', timeOfDay: '06:00', dayOfMonth: 'LAST' };

  test('runs on 29 February in a leap year and on 28 February otherwise', () => {
    const leap = nominalTimes(last, 'Europe/Oslo', '2024-02-01T00:00:00Z', '2024-03-05T00:00:00Z').map((t) => t.toISODate());
    const plain = nominalTimes(last, 'Europe/Oslo', '2025-02-01T00:00:00Z', '2025-03-05T00:00:00Z').map((t) => t.toISODate());
    assert.deepEqual(leap, ['2024-02-29']);
    assert.deepEqual(plain, ['2025-02-28']);
  });

  test('the schedule fires on days 28–31; only the run on the last local day reports', () => {
    const at = (iso: string) => DateTime.fromISO(iso, { zone: 'Australia/Sydney' }).toJSDate();
    assert.equal(isReportingRun(last, 'Australia/Sydney', at('2024-02-28T06:00')), false);
    assert.equal(isReportingRun(last, 'Australia/Sydney', at('2024-02-29T06:00')), true);
    assert.equal(isReportingRun(last, 'Australia/Sydney', at('2025-02-28T06:00')), true);
    for (const d of ['28', '29', '30']) assert.equal(isReportingRun(last, 'Australia/Sydney', at(`2025-03-${d}T06:00`)), false);
    assert.equal(isReportingRun(last, 'Australia/Sydney', at('2025-03-31T06:00')), true);
    // In UTC the Sydney run of 1 March 06:00 is still 28 February: the local day decides.
    assert.equal(isReportingRun(last, 'Australia/Sydney', '2025-02-28T19:00:00Z'), false);
  });

  test('a run on the last day of February reports January; 12 runs a year either way', () => {
    for (const year of [2024, 2025]) {
      const runs = nominalTimes(last, 'America/New_York', `${year}-01-01T12:00:00Z`, `${year + 1}-01-01T12:00:00Z`);
      assert.equal(runs.length, 12);
      const feb = runs[1]!;
      assert.equal(feb.day, year === 2024 ? 29 : 28);
      const p = subscriptionPeriod(last, 'America/New_York', feb.toJSDate());
      assert.deepEqual([p.fromDate, p.toDate], [`${year}-01-01`, `${year}-01-31`]);
    }
  });
});

describe('a time of day a DST change skips or repeats', () => {
  test('02:30 in Oslo runs once on the spring day (at 03:30) and once on the autumn day', () => {
    const daily: SubscriptionSchedule = { frequency: 'DAILY', timeOfDay: '02:30' };
    const runs = nominalTimes(daily, 'Europe/Oslo', YEAR_START, YEAR_END);
    assert.equal(runs.length, 365);
    const spring = runs.filter((t) => t.toISODate() === '2025-03-30');
    assert.deepEqual(spring.map((t) => t.toISO()), ['2025-03-30T03:30:00.000+02:00']);
    const autumn = runs.filter((t) => t.toISODate() === '2025-10-26');
    assert.equal(autumn.length, 1);
    const periods = new Set(runs.map((t) => periodKey(subscriptionPeriod(daily, 'Europe/Oslo', t.toJSDate()))));
    assert.equal(periods.size, 365);
  });

  test('the nominal time, not the wall clock, decides: a run started a day late reports the same day', () => {
    const daily: SubscriptionSchedule = { frequency: 'DAILY', timeOfDay: '06:00' };
    const p = subscriptionPeriod(daily, 'Europe/Oslo', '2025-03-31T06:00:00+02:00');
    assert.deepEqual([p.from, p.to], ['2025-03-30T00:00:00.000+01:00', '2025-03-31T00:00:00.000+02:00']);
    assert.equal(periodHours(p), 23);
  });
});

describe('schedule validation and cron', () => {
  test('refuses what a calendar cannot mean, naming the field', () => {
    const fields = (s: SubscriptionSchedule) => scheduleProblems(s).map((e) => e.field);
    assert.deepEqual(fields({ frequency: 'MONTHLY', timeOfDay: '06:00', dayOfMonth: 31 }), ['schedule.day_of_month']);
    assert.deepEqual(fields({ frequency: 'DAILY', timeOfDay: '25:00' }), ['schedule.time_of_day']);
    assert.deepEqual(fields({ frequency: 'DAILY', timeOfDay: '06:00', dayOfWeek: 'MONDAY' }), ['schedule.day_of_week']);
    assert.deepEqual(fields({ frequency: 'CUSTOM', timeOfDay: '06:00' }), ['schedule.cron']);
    assert.deepEqual(fields({ frequency: 'MONTHLY', timeOfDay: '06:00', dayOfMonth: 'LAST' }), []);
  });

  test('previousCronTime finds the last match before an instant, in the zone', () => {
    const t = previousCronTime('15 6 1 * *', 'America/New_York', '2025-03-01T11:15:00Z');
    assert.equal(t?.toISO(), '2025-02-01T06:15:00.000-05:00');
  });
});
