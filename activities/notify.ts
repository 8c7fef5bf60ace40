/**
 * The notify activity: POSTs the run's outcome to the request's webhook. The event id is stable per
 * run and event type (`<request id>:<type>`), so a receiver can drop the duplicates that retries
 * may cause.
 */
import type { Config } from '../src/config/settings.js';
import type { ExportedReport } from '../src/domain/artifacts.js';
import { fileFactsToWire } from '../src/domain/file-facts.js';
import type { ReportRequest } from '../src/domain/report-request.js';
import type { RunError, RunStatus } from '../src/domain/run-status.js';
import type { WebhookEvent } from '../src/notifiers/notifier.js';
import type { UrlSigner } from '../src/downloads/signed-url.js';
import type { ActivityDeps } from './deps.js';

/** What the workflow knows when a run ends. `occurredAt`: ISO-8601 instant from workflow time, so retries send the same body. */
export interface NotifyInput {
  request: ReportRequest;
  type: WebhookEvent['type'];
  status: Extract<RunStatus, 'SUCCEEDED' | 'FAILED' | 'CANCELLED'>;
  occurredAt: string;
  report?: ExportedReport;
  error?: RunError;
}

/**
 * Does nothing when the request has no webhook.
 * @throws ReportError('WEBHOOK_REJECTED') on a 4xx answer (→ non-retryable); plain Error on 5xx,
 *   timeouts and network faults (retried).
 */
export function notifyActivity(deps: Pick<ActivityDeps, 'notifier' | 'config' | 'signer'>) {
  return async function notify(input: NotifyInput): Promise<void> {
    const url = input.request.notify?.webhookUrl;
    if (!url) return;
    await deps.notifier.send(url, webhookEvent(input, deps.config, deps.signer));
  };
}

/**
 * The JSON body for `input`. `download_url` is a signed link (no credentials needed) valid for
 * `notifyUrlTtlSeconds` from `occurredAt` when `signer` is given (so retries send the same body),
 * else the API's authenticated download route; both under `publicUrl`.
 */
export function webhookEvent(input: NotifyInput, config: Pick<Config, 'publicUrl' | 'apiHost' | 'apiPort' | 'notifyUrlTtlSeconds'>, signer?: UrlSigner): WebhookEvent {
  const { request, report, error } = input;
  const base = (config.publicUrl ?? `http://${config.apiHost}:${config.apiPort}`).replace(/\/+$/, '');
  const downloadUrl = (r: ExportedReport) =>
    signer
      ? signer.sign(base, { tenantId: request.tenantId, reportId: request.id, sha256: r.sha256 }, config.notifyUrlTtlSeconds, Date.parse(input.occurredAt) || Date.now()).url
      : `${base}/v1/reports/${encodeURIComponent(request.id)}/download`;
  return {
    event_id: `${request.id}:${input.type}`,
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
