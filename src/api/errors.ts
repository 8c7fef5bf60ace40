/**
 * The API's one error shape and the one table from error code to HTTP status (`ERROR_CODES`).
 * Every refusal, fastify's own included, leaves as
 * `{"error": {"code", "message", "errors": [{"field", "code", "message"}]}}`; faults are logged with
 * their stack and answered with `INTERNAL` and a safe message only.
 */
import type { FastifyBaseLogger, FastifyError } from 'fastify';
import { ERROR_CODES, ReportError, type ErrorCode } from '../domain/errors.js';
import type { FieldError } from '../domain/run-status.js';
import { filterFieldError } from './filter-errors.js';
import { STORABLE_TEXT_PATTERN } from './text-schema.js';

/** The body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; errors: FieldError[] };
}

/** An HTTP answer for an error: status from `ERROR_CODES`, body in the one shape. */
export interface ErrorReply {
  status: number;
  body: ErrorBody;
}

/**
 * Seconds a client is told to wait (`Retry-After`) before retrying after a 503: a pool, a database
 * or a connection table that is full now is usually free again within a second.
 */
export const RETRY_AFTER_SECONDS = 1;

/** Headers that go with an error answer of `status`: `Retry-After` with every 503. */
export function errorHeaders(status: number): Record<string, string> {
  return status === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {};
}

/** Builds the reply for `code`; the status always comes from `ERROR_CODES`. */
export function errorReply(code: ErrorCode, message: string, errors: FieldError[] = []): ErrorReply {
  return { status: ERROR_CODES[code].httpStatus, body: { error: { code, message, errors } } };
}

/** An ajv error object as fastify attaches it to validation errors (the parts used here). */
interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * Maps anything a route or fastify threw to the reply to send. `ReportError`s keep their code;
 * fastify's body errors become `REQUEST_INVALID` (or `REQUEST_TOO_LARGE`), those only in `filters`
 * `FILTER_INVALID`; anything else is logged
 * and answered with `INTERNAL`.
 */
export function replyForError(err: unknown, logger: Pick<FastifyBaseLogger, 'error' | 'warn'>): ErrorReply {
  if (err instanceof ReportError) {
    // An outage (UNAVAILABLE) is the operator's business: log what was behind it.
    if (ERROR_CODES[err.code].httpStatus >= 500) logger.warn({ err: err.cause ?? err, code: err.code }, 'request could not be served');
    return errorReply(err.code, err.message, err.errors);
  }
  const fe = err as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  // An id that cannot be one (wrong characters, too long) names no resource: the same 404 as an
  // unknown id or another tenant's, so ids cannot be told apart by how they are refused.
  if ((Array.isArray(fe.validation) && fe.validationContext === 'params') || fe.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    const field = fe.validation?.[0] ? fieldPath(fe.validation[0].instancePath) : 'path';
    return errorReply('NOT_FOUND', 'No such resource.', [{ field, code: 'NOT_FOUND', message: 'Unknown id.' }]);
  }
  if (Array.isArray(fe.validation)) {
    const seen = new Set<string>();
    const inHeaders = fe.validationContext === 'headers';
    const errors = fe.validation
      // An `if`/`then` failure is also reported by the `then` keyword that failed, on its own field.
      .filter((issue) => issue.keyword !== 'if')
      .map((issue) => (fe.validationContext === 'body' ? filterFieldError(issue) : undefined) ?? fieldErrorOf(issue, inHeaders))
      .filter((e) => !seen.has(e.field + e.message) && seen.add(e.field + e.message));
    // Only filter problems: the code the README gives them (the definition's own filter check uses it too).
    const code = errors.length > 0 && errors.every((e) => e.code === 'FILTER_INVALID') ? 'FILTER_INVALID' : 'REQUEST_INVALID';
    const intro = code === 'FILTER_INVALID' ? 'The filters are not valid' : 'The request does not match the schema';
    return errorReply(code, `${intro}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors);
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errorReply('REQUEST_TOO_LARGE', 'The request body is too large.', [{ field: 'body', code: 'REQUEST_TOO_LARGE', message: 'Too large.' }]);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errorReply('REQUEST_INVALID', 'The request body is not valid JSON.', [{ field: 'body', code: 'REQUEST_INVALID', message: 'Not valid JSON.' }]);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errorReply('REQUEST_INVALID', 'Send the request body as application/json.', [{ field: 'content-type', code: 'REQUEST_INVALID', message: 'Must be application/json.' }]);
  }
  // JSON.parse's own SyntaxError carries status 400 too; fastify's other 4xx messages are safe and short.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const safe = fe instanceof SyntaxError ? 'The request body is not valid JSON.' : (fe.message ?? 'Bad request.');
    return errorReply('REQUEST_INVALID', safe, [{ field: 'body', code: 'REQUEST_INVALID', message: safe }]);
  }
  logger.error({ err }, 'request failed');
  return errorReply('INTERNAL', 'An unexpected error occurred; it has been logged.');
}

/** `/parameter_values/0/name` → `parameter_values[0].name`; the root is `body`. */
export function fieldPath(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (child !== undefined) parts.push(child);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out || 'body';
}

function fieldErrorOf(issue: ValidationIssue, inHeaders: boolean): FieldError {
  if (inHeaders) {
    // Headers are named as clients write them: `/idempotency-key` → `Idempotency-Key`.
    const name = issue.instancePath.slice(1).replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    return { field: name || 'headers', code: 'REQUEST_INVALID', message: issue.message ?? 'is invalid' };
  }
  if (issue.keyword === 'required') {
    return { field: fieldPath(issue.instancePath, String(issue.params['missingProperty'])), code: 'REQUEST_INVALID', message: 'is required' };
  }
  if (issue.keyword === 'additionalProperties') {
    return { field: fieldPath(issue.instancePath, String(issue.params['additionalProperty'])), code: 'REQUEST_INVALID', message: 'is not a known field' };
  }
  const field = fieldPath(issue.instancePath);
  // A `false` schema: the field exists but this variant (e.g. a LOCAL export_location) does not take it.
  if (issue.keyword === 'false schema') return { field, code: 'REQUEST_INVALID', message: 'is not used here, so it is refused rather than ignored' };
  if (issue.params['pattern'] === STORABLE_TEXT_PATTERN) return { field, code: 'REQUEST_INVALID', message: 'must not contain U+0000' };
  return { field, code: 'REQUEST_INVALID', message: FIELD_HINTS[field] ?? issue.message ?? 'is invalid' };
}

/** Plainer words than ajv's for fields whose rule is a pattern or format. */
const FIELD_HINTS: Record<string, string> = {
  'notify.webhook_url': 'must be an http or https URL',
};
