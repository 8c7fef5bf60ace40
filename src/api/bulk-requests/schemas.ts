/**
 * JSON Schemas of `/v1/report-bulk-requests` (snake_case). The report fields are those of
 * `POST /v1/report-generate-requests`; `parameter_values` are the report's keys query's (its `bulk.parameters`).
 */
import { BULK_STATUSES, MAX_BULK_CONCURRENCY, DEFAULT_BULK_CONCURRENCY } from '../../domain/bulk-request.js';
import { CREATE_REQUEST_BODY } from '../report-requests/body-schema.js';

const { report_code, parameter_values, format, language, timezone, filters, metadata } = CREATE_REQUEST_BODY.properties;

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
    links: { type: 'object', properties: { self: { type: 'string' } } },
    documents_search: { type: 'object', additionalProperties: true, description: 'The search body that lists this bulk run\'s documents (`POST /v1/report-generate-requests/search`).' },
  },
} as const;
