/**
 * The wire form (snake_case) of a request with its state (assembled by src/requests/request-state.ts)
 * and of its webhook deliveries.
 */
import { fileFactsToWire } from '../../domain/file-facts.js';
import { runOrigin } from '../../domain/run-origin.js';
import type { RunError } from '../../domain/run-status.js';
import type { WebhookDeliveryRecord } from '../../records/records.js';
import type { RequestState } from '../../requests/request-state.js';
import { exportLocationToBody } from '../export-location-wire.js';
import type { Links } from '../links.js';

/** Links of a request. */
export function requestLinks(links: Links, id: string) {
  const enc = encodeURIComponent(id);
  return {
    self: `${links.baseUrl}/v1/report-generate-requests/${enc}`,
    download: `${links.baseUrl}/v1/reports/${enc}/download`,
    cancel: `${links.baseUrl}/v1/report-generate-requests/${enc}/cancel`,
  };
}

/** The wire view of a request (see `REQUEST_VIEW`). */
export function requestToWire(state: RequestState, links: Links) {
  const { request } = state;
  const l = requestLinks(links, request.id);
  return {
    id: request.id,
    report_code: request.reportCode,
    parameter_values: request.parameterValues.map((p) => ({ name: p.name, value: p.value })),
    ...(request.filters && Object.keys(request.filters).length ? { filters: request.filters } : {}),
    ...(request.csvCommentLines ? { csv_comment_lines: true } : {}),
    format: request.format,
    language: request.language,
    timezone: request.timezone,
    customer_id: request.customerId ?? null,
    metadata: request.metadata ?? {},
    generate_at: request.generateAt ?? null,
    ...runOriginToWire(runOrigin(request)),
    ...(request.templateId ? { template_id: request.templateId, template_version: request.templateVersion } : {}),
    ...(request.reportConfigurationId ? { report_configuration_id: request.reportConfigurationId, report_configuration_version: request.reportConfigurationVersion } : {}),
    ...(request.exportLocations?.length ? { export_location: [{ variant: 'LOCAL' as const }, ...request.exportLocations.map(exportLocationToBody)] } : {}),
    status: state.status,
    stage: state.stage,
    created_at: state.createdAt,
    ...(state.updatedAt ? { updated_at: state.updatedAt } : {}),
    ...(state.completedAt ? { completed_at: state.completedAt } : {}),
    ...(state.report
      ? {
          report: {
            id: request.id,
            ...fileFactsToWire(state.report),
            download_url: l.download,
            ...(state.report.deletedAt ? { deleted_at: state.report.deletedAt } : {}),
          },
        }
      : {}),
    ...(state.error ? { error: errorToWire(state.error) } : {}),
    ...(state.notifyError ? { notify_error: errorToWire(state.notifyError) } : {}),
    ...(state.webhookDeliveries?.length ? { webhook_deliveries: state.webhookDeliveries.map(deliveryToWire) } : {}),
    links: l,
  };
}

function runOriginToWire(origin: ReturnType<typeof runOrigin>) {
  return { run_type: origin.runType, report_subscription_id: origin.reportSubscriptionId };
}

/** The wire view of a webhook delivery (see `WEBHOOK_DELIVERY_VIEW`); unknown facts are null. */
export function deliveryToWire(d: WebhookDeliveryRecord) {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    redelivery: d.redelivery,
    status: d.status,
    attempts: d.attempts,
    last_attempt_at: d.lastAttemptAt ?? null,
    last_http_status: d.lastHttpStatus ?? null,
    last_error: d.lastError ?? null,
    next_attempt_at: d.nextAttemptAt ?? null,
    delivered_at: d.deliveredAt ?? null,
    ...(d.error ? { error: errorToWire(d.error) } : {}),
    created_at: d.createdAt,
  };
}

function errorToWire(error: RunError) {
  return { code: error.code, message: error.message, errors: error.errors.map((e) => ({ field: e.field, code: e.code, message: e.message })) };
}
