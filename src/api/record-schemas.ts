/**
 * JSON Schemas of the record endpoints (requests listing/search/cancel, reports): what fastify
 * validates and serialises, and what /openapi.json publishes. Response schemas list every field a
 * response may carry, so nothing else can leak into one.
 */
import { FORMAT_MEDIA_TYPES } from './negotiation.js';
import { RUN_TYPES } from '../domain/report-request.js';
import { RUN_STATUSES, STAGES } from '../domain/run-status.js';
import { DELIVERY_STATUSES } from '../domain/webhook-delivery.js';
import { EXPORT_LOCATION_VIEW } from './export-location-schema.js';
import { RUN_ID_PATTERN } from '../requests/request-id.js';
import { text } from './text-schema.js';

/** The one error body of every 4xx/5xx answer. */
export const ERROR_RESPONSE = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'errors'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', description: 'Stable error code (README "Error codes").' },
        message: { type: 'string' },
        errors: {
          type: 'array',
          items: {
            type: 'object',
            required: ['field', 'code', 'message'],
            additionalProperties: false,
            properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;

/**
 * Request and report ids in paths: UUIDs, and the ids subscriptions give their runs
 * (`RUN_ID_PATTERN`). Any other text is simply not found (404), like another tenant's id.
 */
export const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: RUN_ID_PATTERN.source } },
} as const;

const statusList = `(${RUN_STATUSES.join('|')})`;
const runTypeList = `(${RUN_TYPES.join('|')})`;
/** A subscription id as the API gives them (its runs' `report_subscription_id`). */
const SUBSCRIPTION_ID = { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' } as const;
const codeItem = '[A-Z][A-Z0-9_]{1,63}';

/** A report code as the catalog defines them (src/catalog/report-definition.ts). */
export const REPORT_CODE = { type: 'string', pattern: `^${codeItem}$` } as const;

/** A list's filter on a tenant template (its runs' report code is `TEMPLATE_<id>`); not with `report_code`. */
export const TEMPLATE_FILTER = { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$', description: 'Only those that run this tenant template; not with `report_code`.' } as const;

/** Free client key/values: up to 20 keys of `[A-Za-z0-9_.-]{1,64}`, string values up to 512 characters. */
export const METADATA = {
  type: 'object',
  maxProperties: 20,
  propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,64}$' },
  additionalProperties: text(512, 0),
} as const;

const isoInstant = { type: 'string', format: 'date-time', maxLength: 64 } as const;
/** A page cursor as a query or body field: the `next_cursor` of the previous page. */
export const PAGE_CURSOR = { type: 'string', minLength: 1, maxLength: 400, pattern: '^[A-Za-z0-9_-]+$', description: 'The next_cursor of the previous page.' } as const;
const cursor = PAGE_CURSOR;
const limit = { type: 'integer', minimum: 1, maximum: 100, default: 20 } as const;

/** Query string of `GET /v1/report-generate-requests`. Lists are comma-separated. `created_to` is exclusive. */
export const REQUEST_LIST_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit,
    cursor,
    status: { type: 'string', pattern: `^${statusList}(,${statusList})*$`, description: 'e.g. RUNNING,PENDING' },
    report_code: { type: 'string', pattern: `^${codeItem}(,${codeItem})*$` },
    customer_id: text(64),
    created_from: isoInstant,
    created_to: isoInstant,
    run_type: { type: 'string', pattern: `^${runTypeList}(,${runTypeList})*$`, description: 'e.g. SCHEDULED,BACKFILL' },
    report_subscription_id: SUBSCRIPTION_ID,
  },
} as const;

/** Body of `POST /v1/report-generate-requests/search`. */
export const REQUEST_SEARCH_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit,
    cursor,
    status: { type: 'array', minItems: 1, maxItems: RUN_STATUSES.length, uniqueItems: true, items: { type: 'string', enum: [...RUN_STATUSES] } },
    report_code: { type: 'array', minItems: 1, maxItems: 50, uniqueItems: true, items: REPORT_CODE },
    customer_id: text(64),
    created_from: isoInstant,
    created_to: isoInstant,
    metadata: METADATA,
    run_type: { type: 'array', minItems: 1, maxItems: RUN_TYPES.length, uniqueItems: true, items: { type: 'string', enum: [...RUN_TYPES] } },
    report_subscription_id: SUBSCRIPTION_ID,
  },
} as const;

