/**
 * Records one attempt of a webhook delivery on its record: DELIVERED with the receiver's status,
 * FAILED when the receiver refused the event for good, else PENDING with what went wrong and when
 * the next attempt is due (computed from the activity's own retry policy, the one Temporal follows, or
 * given by the caller of a single attempt).
 * Best effort: a record that cannot be written is logged, never turned into a failed (and so
 * repeated) attempt; the workflow that asked for it (the run, or its `deliverWebhook` workflow) records
 * the final outcome in any case, unless told it is stored already (see `NotifyAnswer.recorded`).
 */
import type { Info } from '@temporalio/activity';
import { ReportError } from '../src/domain/errors.js';
import { retryDelayMs } from '../src/domain/webhook-delivery.js';
import { WebhookAttemptError, WebhookRejectedError, type WebhookAnswer } from '../src/notifiers/notifier.js';
import type { DeliveryAttempt, WebhookDeliveryUpdate } from '../src/records/records.js';
import type { ActivityDeps } from './deps.js';
import type { NotifyInput } from './notify.js';

/**
 * `outcome`: the answer of a delivered attempt, or the error of one that was not.
 * @returns true when the attempt is stored on its delivery, false when the write failed (logged).
 */
export async function recordAttempt(
  deps: Pick<ActivityDeps, 'records' | 'logger'>,
  input: NotifyInput,
  delivery: NonNullable<NotifyInput['delivery']>,
  info: Pick<Info, 'attempt' | 'retryPolicy' | 'scheduledTimestampMs' | 'scheduleToCloseTimeoutMs'>,
  outcome: { answer: WebhookAnswer } | { err: unknown },
): Promise<boolean> {
  const { request, type, status, occurredAt, report, error, bulk } = input;
  const now = new Date();
  const base: Omit<WebhookDeliveryUpdate, 'status'> = {
    deliveryId: delivery.id,
    tenantId: request.tenantId,
    requestId: request.id,
    event: { type, status, occurredAt, ...(report ? { report } : {}), ...(error ? { error } : {}), ...(bulk ? { bulk } : {}) },
    redelivery: delivery.redelivery,
    ...(delivery.executionId ? { executionId: delivery.executionId } : {}),
  };
  const attempt: DeliveryAttempt = { number: (delivery.attemptsBefore ?? 0) + info.attempt, at: now.toISOString() };
  let update: WebhookDeliveryUpdate;
  if ('answer' in outcome) {
    update = { ...base, status: 'DELIVERED', attempt: { ...attempt, httpStatus: outcome.answer.httpStatus }, deliveredAt: attempt.at };
  } else if (outcome.err instanceof ReportError) {
    const err = outcome.err;
    const facts = err instanceof WebhookRejectedError ? { httpStatus: err.httpStatus } : { error: err.message };
    update = { ...base, status: 'FAILED', attempt: { ...attempt, ...facts }, error: { code: err.code, message: err.message, errors: err.errors } };
  } else {
    const err = outcome.err;
    const facts = err instanceof WebhookAttemptError ? { error: err.reason, ...(err.httpStatus ? { httpStatus: err.httpStatus } : {}) } : { error: 'unexpected error' };
    const next = delivery.retryInMs !== undefined ? new Date(now.getTime() + delivery.retryInMs).toISOString() : nextAttemptAt(info, now.getTime());
    update = { ...base, status: 'PENDING', attempt: { ...attempt, ...facts, ...(next ? { nextAttemptAt: next } : {}) } };
  }
  try {
    await deps.records.recordWebhookDelivery(update);
    return true;
  } catch (err) {
    deps.logger.warn({ err, deliveryId: delivery.id, requestId: request.id }, 'webhook delivery attempt not recorded');
    return false;
  }
}

/**
 * When Temporal will start the next attempt after this one fails now (`nowMs`), or undefined when it
 * will not: the attempts are used up, or the next one would start past the schedule-to-close bound.
 */
export function nextAttemptAt(info: Pick<Info, 'attempt' | 'retryPolicy' | 'scheduledTimestampMs' | 'scheduleToCloseTimeoutMs'>, nowMs: number): string | undefined {
  const policy = info.retryPolicy;
  const initialIntervalMs = Number(policy?.initialInterval);
  if (!policy || !(initialIntervalMs > 0)) return undefined;
  if (policy.maximumAttempts && info.attempt >= policy.maximumAttempts) return undefined;
  const maximumIntervalMs = Number(policy.maximumInterval ?? initialIntervalMs * 100);
  const at = nowMs + retryDelayMs({ initialIntervalMs, backoffCoefficient: policy.backoffCoefficient ?? 2, maximumIntervalMs }, info.attempt);
  if (info.scheduleToCloseTimeoutMs && at > info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs) return undefined;
  return new Date(at).toISOString();
}
