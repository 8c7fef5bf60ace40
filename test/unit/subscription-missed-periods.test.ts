/**
 * The exact missed-periods rule (`missedRuns`): scheduled times of active spans, older than the
 * catch-up window, with no recorded run or a run that began too late — never a paused time, never a
 * time a later run (backfill) covered; and the catch-up rule a run applies to itself (`withinCatchUp`).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import type { ReportPeriod } from '../../src/domain/report-request.js';
import { MAX_BACKFILL_RANGES, withBackfill, withinCatchUp, type CatchUpPolicy } from '../../src/domain/subscription-catchup.js';
import { missedRuns, type ActiveSpan, type LedgerOutcome, type RecordedRun } from '../../src/domain/subscription-missed.js';
import { subscriptionPeriod } from '../../src/domain/subscription-period.js';
import type { SubscriptionSchedule } from '../../src/domain/subscription-schedule.js';

const DAILY: SubscriptionSchedule = { frequency: 'DAILY', timeOfDay: '06:00' };
const ZONE = 'Europe/Oslo';
const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** 20 June 2025 12:00 Oslo. */
const NOW = DateTime.fromISO('2025-06-20T12:00', { zone: ZONE }).toJSDate();

function at(local: string): string {
  return DateTime.fromISO(local, { zone: ZONE }).toISO()!;
}

function ran(local: string, outcome: LedgerOutcome = 'RAN', schedule = DAILY): RecordedRun {
  const nominalTime = at(local);
  return { nominalTime, outcome, period: subscriptionPeriod(schedule, ZONE, nominalTime) as ReportPeriod };
}

/** `from..to` local dates of each missed period, with the reason's first letter. */
function shown(spans: ActiveSpan[], recorded: RecordedRun[], windowMs = WEEK, limit?: number): string[] {
  return missedRuns(spans, recorded, { now: NOW, catchupWindowMs: windowMs, ...(limit ? { limit } : {}) }).map((m) => `${m.period.fromDate} ${m.reason[0]}`);
}

