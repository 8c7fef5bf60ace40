/**
 * The error answers each operation documents in /openapi.json: every status it can give, each in the
 * one error shape, described by the codes behind it (README "Error codes"), with no `4XX`/`5XX`
 * catch-all, so a client (or a fuzzer) can rely on the list. Statuses the HTTP layer gives before any
 * route runs (408, 431) are listed on every operation, since any request can meet them.
 */
import { ERROR_RESPONSE } from './shared-schemas.js';

const RETRY_AFTER = { 'Retry-After': { type: 'string', pattern: '^[0-9]+$', description: 'Seconds to wait before retrying.' } } as const;

/** Statuses whose meaning is the same on every operation that can give them. */
const COMMON = {
  400: 'REQUEST_INVALID: the request does not match the schema, or the URL or body is malformed (the field in `errors`).',
  401: 'UNAUTHENTICATED: no credentials, or not valid ones (with `WWW-Authenticate: Bearer`).',
  403: 'FORBIDDEN: the credentials lack the permission the operation needs (named in `errors`).',
  408: 'REQUEST_TIMEOUT: the request was not received completely in time; the connection is closed.',
  413: 'REQUEST_TOO_LARGE: the body is larger than `REPORTFLOW_MAX_BODY_BYTES`.',
  429: 'RATE_LIMITED: more than `REPORTFLOW_RATE_LIMIT_PER_MINUTE` requests this minute; retry after `Retry-After` seconds.',
  431: 'REQUEST_HEADERS_TOO_LARGE: the request line and headers exceed 16 KiB; the connection is closed.',
  500: 'INTERNAL: an unexpected fault, logged by the service.',
  503: 'UNAVAILABLE: Temporal or the database did not answer in time, or the API is at its connection limit or shutting down; retry after `Retry-After` seconds.',
} as const;

type Status = 400 | 401 | 403 | 404 | 408 | 409 | 410 | 413 | 429 | 431 | 500 | 503;

/** One documented error status: the error body, its description and, for 429 and 503, `Retry-After`. */
function errorResponse(status: Status, description: string) {
  return { ...ERROR_RESPONSE, description, ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}) };
}

/** What an operation is, for the statuses every such operation can give. */
export interface OperationKind {
  /** Needs credentials (401, 403) and is rate limited (429). @default true */
  authenticated?: boolean;
  /** Takes a request body (413). @default false */
  body?: boolean;
}

/**
 * The error responses of an operation: the common ones its kind can give, and `specific` statuses
 * (e.g. `{404: 'NOT_FOUND: …'}`) described for this operation; a specific description replaces the
 * common one (e.g. a 400 that also has validation codes).
 */
export function errorResponses(kind: OperationKind, specific: Partial<Record<Status, string>> = {}): Partial<Record<Status, ReturnType<typeof errorResponse>>> {
  const authenticated = kind.authenticated ?? true;
  const statuses: Partial<Record<Status, string>> = {
    400: COMMON[400],
    ...(authenticated ? { 401: COMMON[401], 403: COMMON[403], 429: COMMON[429] } : {}),
    408: COMMON[408],
    ...(kind.body ? { 413: COMMON[413] } : {}),
    431: COMMON[431],
    500: COMMON[500],
    503: COMMON[503],
    ...specific,
  };
  return Object.fromEntries(Object.entries(statuses).map(([status, description]) => [status, errorResponse(Number(status) as Status, description)]));
}

/** 404 of an operation on one resource by id. */
/** The 404 of a body naming `report_configuration_id` (requests and subscriptions). */
export const CONFIGURATION_404 = 'REPORT_CONFIGURATION_NOT_FOUND: `report_configuration_id` names no configuration of this tenant (or a deleted one).';

/** 404 of a route whose body may name a `template_id`. */
export const TEMPLATE_404 = 'TEMPLATE_NOT_FOUND: `template_id` names no template of this tenant (or a deleted one).';

export const NOT_FOUND_BY_ID = 'NOT_FOUND: no such resource for this tenant (another tenant\'s id, or an id that does not match the pattern, answers the same).';

/** 400 of an operation that validates against the report catalog, schedules or opaque cursors too. */
export const VALIDATION_400 = 'REQUEST_INVALID, or a code of the checks beyond the schema (README "Error codes": e.g. REPORT_CODE_UNKNOWN, PARAMETER_INVALID, FILTER_INVALID, INVOICE_NOT_FOUND, SCHEDULE_INVALID, WEBHOOK_ADDRESS_REFUSED, a cursor not issued by the API); the field is named in `errors`.';
