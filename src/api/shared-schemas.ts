/**
 * JSON Schemas every resource shares: the one error body, ids in paths, report codes, metadata,
 * instants, paging. What fastify validates and serialises, and what /openapi.json publishes.
 */
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

/** One report code, as a pattern to build lists of them from. */
export const REPORT_CODE_ITEM = '[A-Z][A-Z0-9_]{1,63}';

/** A report code as the catalog defines them (src/catalog/report-definition.ts). */
export const REPORT_CODE = { type: 'string', pattern: `^${REPORT_CODE_ITEM}$` } as const;

/** A list's filter on a tenant template (its runs' report code is `TEMPLATE_<id>`); not with `report_code`. */
export const TEMPLATE_FILTER = { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$', description: 'Only those that run this tenant template; not with `report_code`.' } as const;

/** Free client key/values: up to 20 keys of `[A-Za-z0-9_.-]{1,64}`, string values up to 512 characters. */
export const METADATA = {
  type: 'object',
  maxProperties: 20,
  propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,64}$' },
  additionalProperties: text(512, 0),
} as const;

/** An instant as a query or body field (ISO-8601 with offset). */
export const ISO_INSTANT = { type: 'string', format: 'date-time', maxLength: 64 } as const;
/** A page cursor as a query or body field: the `next_cursor` of the previous page. */
export const PAGE_CURSOR = { type: 'string', minLength: 1, maxLength: 400, pattern: '^[A-Za-z0-9_-]+$', description: 'The next_cursor of the previous page.' } as const;
/** Page size of a listing: 1–100, default 20. */
export const PAGE_LIMIT = { type: 'integer', minimum: 1, maximum: 100, default: 20 } as const;

/** A keyset page of `item`s: `next_cursor` (null on the last page) and `total`, the count of every match. */
export function pageOf<T extends object>(item: T) {
  return {
    type: 'object',
    required: ['items', 'next_cursor', 'total'],
    properties: { items: { type: 'array', items: item }, next_cursor: { type: ['string', 'null'] }, total: { type: 'integer' } },
  } as const;
}
