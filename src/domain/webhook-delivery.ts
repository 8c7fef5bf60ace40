/**
 * Webhook deliveries: one event of a finished run sent to `notify.webhook_url`, retried on the
 * schedule below until the receiver takes it, refuses it for good, or the schedule runs out. The run
 * makes the first attempt itself as it ends; the retries, and every attempt of a redelivery, belong to
 * a `deliverWebhook` workflow of their own. The run's own status never waits for its delivery.
 * Sandbox-safe.
 */
import type { ExportedReport } from './artifacts.js';
import type { ReportRequest } from './report-request.js';
import type { RunError, RunStatus } from './run-status.js';

/** The events a run sends when it ends, one per run; a bulk run sends one `bulk_request.*` when it ends. */
export type WebhookEventType = ReportEventType | BulkEventType;

/** The event of a report run that ended. */
export type ReportEventType = 'report.succeeded' | 'report.failed' | 'report.cancelled';

/** The event of a bulk run that ended (SUCCEEDED, FAILED or CANCELLED). */
export type BulkEventType = 'bulk_request.succeeded' | 'bulk_request.failed' | 'bulk_request.cancelled';

/**
 * A bulk run's counts when it ended (documents), and its ZIP's facts when it made one
 * (`sizeBytes` bytes, `sha256` hex).
 */
export interface BulkOutcome {
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  zip?: { sizeBytes: number; sha256: string };
}

/** PENDING: not taken yet, attempts go on. DELIVERED: a 2xx answer. FAILED: refused for good, or the schedule ran out. */
export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The outcome a run announces. `occurredAt`: ISO-8601 instant from workflow time, so every attempt
 * (and every redelivery) sends the same event.
 */
export interface RunOutcomeEvent {
  type: WebhookEventType;
  status: Extract<RunStatus, 'SUCCEEDED' | 'FAILED' | 'CANCELLED'>;
  occurredAt: string;
  report?: ExportedReport;
  error?: RunError;
  /** Set on a bulk run's event (`bulk_request.*`): the request is then the bulk run's (its id the bulk id). */
  bulk?: BulkOutcome;
}

/**
 * How long and how often a delivery is tried: Temporal's retry policy of the notify activity.
 * Attempt n+1 starts `min(initialIntervalMs × backoffCoefficient^(n-1), maximumIntervalMs)` after
 * attempt n failed, and none starts later than `totalMs` after the first was scheduled (the
 * activity's schedule-to-close timeout). `attemptTimeoutMs`: one attempt's start-to-close timeout.
 */
export interface WebhookRetrySchedule {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  totalMs: number;
  attemptTimeoutMs: number;
}

/**
 * The production schedule: 5 s, 10 s, 20 s … doubling up to one hour apart, for 24 hours in all
 * (33 attempts against a receiver that never answers: 11 in the first 85 minutes, then hourly).
 * Modelled on Stripe, which retries undelivered events "for up to three days with an exponential back
 * off" (docs.stripe.com/webhooks, "Retry behavior"), and Svix, whose published schedule runs 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h (about 27 h); 24 h keeps a day's outage covered while the event's signed
 * download link (`REPORTFLOW_NOTIFY_URL_TTL_SECONDS`, a day) is still valid. After that, a client asks
 * for the event again with `POST /v1/report-generate-requests/{id}/webhook-deliveries/redeliver`, as
 * GitHub's "redeliver a delivery" API lets one do.
 */
export const WEBHOOK_RETRY_SCHEDULE: WebhookRetrySchedule = {
  initialIntervalMs: 5_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 3_600_000,
  totalMs: 86_400_000,
  attemptTimeoutMs: 30_000,
};

/**
 * Error types after which a delivery is not tried again: the receiver refused the event for good.
 * Every other failure (5xx, 408, 429, timeouts, refused connections, DNS) is retried.
 */
export const FINAL_DELIVERY_ERRORS = ['WEBHOOK_REJECTED', 'WEBHOOK_ADDRESS_REFUSED'] as const;

/** True when an attempt that failed with error type `code` ends its delivery (one of `FINAL_DELIVERY_ERRORS`). */
export function isFinalDeliveryError(code: string | undefined): boolean {
  return (FINAL_DELIVERY_ERRORS as readonly (string | undefined)[]).includes(code);
}

/** The wait in ms between attempt `attempt` (1-based) failing and the next one starting, before the total bound. */
export function retryDelayMs(schedule: Pick<WebhookRetrySchedule, 'initialIntervalMs' | 'backoffCoefficient' | 'maximumIntervalMs'>, attempt: number): number {
  return Math.min(schedule.initialIntervalMs * schedule.backoffCoefficient ** (attempt - 1), schedule.maximumIntervalMs);
}

