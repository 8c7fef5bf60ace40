/**
 * JSON Schemas of the report endpoints (list, search, read, delete, download): what fastify validates
 * and serialises, and what /openapi.json publishes.
 */
import { FORMAT_MEDIA_TYPES } from '../negotiation.js';
import { REQUEST_LIST_QUERY, REQUEST_SEARCH_BODY } from '../report-requests/schemas.js';
import { ISO_INSTANT, PAGE_CURSOR, PAGE_LIMIT, pageOf } from '../shared-schemas.js';
import { text } from '../text-schema.js';

const isoInstant = ISO_INSTANT;
const cursor = PAGE_CURSOR;
const limit = PAGE_LIMIT;

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
