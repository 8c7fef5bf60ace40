import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { zonedIsoFormatter } from '../../src/render/zoned-timestamp.js';

test('UTC instants print with the offset of the request\'s zone, summer and winter', () => {
  const london = zonedIsoFormatter('Europe/London');
  assert.equal(london('2011-07-01T08:00:00.000Z'), '2011-07-01T09:00:00+01:00');
  assert.equal(london('2010-12-01T08:26:00.000Z'), '2010-12-01T08:26:00+00:00');
  const oslo = zonedIsoFormatter('Europe/Oslo');
  assert.equal(oslo('2011-07-01T08:00:00.000Z'), '2011-07-01T10:00:00+02:00');
  assert.equal(zonedIsoFormatter('America/St_Johns')('2011-01-15T12:00:00.250Z'), '2011-01-15T08:30:00.250-03:30');
});

test('offsets are right on both sides of a DST change', () => {
  const london = zonedIsoFormatter('Europe/London');
  // 27 March 2011: clocks go forward at 01:00 UTC.
  assert.equal(london('2011-03-27T00:59:00.000Z'), '2011-03-27T00:59:00+00:00');
  // The last millisecond before it, whose 15-minute bucket ends where the change is.
  assert.equal(london('2011-03-27T00:59:59.999Z'), '2011-03-27T00:59:59.999+00:00');
  assert.equal(london('2011-03-27T01:00:00.000Z'), '2011-03-27T02:00:00+01:00');
  // 30 October 2011: clocks go back at 01:00 UTC; 01:30 local happens twice.
  assert.equal(london('2011-10-30T00:30:00.000Z'), '2011-10-30T01:30:00+01:00');
  assert.equal(london('2011-10-30T01:30:00.000Z'), '2011-10-30T01:30:00+00:00');
});

test('agrees with luxon minute by minute across a year in several zones', () => {
  for (const zone of ['Europe/London', 'Europe/Oslo', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Sao_Paulo']) {
    const fast = zonedIsoFormatter(zone);
    for (let ms = Date.UTC(2011, 0, 1); ms < Date.UTC(2012, 0, 1); ms += 7 * 60_000 + 13_000) {
      const expected = DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true, includeOffset: true })!.replace(/Z$/, '+00:00');
      assert.equal(fast(ms), expected, `${zone} ${new Date(ms).toISOString()}`);
    }
  }
});

test('an unknown zone is refused; unreadable input passes through', () => {
  assert.throws(() => zonedIsoFormatter('Mars/Olympus'), RangeError);
  assert.equal(zonedIsoFormatter('UTC')('not a date'), 'not a date');
});