/**
 * When each attempt starts, in ms after the first, for a receiver that fails every attempt at once:
 * what Temporal does with the schedule (a retry that would start past `totalMs` is not made).
 */
export function attemptOffsetsMs(schedule: WebhookRetrySchedule): number[] {
  const offsets = [0];
  for (let attempt = 1; ; attempt++) {
    const next = offsets[attempt - 1]! + retryDelayMs(schedule, attempt);
    if (next > schedule.totalMs) return offsets;
    offsets.push(next);
  }
}

/**
 * The rest of `schedule` once `attemptsMade` attempts have failed, for the next attempt scheduled
 * `elapsedMs` after the first one: the schedule of the attempts from there on, whose retries wait what
 * the whole schedule's later retries wait (its first retry waits `retryDelayMs(schedule, attemptsMade + 1)`)
 * and which end when the whole schedule would. Undefined when that next attempt would start past
 * `totalMs`. With `attemptsMade` 0, `schedule` itself.
 */
export function scheduleAfter(schedule: WebhookRetrySchedule, attemptsMade: number, elapsedMs: number): WebhookRetrySchedule | undefined {
  if (attemptsMade <= 0) return schedule;
  const totalMs = schedule.totalMs - elapsedMs;
  if (totalMs <= 0) return undefined;
  return { ...schedule, initialIntervalMs: retryDelayMs(schedule, attemptsMade + 1), totalMs };
}

/** What the `deliverWebhook` workflow is started with (by the report run, or by the redeliver API). */
export interface WebhookDeliveryInput {
  /** The delivery's id (UUID); also part of its workflow id. */
  deliveryId: string;
  request: ReportRequest;
  event: RunOutcomeEvent;
  /** True for a delivery a client asked for again through the API. */
  redelivery: boolean;
  /**
   * ISO-8601 instant the event's signed download link is valid from: the event's time for the
   * run's own delivery, the redelivery's time for a redelivery (so its link works again).
   */
  linkSignedAt: string;
  /** Temporal run id of the report run that sent it; a redelivery has none. */
  executionId?: string;
  schedule: WebhookRetrySchedule;
  /**
   * Attempts made before this workflow began: the report run makes the first one itself as it ends,
   * and starts this workflow only when that one failed and may be retried. The workflow then waits the
   * schedule's delay after them, numbers its attempts after them, and keeps to the schedule's total
   * counted from `firstAttemptAt`. Absent (or 0) for a delivery that makes every attempt itself.
   */
  attemptsMade?: number;
  /** ISO-8601 instant the first of `attemptsMade` began (workflow time). */
  firstAttemptAt?: string;
}

/** One attempt's outcome, as the notify activity records it. */
export interface DeliveryAttempt {
  /** 1-based attempt number. */
  number: number;
  /** ISO-8601 instant the attempt ended. */
  at: string;
  httpStatus?: number;
  error?: string;
  /** ISO-8601 instant of the next attempt, when one is planned. */
  nextAttemptAt?: string;
}

/**
 * A delivery's change. The first write creates the row (with `event`, kept for redelivery); later
 * ones move its status: a final status (DELIVERED, FAILED) never goes back to PENDING and DELIVERED
 * is never replaced, so retried or late writes are harmless. An attempt older than the last recorded
 * one changes nothing about attempts.
 */
export interface WebhookDeliveryUpdate {
  deliveryId: string;
  tenantId: string;
  requestId: string;
  event: RunOutcomeEvent;
  redelivery: boolean;
  /** The report run's Temporal run id; a FAILED run delivery sets the request's `notifyError` only when it still matches. */
  executionId?: string;
  status: DeliveryStatus;
  attempt?: DeliveryAttempt;
  deliveredAt?: string;
  error?: RunError;
}

/** The workflow id of delivery `deliveryId` of request `requestId`, e.g. `<request id>:webhook:<uuid>`. */
export function deliveryWorkflowId(requestId: string, deliveryId: string): string {
  return `${requestId}:webhook:${deliveryId}`;
}

/** The event id a receiver de-duplicates by: stable per run and event type, the same for every redelivery. */
export function webhookEventId(requestId: string, type: WebhookEventType): string {
  return `${requestId}:${type}`;
}

/** Whether `type` is a report run's event (not a bulk run's). */
export function isReportEventType(type: WebhookEventType): type is ReportEventType {
  return type.startsWith('report.');
}
