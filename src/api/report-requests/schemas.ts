/**
 * JSON Schemas of the request endpoints (the view of a request with its state, listing, search): what
 * fastify validates and serialises, and what /openapi.json publishes. Response schemas list every
 * field a response may carry, so nothing else can leak into one.
 */
import { RUN_TYPES } from '../../domain/report-request.js';
import { RUN_STATUSES, STAGES } from '../../domain/run-status.js';
import { DELIVERY_STATUSES } from '../../domain/webhook-delivery.js';
import { EXPORT_LOCATION_VIEW } from '../export-location-schema.js';
import { ERROR_RESPONSE, ISO_INSTANT, METADATA, PAGE_CURSOR, PAGE_LIMIT, pageOf, REPORT_CODE, REPORT_CODE_ITEM } from '../shared-schemas.js';
import { text } from '../text-schema.js';

const statusList = `(${RUN_STATUSES.join('|')})`;
const runTypeList = `(${RUN_TYPES.join('|')})`;
/** A subscription id as the API gives them (its runs' `report_subscription_id`). */
const SUBSCRIPTION_ID = { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' } as const;
const codeItem = REPORT_CODE_ITEM;
const isoInstant = ISO_INSTANT;
const cursor = PAGE_CURSOR;
const limit = PAGE_LIMIT;

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

const fieldError = ERROR_RESPONSE.properties.error.properties.errors.items;
const runError = {
  type: 'object',
  required: ['code', 'message', 'errors'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, errors: { type: 'array', items: fieldError } },
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

export const REQUEST_PAGE = pageOf(REQUEST_VIEW);
