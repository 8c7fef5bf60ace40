/**
 * Wire forms (snake_case) of request and report records, and how a request's current state is
 * assembled: the stored record, with the live stage from Temporal while the run is still going.
 */
import { createHash } from 'node:crypto';
import type { RenderedFile } from '../domain/artifacts.js';
import { fileFactsToWire } from '../domain/file-facts.js';
import type { ReportRequest } from '../domain/report-request.js';
import { runOrigin } from '../domain/run-origin.js';
import type { RunError, RunStatus, Stage } from '../domain/run-status.js';
import { FINAL_STATUSES, type Page, type ReportRecord, type RequestRecord, type WebhookDeliveryRecord } from '../records/records.js';
import type { RunGateway, RunView } from '../temporal/report-runs.js';
import { exportLocationToBody } from './export-location-wire.js';
import type { Links } from './wire.js';

/** The file of a request as its view shows it: from the record, or from the run while it is not yet recorded. */
export type RequestFile = RenderedFile & { deletedAt?: string };

/** A request with its current state. Instants are ISO-8601 (UTC). */
export interface RequestState {
  request: ReportRequest;
  status: RunStatus;
  stage: Stage | null;
  createdAt: string;
  updatedAt?: string;
  completedAt?: string;
  report?: RequestFile;
  error?: RunError;
  notifyError?: RunError;
  /** Newest first. */
  webhookDeliveries?: WebhookDeliveryRecord[];
}

/** The state as recorded. */
export function stateOfRecord(record: RequestRecord): RequestState {
  return withoutUndefined({
    request: record.request,
    status: record.status,
    stage: record.stage,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    completedAt: record.completedAt,
    report: record.report,
    error: record.error,
    notifyError: record.notifyError,
    webhookDeliveries: record.webhookDeliveries,
  });
}

/**
 * The current state of `record`: as recorded once final; while not, the live view from Temporal
 * (status, stage, outcome), falling back to the record when Temporal no longer knows the run or
 * cannot be reached.
 */
export async function currentState(runs: RunGateway, record: RequestRecord): Promise<RequestState> {
  const recorded = stateOfRecord(record);
  if (FINAL_STATUSES.includes(record.status)) return recorded;
  let live: RunView | undefined;
  try {
    live = await runs.get(record.request.tenantId, record.request.id);
  } catch {
    return recorded;
  }
  if (!live) return recorded;
  // Temporal says PENDING until the run's first workflow task completes; an inline run records its
  // progress from local activities inside that task, so the record is ahead: it tells more.
  if (live.status === 'PENDING' && record.status !== 'PENDING') return recorded;
  return withoutUndefined({
    ...recorded,
    status: live.status,
    stage: live.stage,
    completedAt: live.completedAt ?? recorded.completedAt,
    report: recorded.report ?? live.report,
    error: live.error,
    notifyError: live.notifyError ?? recorded.notifyError,
  });
}

/**
 * The state of a run Temporal knows but the records do not (yet): a subscription's run before its
 * first record write, or one whose writes failed. `createdAt` is the request's `requestedAt`.
 */
export function stateOfRun(live: RunView): RequestState {
  return withoutUndefined({
    request: live.request,
    status: live.status,
    stage: live.stage,
    createdAt: live.request.requestedAt,
    completedAt: live.completedAt,
    report: live.report,
    error: live.error,
    notifyError: live.notifyError,
  });
}

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

/** The wire view of a report (see `REPORT_VIEW`). */
export function reportToWire(report: ReportRecord, links: Links) {
  const enc = encodeURIComponent(report.id);
  return {
    id: report.id,
    request_id: report.requestId,
    report_code: report.reportCode,
    customer_id: report.customerId ?? null,
    ...fileFactsToWire(report),
    created_at: report.createdAt,
    deleted_at: report.deletedAt ?? null,
    links: {
      self: `${links.baseUrl}/v1/reports/${enc}`,
      download: `${links.baseUrl}/v1/reports/${enc}/download`,
      download_url: `${links.baseUrl}/v1/reports/${enc}/download-url`,
      request: `${links.baseUrl}/v1/report-generate-requests/${encodeURIComponent(report.requestId)}`,
    },
  };
}

/** A page in wire form. */
export function pageToWire<T, W>(page: Page<T>, toWire: (item: T) => W) {
  return { items: page.items.map(toWire), next_cursor: page.nextCursor, total: page.total };
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

/**
 * SHA-256 (hex) of a JSON body in canonical form (object keys sorted at every level), so the same
 * request sent with its keys in another order counts as the same body for `Idempotency-Key`.
 */
export function canonicalBodySha256(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
