/**
 * Six-field crons (seconds first), which the outage tests use to fire a schedule every few seconds
 * through the same code as every subscription: the Temporal spec, the periods, their keys and the
 * enumeration of scheduled times; the API still takes five fields only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { cronTimes, previousCronTime, temporalCronOf } from '../../src/domain/subscription-cron.js';
import { nominalTimes, periodKey, subscriptionPeriod } from '../../src/domain/subscription-period.js';
import { scheduleProblems, type SubscriptionSchedule } from '../../src/domain/subscription-schedule.js';
import { scheduleSpecOf } from '../../src/subscriptions/schedule-spec.js';

const EVERY_3S: SubscriptionSchedule = { frequency: 'CUSTOM', timeOfDay: '00:00', cron: '*/3 * * * * *' };

test('a six-field cron becomes Temporal\'s seven-field form; five fields stay as they are', () => {
  assert.equal(temporalCronOf('*/3 * * * * *'), '*/3 * * * * * *');
  assert.equal(temporalCronOf('0 9 * * 1-5'), '0 9 * * 1-5');
  assert.deepEqual(scheduleSpecOf(EVERY_3S, 'UTC'), { cronExpressions: ['*/3 * * * * * *'], timezone: 'UTC' });
});

test('the API refuses a cron with seconds', () => {
  assert.deepEqual(scheduleProblems(EVERY_3S).map((p) => p.field), ['schedule.cron']);
});

test('each run of a seconds cron reports the seconds since the previous one, with a key of its own', () => {
  const p = subscriptionPeriod(EVERY_3S, 'Europe/Oslo', '2025-06-01T10:00:03Z');
  assert.deepEqual([p.from, p.to], ['2025-06-01T12:00:00.000+02:00', '2025-06-01T12:00:03.000+02:00']);
  assert.equal(periodKey(p), '2025-06-01T1200');
  assert.equal(periodKey(subscriptionPeriod(EVERY_3S, 'Europe/Oslo', '2025-06-01T10:00:06Z')), '2025-06-01T120003');
  assert.equal(previousCronTime('*/3 * * * * *', 'UTC', '2025-06-01T00:00:00Z')!.toISO(), '2025-05-31T23:59:57.000Z');
});

test('cronTimes lists the times in [from, to), at most the latest `max`', () => {
  const times = cronTimes('*/3 * * * * *', 'UTC', '2025-06-01T10:00:00Z', '2025-06-01T10:00:15Z');
  assert.deepEqual(times.map((t) => t.toFormat('ss')), ['00', '03', '06', '09', '12']);
  assert.deepEqual(cronTimes('*/3 * * * * *', 'UTC', '2025-06-01T10:00:00Z', '2025-06-01T10:00:15Z', 2).map((t) => t.toFormat('ss')), ['09', '12']);
  assert.equal(nominalTimes({ frequency: 'CUSTOM', timeOfDay: '00:00', cron: '0 9 * * 1-5' }, 'America/New_York', '2025-06-01T00:00:00Z', '2025-07-01T00:00:00Z').length, 21);
});

test('a cron time that a DST change skips is not scheduled; one it repeats is scheduled once', () => {
  const spring = cronTimes('30 2 * * *', 'Europe/Oslo', '2025-03-29T00:00:00Z', '2025-04-01T00:00:00Z').map((t) => t.toISO());
  assert.deepEqual(spring, ['2025-03-29T02:30:00.000+01:00', '2025-03-31T02:30:00.000+02:00']);
  const autumn = cronTimes('30 2 * * *', 'Europe/Oslo', '2025-10-25T12:00:00Z', '2025-10-27T00:00:00Z');
  assert.deepEqual(autumn.map((t) => t.toISO()), ['2025-10-26T02:30:00.000+01:00']);
  // The DAILY frequency runs the skipped 02:30 at 03:30 instead (its schedule has an extra entry for it).
  const daily = nominalTimes({ frequency: 'DAILY', timeOfDay: '02:30' }, 'Europe/Oslo', '2025-03-29T00:00:00Z', '2025-04-01T00:00:00Z');
  assert.equal(daily.map((t) => t.toISO()).join(), ['2025-03-29T02:30:00.000+01:00', '2025-03-30T03:30:00.000+02:00', '2025-03-31T02:30:00.000+02:00'].join());
  assert.equal(DateTime.fromISO('2025-10-26T02:30', { zone: 'Europe/Oslo' }).offset, 60, 'luxon takes the second 02:30, as Temporal does');
});