/** Query string of `GET /v1/reports`. */
export const REPORT_LIST_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit,
    cursor,
    report_code: REQUEST_LIST_QUERY.properties.report_code,
    customer_id: REQUEST_LIST_QUERY.properties.customer_id,
    created_from: isoInstant,
    created_to: isoInstant,
    include_deleted: { type: 'boolean', default: false },
  },
} as const;

/** Body of `POST /v1/reports/search`. */
export const REPORT_SEARCH_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit,
    cursor,
    report_code: REQUEST_SEARCH_BODY.properties.report_code,
    customer_id: REQUEST_SEARCH_BODY.properties.customer_id,
    created_from: isoInstant,
    created_to: isoInstant,
    include_deleted: { type: 'boolean', default: false },
  },
} as const;

const fieldError = ERROR_RESPONSE.properties.error.properties.errors.items;
const runError = {
  type: 'object',
  required: ['code', 'message', 'errors'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, errors: { type: 'array', items: fieldError } },
} as const;

/** A report file as the API shows it. */
export const REPORT_VIEW = {
  type: 'object',
  required: ['id', 'request_id', 'report_code', 'file_name', 'content_type', 'size_bytes', 'sha256', 'rows', 'created_at'],
  properties: {
    id: { type: 'string' },
    request_id: { type: 'string' },
    report_code: { type: 'string' },
    customer_id: { type: ['string', 'null'] },
    file_name: { type: 'string' },
    content_type: { type: 'string' },
    size_bytes: { type: 'integer', description: 'bytes' },
    sha256: { type: 'string' },
    rows: { type: 'integer' },
    pages: { type: 'integer' },
    created_at: { type: 'string', format: 'date-time' },
    deleted_at: { type: ['string', 'null'], format: 'date-time' },
    links: {
      type: 'object',
      properties: { self: { type: 'string' }, download: { type: 'string' }, download_url: { type: 'string' }, request: { type: 'string' } },
    },
  },
} as const;

