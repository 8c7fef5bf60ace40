/**
 * A report request's body on the wire (snake_case) and its mapping to the camelCase domain request.
 */
import { namedValue, ReportError } from '../../domain/errors.js';
import { checkExportLocations } from '../../domain/export-locations.js';
import {
  OUTPUT_FORMATS,
  type Language,
  type OutputFormat,
  type ReportFilters,
  type ReportRequest,
} from '../../domain/report-request.js';
import { isNested, toExternalLocation, type ExportLocationBody } from '../export-location-wire.js';

/** `POST /v1/report-generate-requests` body, after schema validation (see `CREATE_REQUEST_BODY`). */
export interface CreateRequestBody {
  report_code: string;
  parameter_values?: { name: string; value: string | number | boolean | null }[];
  /** Absent: chosen from the `Accept` header (src/api/negotiation.ts). */
  format?: string;
  language?: string;
  timezone?: string;
  customer_id?: string;
  invoice_id?: string;
  notify?: { webhook_url?: string; emails?: string[] };
  export_location?: ExportLocationBody | ExportLocationBody[];
  filters?: ReportFilters;
  metadata?: Record<string, string>;
  generate_at?: string;
  csv_comment_lines?: boolean;
  /** Dintero-style period, half-open, instead of the period parameters (src/api/report-requests/data-range.ts). */
  data_from?: string;
  data_to?: string;
  /** A tenant template to run instead of a catalog report (src/api/report-requests/template-runs.ts resolves it). */
  template_id?: string;
}

/**
 * What a request gets for a field its body leaves out: `timezone` (the configured default zone),
 * and `format` / `language` when the `Accept` / `Accept-Language` headers chose them.
 */
export interface RequestDefaults {
  timezone?: string;
  format?: OutputFormat;
  language?: Language;
}

/**
 * Builds the domain request from a validated body. `format` is upper-cased, `language` lower-cased; body fields win over
 * `defaults`; without either, `language` is `en` and `timezone` `UTC`. `requestedAt`: ISO-8601 instant.
 * @throws ReportError('FORMAT_UNSUPPORTED') when `format` is not one of PDF, HTML, CSV, XML, XLSX, TXT.
 * @throws ReportError('REQUEST_INVALID') on `format` when neither the body nor `defaults` has one.
 * @throws ReportError('PATH_FORMAT_INVALID' | 'EXPORT_LOCATION_INVALID') for a bad bucket location, or flat
 *   and nested location fields that disagree.
 * @throws ReportError('PARAMETER_UNKNOWN' | 'REQUEST_INVALID') for a top-level `invoice_id` of another
 *   report, or one that disagrees with `parameter_values`.
 */
export function toReportRequest(body: CreateRequestBody, ids: { id: string; tenantId: string; requestedAt: string }, defaults: RequestDefaults = {}): ReportRequest {
  const format = body.format?.toUpperCase() ?? defaults.format;
  if (format === undefined) {
    throw new ReportError('REQUEST_INVALID', '`format` is required unless the Accept header names one of the report\'s media types.', [
      { field: 'format', code: 'REQUEST_INVALID', message: `Required: one of ${OUTPUT_FORMATS.join(', ')}, or an Accept header naming its media type.` },
    ]);
  }
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new ReportError('FORMAT_UNSUPPORTED', `${namedValue(body.format, 'The requested format')} is not an output format.`, [
      { field: 'format', code: 'FORMAT_UNSUPPORTED', message: `Use one of ${OUTPUT_FORMATS.join(', ')}.` },
    ]);
  }
  const request: ReportRequest = {
    id: ids.id,
    tenantId: ids.tenantId,
    reportCode: body.report_code,
    parameterValues: parameterValuesOf(body),
    format: format as OutputFormat,
    // An unsupported language is refused by validateRequest with LANGUAGE_UNSUPPORTED.
    language: (body.language?.toLowerCase() ?? defaults.language ?? 'en') as Language,
    timezone: body.timezone ?? defaults.timezone ?? 'UTC',
    requestedAt: ids.requestedAt,
    exportLocation: { variant: 'LOCAL' },
  };
  if (body.customer_id !== undefined) request.customerId = body.customer_id;
  if (body.filters !== undefined && Object.keys(body.filters).length) request.filters = body.filters;
  if (body.csv_comment_lines === true) {
    if (format !== 'CSV') {
      throw new ReportError('REQUEST_INVALID', '`csv_comment_lines` is for CSV files only.', [
        { field: 'csv_comment_lines', code: 'REQUEST_INVALID', message: `Only with format CSV, not ${format}.` },
      ]);
    }
    request.csvCommentLines = true;
  }
  if (body.metadata !== undefined && Object.keys(body.metadata).length) request.metadata = body.metadata;
  if (body.generate_at !== undefined) request.generateAt = generateAtOf(body.generate_at, Date.parse(ids.requestedAt));
  if (body.notify?.webhook_url !== undefined || body.notify?.emails?.length) {
    request.notify = {
      ...(body.notify.webhook_url !== undefined ? { webhookUrl: body.notify.webhook_url } : {}),
      ...(body.notify.emails?.length ? { emails: body.notify.emails } : {}),
    };
  }
  const locations = body.export_location === undefined ? [] : Array.isArray(body.export_location) ? body.export_location : [body.export_location];
  const fieldOf = (i: number) => (Array.isArray(body.export_location) ? `export_location[${i}]` : 'export_location');
  const external = locations.flatMap((l, i) => (l.variant === 'LOCAL' ? [] : [{ body: l, field: fieldOf(i) }]));
  if (external.length) {
    request.exportLocations = external.map((l) => toExternalLocation(l.body, l.field));
    // A problem with a nested location is named on its nested field (`export_location.s3.bucket_path`).
    checkExportLocations(request, (i) => (isNested(external[i]!.body) ? `${external[i]!.field}.${external[i]!.body.variant.toLowerCase()}` : external[i]!.field));
  }
  return request;
}

