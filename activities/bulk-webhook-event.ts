/**
 * The JSON body of a bulk run's completion event, sent by the notify activity like a report run's
 * event (same delivery workflow, signature, retries and records). Built from workflow facts only, so
 * every attempt and redelivery sends the same body under the same `event_id`.
 */
import type { Config } from '../src/config/settings.js';
import { isReportEventType, webhookEventId } from '../src/domain/webhook-delivery.js';
import type { BulkWebhookEvent } from '../src/notifiers/notifier.js';
import type { NotifyInput } from './notify.js';

/**
 * @param input a notify input with `bulk` set; `input.request.id` is the bulk id.
 * @returns the body; `event_id` is `<bulk id>:<type>`, e.g. `<bulk id>:bulk_request.succeeded`.
 * @throws Error when `input` is a report run's event (no `bulk` counts, or a `report.*` type).
 */
export function bulkWebhookEvent(input: NotifyInput, config: Pick<Config, 'publicUrl' | 'apiHost' | 'apiPort'>): BulkWebhookEvent {
  const { request, bulk, type } = input;
  if (!bulk || isReportEventType(type)) throw new Error(`not a bulk run's event: ${type}`);
  const base = (config.publicUrl ?? `http://${config.apiHost}:${config.apiPort}`).replace(/\/+$/, '');
  const self = `${base}/v1/report-bulk-requests/${encodeURIComponent(request.id)}`;
  return {
    event_id: webhookEventId(request.id, type),
    type,
    occurred_at: input.occurredAt,
    bulk_request_id: request.id,
    tenant_id: request.tenantId,
    report_code: request.reportCode,
    status: input.status,
    total: bulk.total,
    ended: bulk.succeeded + bulk.failed + bulk.cancelled,
    succeeded: bulk.succeeded,
    failed: bulk.failed,
    cancelled: bulk.cancelled,
    ...(bulk.zip ? { zip: { size_bytes: bulk.zip.sizeBytes, sha256: bulk.zip.sha256 } } : {}),
    links: { self, ...(bulk.zip ? { zip: `${self}/zip` } : {}) },
  };
}