describe('missedRuns', () => {
  test('a DAILY subscription active for 20 days with runs recorded for every day but three: those three, oldest first', () => {
    const spans: ActiveSpan[] = [{ from: at('2025-05-31T12:00'), schedule: DAILY, timezone: ZONE }];
    // Runs at 06:00 on 1..13 June are older than the 7-day window (13 June 06:00 < 13 June 12:00).
    const recorded = ['01', '02', '04', '05', '06', '08', '09', '10', '11', '12'].map((d) => ran(`2025-06-${d}T06:00`));
    assert.deepEqual(shown(spans, recorded), ['2025-06-02 N', '2025-06-06 N', '2025-06-12 N']);
  });

  test('times inside the catch-up window are not judged yet (they may still run)', () => {
    const spans: ActiveSpan[] = [{ from: at('2025-06-10T00:00'), schedule: DAILY, timezone: ZONE }];
    assert.deepEqual(shown(spans, []), ['2025-06-09 N', '2025-06-10 N', '2025-06-11 N', '2025-06-12 N']);
    assert.deepEqual(shown(spans, [], 2 * DAY), ['2025-06-09 N', '2025-06-10 N', '2025-06-11 N', '2025-06-12 N', '2025-06-13 N', '2025-06-14 N', '2025-06-15 N', '2025-06-16 N', '2025-06-17 N']);
  });

  test('a run that began too late is missed (STARTED_TOO_LATE); a later run of that time clears it; ALREADY_RAN is not missed', () => {
    const spans: ActiveSpan[] = [{ from: at('2025-06-01T07:00'), to: at('2025-06-05T07:00'), schedule: DAILY, timezone: ZONE }];
    assert.deepEqual(shown(spans, [ran('2025-06-02T06:00', 'MISSED'), ran('2025-06-03T06:00', 'ALREADY_RAN'), ran('2025-06-04T06:00', 'MISSED'), ran('2025-06-05T06:00')]), ['2025-06-01 S', '2025-06-03 S']);
    // The ledger keeps the best outcome per time, so a backfilled time arrives as RAN.
    assert.deepEqual(shown(spans, [ran('2025-06-02T06:00'), ran('2025-06-03T06:00', 'ALREADY_RAN'), ran('2025-06-04T06:00', 'MISSED'), ran('2025-06-05T06:00')]), ['2025-06-03 S']);
  });

  test('paused time is never missed: only the spans count, each with the schedule it had', () => {
    const weekly: SubscriptionSchedule = { frequency: 'WEEKLY', timeOfDay: '07:00', dayOfWeek: 'MONDAY' };
    const spans: ActiveSpan[] = [
      // Active 1–3 June (DAILY), paused 3–6 June, active again 6–9 June WEEKLY, then DAILY from 9 June.
      { from: at('2025-06-01T00:00'), to: at('2025-06-03T00:00'), schedule: DAILY, timezone: ZONE },
      { from: at('2025-06-06T00:00'), to: at('2025-06-09T12:00'), schedule: weekly, timezone: ZONE },
      { from: at('2025-06-09T12:00'), schedule: DAILY, timezone: ZONE },
    ];
    // DAILY 1 and 2 June; WEEKLY Monday 9 June 07:00 (the previous ISO week); DAILY 10–13 June.
    assert.deepEqual(shown(spans, []), ['2025-05-31 N', '2025-06-01 N', '2025-06-02 N', '2025-06-09 N', '2025-06-10 N', '2025-06-11 N', '2025-06-12 N']);
    const w = missedRuns(spans, [], { now: NOW, catchupWindowMs: WEEK }).find((m) => m.nominalTime === at('2025-06-09T07:00'))!;
    assert.deepEqual([w.period.fromDate, w.period.toDate], ['2025-06-02', '2025-06-08']);
  });

  test('at most `limit`, the latest; nothing older than the look-back', () => {
    const spans: ActiveSpan[] = [{ from: '2020-01-01T00:00:00Z', schedule: DAILY, timezone: ZONE }];
    const all = missedRuns(spans, [], { now: NOW, catchupWindowMs: WEEK, limit: 1000 });
    assert.equal(all.length, 400 - 7);
    assert.deepEqual(shown(spans, [], WEEK, 2), ['2025-06-11 N', '2025-06-12 N']);
  });

  test('MONTHLY on the LAST day misses only reporting days (the 28th–30th firings do nothing anyway)', () => {
    const last: SubscriptionSchedule = { frequency: 'MONTHLY', timeOfDay: '06:00', dayOfMonth: 'LAST' };
    const spans: ActiveSpan[] = [{ from: at('2025-02-01T00:00'), to: at('2025-05-01T00:00'), schedule: last, timezone: ZONE }];
    assert.deepEqual(shown(spans, [ran('2025-03-31T06:00', 'RAN', last)]), ['2025-01-01 N', '2025-03-01 N']);
  });

  test('a CUSTOM cron with seconds: every scheduled time after the span began, matched to the ledger by instant', () => {
    const custom: SubscriptionSchedule = { frequency: 'CUSTOM', timeOfDay: '00:00', cron: '*/20 * * * * *' };
    const spans: ActiveSpan[] = [{ from: at('2025-06-20T11:58:00'), schedule: custom, timezone: ZONE }];
    const recorded = [ran('2025-06-20T11:58:20', 'RAN', custom), ran('2025-06-20T11:58:40', 'MISSED', custom)];
    const missed = missedRuns(spans, recorded, { now: NOW, catchupWindowMs: 50_000 });
    assert.deepEqual(missed.map((m) => [DateTime.fromISO(m.nominalTime, { zone: ZONE }).toFormat('HH:mm:ss'), m.reason]), [
      ['11:58:40', 'STARTED_TOO_LATE'],
      ['11:59:00', 'NOT_STARTED'],
    ]);
    assert.deepEqual([missed[1]!.period.from, missed[1]!.period.to], [at('2025-06-20T11:58:40'), at('2025-06-20T11:59:00')]);
  });
});

describe('withinCatchUp', () => {
  const nominal = new Date('2025-06-01T04:00:00Z');
  test('a run that begins within the window goes ahead, one that begins later does not', () => {
    assert.equal(withinCatchUp(nominal, new Date(nominal.getTime() + WEEK), { windowMs: WEEK }), true);
    assert.equal(withinCatchUp(nominal, new Date(nominal.getTime() + WEEK + 1), { windowMs: WEEK }), false);
  });

  test('a late run whose time lies in a backfill range `[from, to)` goes ahead', () => {
    const policy = withBackfill({ windowMs: WEEK }, { from: '2025-05-01T00:00:00Z', to: '2025-06-01T04:00:00Z' });
    const late = new Date('2025-09-01T00:00:00Z');
    assert.equal(withinCatchUp(new Date('2025-05-31T04:00:00Z'), late, policy), true);
    assert.equal(withinCatchUp(nominal, late, policy), false, 'the end of the range is excluded');
  });

  test('a schedule remembers the latest backfill ranges only', () => {
    let policy: CatchUpPolicy = { windowMs: WEEK };
    for (let i = 0; i < MAX_BACKFILL_RANGES + 3; i++) policy = withBackfill(policy, { from: `${2000 + i}-01-01T00:00:00Z`, to: `${2000 + i}-02-01T00:00:00Z` });
    const ranges = policy.backfills ?? [];
    assert.equal(ranges.length, MAX_BACKFILL_RANGES);
    assert.equal(ranges[0]!.from, '2003-01-01T00:00:00Z');
  });
});
