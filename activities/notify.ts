/**
 * The notify activity: POSTs the run's outcome to the request's webhook. The event id is stable per
 * run and event type (`<request id>:<type>`), so a receiver can drop the duplicates that retries
 * and redeliveries may cause. Given a delivery (the `deliverWebhook` workflow's), each attempt's
 * outcome is recorded on it as it happens: what the receiver answered and when the next attempt is due.
 */
import { Context } from '@temporalio/activity';
import type { Config } from '../src/config/settings.js';
import type { ExportedReport } from '../src/domain/artifacts.js';
import { fileFactsToWire } from '../src/domain/file-facts.js';
import type { ReportRequest } from '../src/domain/report-request.js';
import { webhookEventId, type RunOutcomeEvent } from '../src/domain/webhook-delivery.js';
import type { WebhookAnswer, WebhookEvent } from '../src/notifiers/notifier.js';
import type { UrlSigner } from '../src/downloads/signed-url.js';
import { bulkWebhookEvent } from './bulk-webhook-event.js';
import { recordAttempt } from './delivery-attempt.js';
import type { ActivityDeps } from './deps.js';

/** What the workflow knows when a run ends (see `RunOutcomeEvent`), and the delivery it is sent for. */
export interface NotifyInput extends RunOutcomeEvent {
  request: ReportRequest;
  /**
   * The delivery this send belongs to; attempts are recorded on it. Absent in inputs of runs started
   * before deliveries were recorded (their report workflow called this activity itself).
   */
  delivery?: {
    id: string;
    redelivery: boolean;
    executionId?: string;
    /** ISO-8601 instant the signed download link's lifetime counts from. */
    linkSignedAt: string;
    /** Attempts of this delivery made before this activity (the run's own first one); its attempts are numbered after them. */
    attemptsBefore?: number;
    /**
     * Set on a single attempt whose follow-up the caller starts itself (the run's first attempt, a
     * local activity without retries): when it fails and may be retried, the next attempt is due this
     * many ms later (announced on the delivery as `next_attempt_at`).
     */
    retryInMs?: number;
  };
}

/**
 * The receiver's answer to a delivered attempt. `recorded`: the attempt is stored on its delivery as
 * DELIVERED (a delivery never leaves DELIVERED), so the caller need not write that again; absent when the
 * write failed, when there is no delivery, and in the results of activities of earlier versions.
 */
export interface NotifyAnswer extends WebhookAnswer {
  recorded?: true;
}

/**
 * Does nothing (and returns undefined) when the request has no webhook. A bulk run's event (`bulk`
 * set) has its own body (activities/bulk-webhook-event.ts), sent and recorded the same way.
 * @returns the receiver's answer, with `recorded` when the attempt is stored DELIVERED on `input.delivery`.
 * @throws ReportError('WEBHOOK_REJECTED' | 'WEBHOOK_ADDRESS_REFUSED') when the receiver refuses the event
 *   for good (→ non-retryable); WebhookAttemptError on 5xx, 408, 429, timeouts and network faults (retried).
 */
export function notifyActivity(deps: Pick<ActivityDeps, 'notifier' | 'config' | 'signer' | 'records' | 'logger'>) {
  return async function notify(input: NotifyInput): Promise<NotifyAnswer | undefined> {
    const url = input.request.notify?.webhookUrl;
    if (!url) return undefined;
    const event = input.bulk ? bulkWebhookEvent(input, deps.config) : webhookEvent(input, deps.config, deps.signer);
    const { delivery } = input;
    if (!delivery) return deps.notifier.send(url, event);
    const info = Context.current().info;
    try {
      const answer = await deps.notifier.send(url, event);
      const recorded = await recordAttempt(deps, input, delivery, info, { answer });
      return recorded ? { ...answer, recorded } : answer;
    } catch (err) {
      await recordAttempt(deps, input, delivery, info, { err });
      throw err;
    }
  };
}

/**
 * The JSON body for `input`. `download_url` is a signed link (no credentials needed) valid for
 * `notifyUrlTtlSeconds` from the delivery's `linkSignedAt` (else `occurredAt`) when `signer` is given
 * (so retries send the same body), else the API's authenticated download route; both under `publicUrl`.
 */
export function webhookEvent(input: NotifyInput, config: Pick<Config, 'publicUrl' | 'apiHost' | 'apiPort' | 'notifyUrlTtlSeconds'>, signer?: UrlSigner): WebhookEvent {
  const { request, report, error } = input;
  const base = (config.publicUrl ?? `http://${config.apiHost}:${config.apiPort}`).replace(/\/+$/, '');
  const signedFromMs = Date.parse(input.delivery?.linkSignedAt ?? input.occurredAt) || Date.now();
  const downloadUrl = (r: ExportedReport) =>
    signer
      ? signer.sign(base, { tenantId: request.tenantId, reportId: request.id, sha256: r.sha256 }, config.notifyUrlTtlSeconds, signedFromMs).url
      : `${base}/v1/reports/${encodeURIComponent(request.id)}/download`;
  return {
    event_id: webhookEventId(request.id, input.type),
    type: input.type,
    occurred_at: input.occurredAt,
    request_id: request.id,
    tenant_id: request.tenantId,
    report_code: request.reportCode,
    status: input.status,
    ...(report
      ? {
          report: {
            ...fileFactsToWire(report),
            download_url: downloadUrl(report),
            ...(report.deliveries?.length
              ? { deliveries: report.deliveries.map((d) => ({ variant: d.variant, uri: d.uri, ...(d.downloadUrl ? { download_url: d.downloadUrl } : {}) })) }
              : {}),
          },
        }
      : {}),
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
  };
}