/** The report whose `invoice_id` parameter the top-level `invoice_id` stands for (Solvimon's request shape, issue 14). */
const INVOICE_REPORT = 'INVOICE';

/**
 * `parameter_values`, with the top-level `invoice_id` added as the INVOICE report's parameter.
 * @throws ReportError('PARAMETER_UNKNOWN') on `invoice_id` for another report; ReportError('REQUEST_INVALID')
 *   on `invoice_id` when `parameter_values` gives another one.
 */
function parameterValuesOf(body: CreateRequestBody): ReportRequest['parameterValues'] {
  const values = (body.parameter_values ?? []).map((p) => ({ name: p.name, value: p.value }));
  const invoiceId = body.invoice_id;
  if (invoiceId === undefined) return values;
  if (body.report_code !== INVOICE_REPORT) {
    throw new ReportError('PARAMETER_UNKNOWN', `\`invoice_id\` is a parameter of the ${INVOICE_REPORT} report only, not of ${body.report_code}.`, [
      { field: 'invoice_id', code: 'PARAMETER_UNKNOWN', message: `only for report_code ${INVOICE_REPORT}` },
    ]);
  }
  const given = values.filter((p) => p.name === 'invoice_id');
  if (given.some((p) => String(p.value) !== invoiceId)) {
    throw new ReportError('REQUEST_INVALID', '`invoice_id` and `parameter_values.invoice_id` disagree; give one, or the same value in both.', [
      { field: 'invoice_id', code: 'REQUEST_INVALID', message: 'disagrees with parameter_values.invoice_id' },
    ]);
  }
  return given.length ? values : [...values, { name: 'invoice_id', value: invoiceId }];
}

/** Tolerated clock skew for a `generate_at` slightly in the past, in ms. */
const GENERATE_AT_SKEW_MS = 60_000;
/** How far ahead `generate_at` may be, in ms (366 days). */
const GENERATE_AT_MAX_AHEAD_MS = 366 * 24 * 3_600_000;

/**
 * `generate_at` as a UTC instant. Up to a minute in the past counts as "now" (clock skew).
 * @throws ReportError('GENERATE_AT_INVALID') when further in the past, or more than 366 days ahead.
 */
function generateAtOf(value: string, nowMs: number): string {
  const at = Date.parse(value);
  if (Number.isNaN(at) || at < nowMs - GENERATE_AT_SKEW_MS || at > nowMs + GENERATE_AT_MAX_AHEAD_MS) {
    throw new ReportError('GENERATE_AT_INVALID', '`generate_at` must be a future instant within 366 days.', [
      { field: 'generate_at', code: 'GENERATE_AT_INVALID', message: 'Must be in the future, at most 366 days ahead.' },
    ]);
  }
  return new Date(at).toISOString();
}
