/**
 * The production webhook retry schedule, as Temporal will follow it: its intervals, how many attempts
 * a receiver that never answers gets, and the total span; and the next-attempt time each failed
 * attempt announces on its delivery (computed from the retry policy Temporal hands the activity).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextAttemptAt } from '../../activities/delivery-attempt.js';
import { attemptOffsetsMs, retryDelayMs, WEBHOOK_RETRY_SCHEDULE } from '../../src/domain/webhook-delivery.js';

const S = 1_000;
const MIN = 60 * S;
const H = 60 * MIN;

void test('the production schedule: 5 s doubling to 1 h apart, 33 attempts within 24 h', () => {
  const offsets = attemptOffsetsMs(WEBHOOK_RETRY_SCHEDULE);
  const gaps = offsets.slice(1).map((t, i) => t - offsets[i]!);
  assert.deepEqual(gaps.slice(0, 11), [5 * S, 10 * S, 20 * S, 40 * S, 80 * S, 160 * S, 320 * S, 640 * S, 1280 * S, 2560 * S, H]);
  assert.ok(gaps.slice(10).every((g) => g === H), 'hourly once the doubling reaches an hour');
  assert.equal(offsets.length, 33);
  assert.equal(offsets.filter((t) => t < 90 * MIN).length, 11, 'eleven attempts in the first 85 minutes');
  assert.equal(offsets.at(-1), 23 * H + 25 * MIN + 15 * S);
  assert.ok(offsets.at(-1)! + H > 24 * H, 'the next attempt would start past 24 h, so there is none');
  assert.equal(WEBHOOK_RETRY_SCHEDULE.totalMs, 24 * H);
  // A receiver back after an outage of d waits at most min(d, 1 h) more (the gap it falls into).
  assert.ok(offsets.some((t) => t > 60 * S && t <= 2 * MIN), 'an outage of one minute is covered within two');
});

void test('retryDelayMs is Temporal\'s backoff: initial × coefficient^(attempt-1), capped', () => {
  assert.deepEqual([1, 2, 3, 10, 11, 30].map((a) => retryDelayMs(WEBHOOK_RETRY_SCHEDULE, a)), [5 * S, 10 * S, 20 * S, 2560 * S, H, H]);
});

/** The retry policy as Temporal hands it to the activity (ms numbers), for the production schedule. */
const info = (attempt: number, scheduledTimestampMs: number) => ({
  attempt,
  scheduledTimestampMs,
  scheduleToCloseTimeoutMs: WEBHOOK_RETRY_SCHEDULE.totalMs,
  retryPolicy: { initialInterval: 5_000, backoffCoefficient: 2, maximumInterval: 3_600_000, nonRetryableErrorTypes: ['WEBHOOK_REJECTED'] },
});

void test('a failed attempt announces the next one, and none once the schedule would run past its bound', () => {
  const t0 = Date.parse('2026-03-01T10:00:00Z');
  assert.equal(nextAttemptAt(info(1, t0), t0), '2026-03-01T10:00:05.000Z');
  assert.equal(nextAttemptAt(info(4, t0), t0 + 35 * S), '2026-03-01T10:01:15.000Z');
  assert.equal(nextAttemptAt(info(20, t0), t0 + 10 * H), '2026-03-01T21:00:00.000Z');
  assert.equal(nextAttemptAt(info(33, t0), t0 + 23 * H + 25 * MIN + 15 * S), undefined);
  assert.equal(nextAttemptAt({ ...info(5, t0), retryPolicy: { ...info(5, t0).retryPolicy, maximumAttempts: 5 } }, t0), undefined);
  assert.equal(nextAttemptAt({ ...info(1, t0), retryPolicy: undefined }, t0), undefined);
});
