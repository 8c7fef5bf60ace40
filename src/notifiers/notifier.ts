/**
 * Notifications sent when a run ends.
 */
import { ReportError } from '../domain/errors.js';
import type { BulkEventType, WebhookEventType } from '../domain/webhook-delivery.js';

/** The JSON body POSTed to a webhook. `event_id` is stable per run and event, for de-duplication. */
export interface WebhookEvent {
  event_id: string;
  type: WebhookEventType;
  occurred_at: string;
  request_id: string;
  tenant_id: string;
  report_code: string;
  status: string;
  report?: {
    file_name: string;
    content_type: string;
    size_bytes: number;
    sha256: string;
    rows: number;
    pages?: number;
    download_url: string;
    /** Bucket copies; `download_url` is presigned and time-limited where the destination signs (S3). */
    deliveries?: { variant: 'GCS' | 'S3' | 'BIGQUERY'; uri: string; download_url?: string }[];
  };
  error?: { code: string; message: string };
}

/**
 * The JSON body of a bulk run's completion event (`bulk_request.succeeded|failed|cancelled`): counts
 * are documents (`ended` = succeeded + failed + cancelled); `zip` when the run made one (`size_bytes`
 * bytes, `sha256` hex); `links` are the API's authenticated routes.
 */
export interface BulkWebhookEvent {
  event_id: string;
  type: BulkEventType;
  occurred_at: string;
  bulk_request_id: string;
  tenant_id: string;
  report_code: string;
  status: string;
  total: number;
  ended: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  zip?: { size_bytes: number; sha256: string };
  links: { self: string; zip?: string };
}

/** What one POST that was taken got back: the receiver's 2xx status. */
export interface WebhookAnswer {
  httpStatus: number;
}

/**
 * A POST that did not deliver but may on a later attempt: a 5xx, 408 or 429 answer (`httpStatus`), a
 * timeout or a network fault. `reason` is short and safe to show the client (no URL path or query).
 */
export class WebhookAttemptError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WebhookAttemptError';
  }
}

/** The receiver refused the event for good (3xx or 4xx other than 408 and 429): `WEBHOOK_REJECTED`, with its status. */
export class WebhookRejectedError extends ReportError {
  constructor(
    readonly httpStatus: number,
    type: WebhookEventType,
  ) {
    super('WEBHOOK_REJECTED', `The webhook receiver answered ${httpStatus} to ${type}.`, [
      { field: 'notify.webhook_url', code: 'WEBHOOK_REJECTED', message: `answered ${httpStatus}` },
    ]);
  }
}

export interface WebhookNotifier {
  /**
   * POSTs `event` as JSON to `url`.
   * @returns the receiver's 2xx status.
   * @throws WebhookRejectedError (ReportError `WEBHOOK_REJECTED`) on a final refusal (not retried).
   * @throws ReportError('WEBHOOK_ADDRESS_REFUSED') for a private address that is not allow-listed.
   * @throws WebhookAttemptError on 5xx, 408, 429, timeouts and network faults (retried by the activity's retry policy).
   */
  send(url: string, event: WebhookEvent | BulkWebhookEvent): Promise<WebhookAnswer>;
}
