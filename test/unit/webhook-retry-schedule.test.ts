/**
 * The production webhook retry schedule, as Temporal will follow it: its intervals, how many attempts
 * a receiver that never answers gets, and the total span; and the next-attempt time each failed
 * attempt announces on its delivery (computed from the retry policy Temporal hands the activity); and
 * the same schedule when the run makes the first attempt and a `deliverWebhook` workflow the rest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextAttemptAt } from '../../activities/delivery-attempt.js';
import { attemptOffsetsMs, isFinalDeliveryError, retryDelayMs, scheduleAfter, WEBHOOK_RETRY_SCHEDULE } from '../../src/domain/webhook-delivery.js';

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

void test('a delivery whose first attempt the run made keeps the whole schedule: the same waits, the same last attempt, the same announcements', () => {
  const whole = attemptOffsetsMs(WEBHOOK_RETRY_SCHEDULE);
  // The run's attempt fails at +0; the delivery workflow waits the first gap, then schedules the rest.
  const wait = retryDelayMs(WEBHOOK_RETRY_SCHEDULE, 1);
  const rest = scheduleAfter(WEBHOOK_RETRY_SCHEDULE, 1, wait)!;
  assert.deepEqual({ initial: rest.initialIntervalMs, total: rest.totalMs }, { initial: 10 * S, total: 24 * H - 5 * S });
  assert.deepEqual([0, ...attemptOffsetsMs(rest).map((t) => wait + t)], whole);
  // Its attempt n is attempt n + 1 of the whole, and announces the whole schedule's next one.
  const t0 = Date.parse('2026-03-01T10:00:00Z');
  const restInfo = (attempt: number) => ({
    attempt,
    scheduledTimestampMs: t0 + wait,
    scheduleToCloseTimeoutMs: rest.totalMs,
    retryPolicy: { initialInterval: rest.initialIntervalMs, backoffCoefficient: 2, maximumInterval: rest.maximumIntervalMs },
  });
  assert.equal(nextAttemptAt(restInfo(1), t0 + wait), '2026-03-01T10:00:15.000Z');
  assert.equal(nextAttemptAt(restInfo(3), t0 + 35 * S), '2026-03-01T10:01:15.000Z');
  assert.equal(nextAttemptAt(restInfo(32), t0 + 23 * H + 25 * MIN + 15 * S), undefined);
  // Nothing made yet: the schedule itself; a next attempt past the total: none.
  assert.equal(scheduleAfter(WEBHOOK_RETRY_SCHEDULE, 0, 0), WEBHOOK_RETRY_SCHEDULE);
  assert.equal(scheduleAfter(WEBHOOK_RETRY_SCHEDULE, 1, 24 * H), undefined);
});

void test('only a refusal for good ends a delivery (WEBHOOK_REJECTED, WEBHOOK_ADDRESS_REFUSED); an error without a code (5xx, timeout, refused connection) is retried', () => {
  assert.deepEqual(['WEBHOOK_REJECTED', 'WEBHOOK_ADDRESS_REFUSED'].map(isFinalDeliveryError), [true, true]);
  assert.deepEqual(['WEBHOOK_UNDELIVERED', 'INTERNAL', undefined].map(isFinalDeliveryError), [false, false, false]);
});