/** The report of a request, inside the request's view. */
const requestReport = {
  type: 'object',
  required: ['id', 'file_name', 'content_type', 'size_bytes', 'sha256', 'rows', 'download_url'],
  properties: {
    id: { type: 'string' },
    file_name: { type: 'string' },
    content_type: { type: 'string' },
    size_bytes: { type: 'integer' },
    sha256: { type: 'string' },
    rows: { type: 'integer' },
    pages: { type: 'integer' },
    download_url: { type: 'string', description: 'The authenticated download route; GET /v1/reports/{id}/download-url gives a signed one.' },
    deleted_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const nullableInstant = { type: ['string', 'null'], format: 'date-time' } as const;

/** One delivery of the run's webhook event (README "Notifications"). */
export const WEBHOOK_DELIVERY_VIEW = {
  type: 'object',
  required: ['id', 'event_id', 'event_type', 'redelivery', 'status', 'attempts', 'created_at'],
  properties: {
    id: { type: 'string' },
    event_id: { type: 'string', description: 'The event\'s id, the same for every attempt and redelivery (`X-Reportflow-Event-Id`).' },
    event_type: { type: 'string', enum: ['report.succeeded', 'report.failed', 'report.cancelled'] },
    redelivery: { type: 'boolean', description: 'True for a delivery asked for with `…/webhook-deliveries/redeliver`.' },
    status: { type: 'string', enum: [...DELIVERY_STATUSES], description: 'PENDING (attempts go on), DELIVERED (a 2xx answer) or FAILED (see `error`).' },
    attempts: { type: 'integer', description: 'Attempts made so far.' },
    last_attempt_at: nullableInstant,
    last_http_status: { type: ['integer', 'null'], description: 'The receiver\'s HTTP status at the last attempt; null when it did not answer.' },
    last_error: { type: ['string', 'null'], description: 'Why the last attempt got no answer, e.g. `connection refused (ECONNREFUSED)`.' },
    next_attempt_at: { ...nullableInstant, description: 'When the next attempt is due (PENDING only).' },
    delivered_at: nullableInstant,
    error: runError,
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;

/** A report generate request with its state: every answer about one request. */
export const REQUEST_VIEW = {
  type: 'object',
  required: ['id', 'report_code', 'parameter_values', 'format', 'language', 'timezone', 'customer_id', 'metadata', 'generate_at', 'run_type', 'report_subscription_id', 'status', 'stage', 'created_at', 'links'],
  properties: {
    id: { type: 'string' },
    report_code: { type: 'string' },
    parameter_values: { type: 'array', items: { type: 'object', required: ['name', 'value'], properties: { name: { type: 'string' }, value: {} } } },
    filters: { type: 'object', additionalProperties: true },
    csv_comment_lines: { type: 'boolean', description: 'Present (true) when the CSV starts with `#` comment lines.' },
    format: { type: 'string' },
    language: { type: 'string' },
    timezone: { type: 'string' },
    customer_id: { type: ['string', 'null'] },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    generate_at: { type: ['string', 'null'], format: 'date-time' },
    run_type: { type: 'string', enum: [...RUN_TYPES], description: 'MANUAL (asked for with POST), SCHEDULED (a subscription\'s schedule) or BACKFILL (a subscription\'s backfill or trigger of an explicit period).' },
    report_subscription_id: { type: ['string', 'null'], description: 'The subscription whose run this is; null for MANUAL runs.' },
    template_id: { type: 'string', description: 'Present when the request ran a tenant template: its id.' },
    template_version: { type: 'integer', description: 'The version of that template the run rendered (later PUTs do not alter it).' },
    report_configuration_id: { type: 'string', description: 'Present when the request ran a saved report configuration: its id.' },
    report_configuration_version: { type: 'integer', description: 'The version of that configuration the run used (later changes do not alter it).' },
    export_location: { type: 'array', items: EXPORT_LOCATION_VIEW, description: 'Present when the request named locations besides LOCAL: LOCAL first, then those, each with its fields both flat and nested.' },
    status: { type: 'string', enum: [...RUN_STATUSES] },
    stage: { type: ['string', 'null'], enum: [...STAGES, null] },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    completed_at: { type: 'string', format: 'date-time' },
    report: requestReport,
    error: runError,
    notify_error: runError,
    webhook_deliveries: { type: 'array', items: WEBHOOK_DELIVERY_VIEW, description: 'Deliveries of the run\'s webhook event, newest first; absent until the run has ended.' },
    links: { type: 'object', required: ['self', 'download', 'cancel'], properties: { self: { type: 'string' }, download: { type: 'string' }, cancel: { type: 'string' } } },
  },
} as const;

/** A page of a listing: newest first; `total` counts every match; `next_cursor` is null on the last page. */
/** A keyset page of `item`s: `next_cursor` (null on the last page) and `total`, the count of every match. */
export function pageOf<T extends object>(item: T) {
  return {
    type: 'object',
    required: ['items', 'next_cursor', 'total'],
    properties: { items: { type: 'array', items: item }, next_cursor: { type: ['string', 'null'] }, total: { type: 'integer' } },
  } as const;
}

export const REQUEST_PAGE = pageOf(REQUEST_VIEW);
export const REPORT_PAGE = pageOf(REPORT_VIEW);

/** `GET /v1/reports/{id}/download-url`. */
export const DOWNLOAD_URL_RESPONSE = {
  type: 'object',
  required: ['url', 'expires_at'],
  properties: { url: { type: 'string' }, expires_at: { type: 'string', format: 'date-time' } },
} as const;

/** Query string of the signed file route. */
export const SIGNED_FILE_QUERY = {
  type: 'object',
  properties: { expires: text(20, 0), signature: text(128, 0) },
} as const;

/**
 * Media types of report files, one per output format: the renderers' content types without their
 * `charset` (src/render/*-renderer.ts; test/unit/api-openapi-document.test.ts checks they agree).
 */
export const REPORT_MEDIA_TYPES: readonly string[] = Object.values(FORMAT_MEDIA_TYPES);

const binary = { schema: { type: 'string', format: 'binary' } } as const;

/** A file answer (PDF, HTML, CSV, XML, XLSX or TXT bytes, as the report's format), for the OpenAPI document. */
export const FILE_RESPONSE = {
  description: 'The report file, with the report\'s own `Content-Type` (text types with `charset=utf-8`).',
  headers: {
    'Content-Disposition': { type: 'string', description: '`attachment; filename="<file_name>"`.' },
    'X-Checksum-Sha256': { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the file, hex.' },
  },
  content: Object.fromEntries(REPORT_MEDIA_TYPES.map((type) => [type, binary])),
} as const;
