/**
 * JSON Schemas of `/v1/report-bulk-requests` (snake_case). The report fields are those of
 * `POST /v1/report-generate-requests`; `parameter_values` are the report's keys query's (its `bulk.parameters`).
 */
import { BULK_STATUSES, MAX_BULK_CONCURRENCY, DEFAULT_BULK_CONCURRENCY } from '../../domain/bulk-request.js';
import { CREATE_REQUEST_BODY } from '../report-requests/body-schema.js';

const { report_code, parameter_values, format, language, timezone, filters, metadata, notify } = CREATE_REQUEST_BODY.properties;

/** `POST /v1/report-bulk-requests`. */
export const CREATE_BULK_BODY = {
  type: 'object',
  required: ['report_code', 'format'],
  additionalProperties: false,
  examples: [
    { report_code: 'INVOICE', format: 'PDF', timezone: 'Europe/London', parameter_values: [{ name: 'from_date', value: '2011-12-01' }, { name: 'to_date', value: '2011-12-09' }] },
  ],
  properties: {
    report_code: { ...report_code, description: 'A report with a bulk run (`bulk` in `GET /v1/report-definitions`).' },
    parameter_values: { ...parameter_values, description: 'The keys query\'s parameters (the report\'s `bulk.parameters`), e.g. the period whose invoices to make.' },
    format, language, timezone,
    filters: { ...filters, description: 'Row filters of every document, as for one run of the report.' },
    metadata: { ...metadata, description: 'Kept with every document\'s request, besides `bulk_request_id`.' },
    concurrency: { type: 'integer', minimum: 1, maximum: MAX_BULK_CONCURRENCY, default: DEFAULT_BULK_CONCURRENCY, description: 'Documents in production at once.' },
    notify: {
      type: 'object',
      required: ['webhook_url'],
      additionalProperties: false,
      description: 'Where the bulk run\'s one completion event goes (`bulk_request.succeeded`, `bulk_request.failed` or `bulk_request.cancelled`), signed and retried like a report run\'s. Webhook only: bulk runs send no emails, and their documents send no events of their own.',
      properties: { webhook_url: notify.properties.webhook_url },
    },
    zip: { type: 'boolean', default: false, description: 'When true, the run ends by putting every SUCCEEDED document into one ZIP (`GET /v1/report-bulk-requests/{id}/zip`).' },
  },
} as const;

/** Bulk request ids in paths (uuidv7, as the API gives them). */
export const BULK_ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' } },
} as const;

/** A bulk run as `GET /v1/report-bulk-requests/{id}` and the create answer show it. */
export const BULK_VIEW = {
  type: 'object',
  required: ['id', 'report_code', 'status'],
  properties: {
    id: { type: 'string' },
    report_code: { type: 'string' },
    format: { type: 'string' },
    language: { type: 'string' },
    timezone: { type: 'string' },
    key_parameter: { type: 'string', description: 'The report parameter each document\'s key fills, e.g. `invoice_id`.' },
    parameter_values: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, value: {} } } },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    concurrency: { type: 'integer' },
    status: { type: 'string', enum: [...BULK_STATUSES], description: 'RUNNING until every document has ended; SUCCEEDED when all succeeded, FAILED when any failed (the others are made all the same), CANCELLED.' },
    total: { type: ['integer', 'null'], description: 'Documents in all: the keys the keys query returned when the run began (null until counted).' },
    ended: { type: 'integer', description: 'Documents ended so far.' },
    started: { type: ['integer', 'null'] },
    succeeded: { type: ['integer', 'null'] },
    failed: { type: ['integer', 'null'] },
    cancelled: { type: ['integer', 'null'] },
    failures: {
      type: 'array',
      description: 'The first 20 documents that failed: key, request id and error code.',
      items: { type: 'object', properties: { key: { type: 'string' }, request_id: { type: 'string' }, code: { type: 'string' } } },
    },
    approximate: { type: 'boolean', description: 'True when no worker answered in time: status, total and ended are as the run last wrote them, and the other counts are null.' },
    requested_at: { type: 'string' },
    completed_at: { type: ['string', 'null'] },
    zip: {
      type: ['object', 'null'],
      description: 'The ZIP of the SUCCEEDED documents once made (requests with `zip: true`); null before, and for runs without one.',
      properties: {
        file_name: { type: 'string' },
        size_bytes: { type: 'integer', description: 'Bytes.' },
        sha256: { type: 'string', description: 'SHA-256 of the ZIP, hex.' },
        entries: { type: 'integer', description: 'Documents in it.' },
        download_url: { type: 'string', description: 'The authenticated download route.' },
      },
    },
    zip_error: { type: ['object', 'null'], description: 'Why the ZIP could not be made; the run then ended FAILED.', properties: { code: { type: 'string' }, message: { type: 'string' } } },
    notify: { type: ['object', 'null'], properties: { webhook_url: { type: 'string' } } },
    links: { type: 'object', properties: { self: { type: 'string' }, zip: { type: 'string' } } },
    documents_search: { type: 'object', additionalProperties: true, description: 'The search body that lists this bulk run\'s documents (`POST /v1/report-generate-requests/search`).' },
  },
} as const;

/** `GET /v1/report-bulk-requests/{id}/zip`. */
export const ZIP_RESPONSE = {
  description: 'The ZIP of the bulk run\'s SUCCEEDED documents, one entry per document under its own file name.',
  headers: {
    'Content-Disposition': { type: 'string', description: '`attachment; filename="<code>_bulk_<id>.zip"`.' },
    'X-Checksum-Sha256': { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the ZIP, hex.' },
  },
  content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
} as const;
