/**
 * Notifications sent when a run ends.
 */

/** The JSON body POSTed to a webhook. `event_id` is stable per run and event, for de-duplication. */
export interface WebhookEvent {
  event_id: string;
  type: 'report.succeeded' | 'report.failed' | 'report.cancelled';
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

export interface WebhookNotifier {
  /**
   * POSTs `event` as JSON to `url`.
   * @throws ReportError('WEBHOOK_REJECTED') on a 4xx answer (not retried).
   * @throws Error on 5xx, timeouts and network faults (retried by the activity's retry policy).
   */
  send(url: string, event: WebhookEvent): Promise<void>;
}
