/**
 * The Temporal Schedule spec built for each frequency: local calendar in the subscriber's zone,
 * days 28–31 for LAST, and one dated extra entry per spring DST day whose time_of_day does not exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduleSpecOf } from '../../src/subscriptions/schedule-spec.js';

const NOW = new Date('2025-06-01T00:00:00Z');

test('each frequency becomes one calendar in the subscription\'s time zone', () => {
  assert.deepEqual(scheduleSpecOf({ frequency: 'DAILY', timeOfDay: '06:00' }, 'Europe/Oslo', NOW), { calendars: [{ hour: 6, minute: 0, comment: 'DAILY' }], timezone: 'Europe/Oslo' });
  assert.deepEqual(scheduleSpecOf({ frequency: 'WEEKLY', timeOfDay: '07:30', dayOfWeek: 'FRIDAY' }, 'UTC', NOW).calendars, [{ hour: 7, minute: 30, comment: 'WEEKLY', dayOfWeek: 'FRIDAY' }]);
  assert.deepEqual(scheduleSpecOf({ frequency: 'TWICE_A_MONTH', timeOfDay: '05:00' }, 'UTC', NOW).calendars, [{ hour: 5, minute: 0, comment: 'TWICE_A_MONTH', dayOfMonth: [1, 16] }]);
  assert.deepEqual(scheduleSpecOf({ frequency: 'MONTHLY', timeOfDay: '06:00', dayOfMonth: 'LAST' }, 'UTC', NOW).calendars, [{ hour: 6, minute: 0, comment: 'MONTHLY', dayOfMonth: { start: 28, end: 31 } }]);
  assert.deepEqual(scheduleSpecOf({ frequency: 'CUSTOM', timeOfDay: '00:00', cron: '0 9 * * 1-5' }, 'America/New_York', NOW), { cronExpressions: ['0 9 * * 1-5'], timezone: 'America/New_York' });
});

test('02:30 in Oslo gets an extra 03:30 entry on each spring DST day, 2020 to 2035', () => {
  const spec = scheduleSpecOf({ frequency: 'DAILY', timeOfDay: '02:30' }, 'Europe/Oslo', NOW);
  const extra = spec.calendars!.slice(1);
  assert.equal(extra.length, 16);
  assert.deepEqual(extra.find((c) => c.year === 2025), { year: 2025, month: 'MARCH', dayOfMonth: 30, hour: 3, minute: 30, comment: '02:30 does not exist on 2025-03-30 (DST)' });
  assert.ok(extra.every((c) => c.month === 'MARCH' && c.hour === 3));
});

test('a WEEKLY run gets the extra entry only when its weekday is the DST day; 06:00 never does', () => {
  // US spring changes fall on Sundays at 02:00.
  assert.equal(scheduleSpecOf({ frequency: 'WEEKLY', timeOfDay: '02:15', dayOfWeek: 'SUNDAY' }, 'America/New_York', NOW).calendars!.length, 17);
  assert.equal(scheduleSpecOf({ frequency: 'WEEKLY', timeOfDay: '02:15', dayOfWeek: 'MONDAY' }, 'America/New_York', NOW).calendars!.length, 1);
  assert.equal(scheduleSpecOf({ frequency: 'DAILY', timeOfDay: '06:00' }, 'Australia/Sydney', NOW).calendars!.length, 1);
});
