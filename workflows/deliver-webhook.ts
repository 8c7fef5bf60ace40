/**
 * One delivery of a run's webhook event: the notify activity under the delivery's retry schedule
 * (see `WEBHOOK_RETRY_SCHEDULE`: 24 hours of backoff by default), with the delivery's state recorded
 * for the API — PENDING when it begins (each attempt then records its own outcome), DELIVERED or
 * FAILED at the end. Started by the redeliver API, and by the report run as a child it does not wait
 * for (so the run's outcome is final at once) when the run's own first attempt failed and may be
 * retried (`attemptsMade`): the retries then keep to the schedule as if one workflow made them all.
 * The schedule travels in the input, so a change of the default never alters a delivery already under way.
 *
 * Ends Completed when delivered; Failed with `WEBHOOK_REJECTED` / `WEBHOOK_ADDRESS_REFUSED` (refused
 * for good) or `WEBHOOK_UNDELIVERED` (the schedule ran out); Cancelled when stopped from outside
 * (recorded as FAILED `WEBHOOK_UNDELIVERED`, so no delivery stays PENDING for ever).
 */
import { ApplicationFailure, CancellationScope, isCancellation, log, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { ReportActivities } from '../activities/index.js';
import type { RunError } from '../src/domain/run-status.js';
import {
  FINAL_DELIVERY_ERRORS,
  isFinalDeliveryError,
  retryDelayMs,
  scheduleAfter,
  type DeliveryStatus,
  type WebhookDeliveryInput,
  type WebhookDeliveryUpdate,
} from '../src/domain/webhook-delivery.js';
import { toRunError } from './run-error.js';

const TRANSIENT: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 };
const { recordWebhookDelivery } = proxyLocalActivities<ReportActivities>({ startToCloseTimeout: '10 seconds', retry: TRANSIENT });

/** What a delivery came to. */
export interface WebhookDeliveryResult {
  status: Extract<DeliveryStatus, 'DELIVERED'>;
  /** The receiver's 2xx status. */
  httpStatus?: number;
}

/**
 * @returns DELIVERED with the receiver's status.
 * @throws ApplicationFailure (non-retryable) typed `WEBHOOK_REJECTED`, `WEBHOOK_ADDRESS_REFUSED` or
 *   `WEBHOOK_UNDELIVERED` when it is not delivered; CancelledFailure when it is cancelled.
 */
export async function deliverWebhook(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  const { schedule, request, event, deliveryId, redelivery, executionId, linkSignedAt } = input;
  const attemptsMade = input.attemptsMade ?? 0;
  const base = { deliveryId, tenantId: request.tenantId, requestId: request.id, event, redelivery, ...(executionId ? { executionId } : {}) };
  await recordDelivery({ ...base, status: 'PENDING' });
  try {
    // After the run's own attempt: the schedule's wait after it, then the rest of the schedule.
    if (attemptsMade > 0) await sleep(retryDelayMs(schedule, attemptsMade));
    const firstAt = Date.parse(input.firstAttemptAt ?? '');
    const rest = scheduleAfter(schedule, attemptsMade, Number.isNaN(firstAt) ? 0 : Date.now() - firstAt);
    if (!rest) throw ApplicationFailure.create({ type: 'WEBHOOK_UNDELIVERED', message: 'the schedule ran out', nonRetryable: true });
    const { notify } = proxyActivities<ReportActivities>({
      startToCloseTimeout: rest.attemptTimeoutMs,
      scheduleToCloseTimeout: rest.totalMs,
      retry: {
        initialInterval: rest.initialIntervalMs,
        backoffCoefficient: rest.backoffCoefficient,
        maximumInterval: rest.maximumIntervalMs,
        nonRetryableErrorTypes: [...FINAL_DELIVERY_ERRORS],
      },
    });
    const delivery = { id: deliveryId, redelivery, linkSignedAt, ...(executionId ? { executionId } : {}), ...(attemptsMade > 0 ? { attemptsBefore: attemptsMade } : {}) };
    const answer = await notify({ request, ...event, delivery });
    // An attempt that stored the delivery DELIVERED itself needs no second write (see the run's first attempt).
    if (!answer?.recorded) await recordDelivery({ ...base, status: 'DELIVERED', deliveredAt: new Date().toISOString() });
    return { status: 'DELIVERED', ...(answer ? { httpStatus: answer.httpStatus } : {}) };
  } catch (err) {
    const cancelled = isCancellation(err);
    const error = cancelled ? stopped() : undelivered(err, schedule.totalMs);
    await recordDelivery({ ...base, status: 'FAILED', error });
    if (cancelled) throw err;
    throw ApplicationFailure.create({ type: error.code, message: error.message, nonRetryable: true, details: [error.errors] });
  }
}

/**
 * Writes a delivery's state (a local activity, retried for transient faults), even in a cancelled
 * scope; a failure after retries is logged (attempts still record theirs). Also used by the report run
 * for the outcome of its own first attempt.
 */
export async function recordDelivery(update: WebhookDeliveryUpdate): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    try {
      await recordWebhookDelivery(update);
    } catch (err) {
      log.warn('webhook delivery state not recorded', { status: update.status, error: String(err) });
    }
  });
}

/** A final refusal keeps its code (`WEBHOOK_REJECTED`, `WEBHOOK_ADDRESS_REFUSED`); anything else means the schedule ran out. */
export function undelivered(err: unknown, totalMs: number): RunError {
  const refused = toRunError(err, 'NOTIFY');
  if (isFinalDeliveryError(refused.code)) return refused;
  return {
    code: 'WEBHOOK_UNDELIVERED',
    message: `The webhook receiver did not take the event within ${span(totalMs)} of attempts; the delivery shows its last answer or error.`,
    errors: [],
  };
}

function stopped(): RunError {
  return { code: 'WEBHOOK_UNDELIVERED', message: 'The delivery was stopped before the webhook receiver took the event.', errors: [] };
}

/** `totalMs` in words: `24 hours`, `90 minutes`, `3 seconds`. */
function span(totalMs: number): string {
  const [n, unit] = totalMs % 3_600_000 === 0 ? [totalMs / 3_600_000, 'hour'] : totalMs % 60_000 === 0 ? [totalMs / 60_000, 'minute'] : [Math.round(totalMs / 1000), 'second'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
