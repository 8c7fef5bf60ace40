/**
 * Every error code reportflow gives a client, with when it happens, its HTTP status and whether a
 * retry can help. Activities throw non-retryable `ApplicationFailure`s whose `type` is one of these
 * codes; the API maps the same codes to HTTP statuses. README.md lists them all (a test checks).
 * Sandbox-safe.
 */
export interface ErrorCodeSpec {
  /** HTTP status the API answers with when this error is the reason a request is refused. */
  httpStatus: number;
  /** True when retrying the same request later can succeed. */
  retryable: boolean;
  /** When it happens, in one sentence. */
  description: string;
}

export const ERROR_CODES = {
  REQUEST_INVALID: { httpStatus: 400, retryable: false, description: 'The request body is not valid JSON or does not match the request schema (field named in `errors`).' },
  REQUEST_HEADERS_TOO_LARGE: { httpStatus: 431, retryable: false, description: 'The request line and headers together are larger than Node\'s limit (16 KiB); the connection is closed.' },
  REQUEST_TIMEOUT: { httpStatus: 408, retryable: true, description: 'The request was not received completely in time; the connection is closed.' },
  REQUEST_TOO_LARGE: { httpStatus: 413, retryable: false, description: 'The request body is larger than `REPORTFLOW_MAX_BODY_BYTES` (64 KiB by default).' },
  REPORT_CODE_UNKNOWN: { httpStatus: 400, retryable: false, description: 'No report definition has the given `report_code`.' },
  PARAMETER_MISSING: { httpStatus: 400, retryable: false, description: 'A required parameter of the report definition was not given.' },
  PARAMETER_INVALID: { httpStatus: 400, retryable: false, description: 'A parameter value has the wrong type or format for the report definition.' },
  PARAMETER_UNKNOWN: { httpStatus: 400, retryable: false, description: 'A parameter was given that the report definition does not declare.' },
  PERIOD_INVALID: { httpStatus: 400, retryable: false, description: 'The period ends before it starts; or `data_from`/`data_to` are given alone, beside the period parameters, for a report without a period, or not at midnight in the request\'s time zone.' },
  FILTER_INVALID: { httpStatus: 400, retryable: false, description: 'A `filters` entry names a field the report does not declare filterable, an operator the field\'s type does not take, or a value of the wrong type or count (path such as `filters.quantity.gte` named in `errors`).' },
  TIMEZONE_UNKNOWN: { httpStatus: 400, retryable: false, description: '`timezone` is not an IANA time zone name.' },
  FORMAT_UNSUPPORTED: { httpStatus: 400, retryable: false, description: 'The report definition does not offer the requested `format`, or the `Accept` header (without `format`) names only formats it lacks.' },
  LANGUAGE_UNSUPPORTED: { httpStatus: 400, retryable: false, description: '`language` is not one of the supported languages.' },
  INVOICE_NOT_FOUND: { httpStatus: 400, retryable: false, description: 'The invoice named by `invoice_id` does not exist.' },
  BULK_UNSUPPORTED: { httpStatus: 400, retryable: false, description: 'A bulk request names a report that has no bulk run (no `bulk` in its report.json); the error lists the reports that have one.' },
  REPORT_TOO_LARGE: { httpStatus: 400, retryable: false, description: 'The report has more rows than its format allows (PDF, HTML and TXT are capped; use CSV, XML or XLSX).' },
  SCHEDULE_INVALID: { httpStatus: 400, retryable: false, description: 'A subscription\'s `schedule` is not valid for its frequency (field named in `errors`), or a backfill/trigger range is empty or reversed, or a backfill asks for more runs than `REPORTFLOW_SUBSCRIPTION_BACKFILL_MAX_RUNS`.' },
  UNAUTHENTICATED: { httpStatus: 401, retryable: false, description: 'No API key or token was given, or it is not valid (unknown key; bad signature, expired, wrong issuer or audience, no tenant claim for a JWT).' },
  FORBIDDEN: { httpStatus: 403, retryable: false, description: 'The API key or token is valid but lacks the permission the route needs (named in `errors`), or the route declares no permission.' },
  RATE_LIMITED: { httpStatus: 429, retryable: true, description: 'The API key or token sent more than `REPORTFLOW_RATE_LIMIT_PER_MINUTE` requests this minute; retry after the `Retry-After` header\'s seconds.' },
  METHOD_NOT_ALLOWED: { httpStatus: 405, retryable: false, description: 'The path exists but does not take this method; the `Allow` header lists the ones it does.' },
  NOT_FOUND: { httpStatus: 404, retryable: false, description: 'No such resource for this tenant (another tenant\'s ids are reported the same way).' },
  REPORT_CONFIGURATION_NOT_FOUND: { httpStatus: 404, retryable: false, description: 'A report generate request or a subscription names a `report_configuration_id` that is unknown to the tenant (another tenant\'s or a deleted configuration included).' },
  REPORT_CONFIGURATION_IN_USE: { httpStatus: 409, retryable: false, description: 'Subscriptions follow the report configuration (their ids in `errors`): it cannot be deleted, or the change would leave one of them invalid (the reason in the message); nothing was changed.' },
  TEMPLATE_NOT_FOUND: { httpStatus: 404, retryable: false, description: 'A report generate request, report configuration, subscription or preview names a `template_id` that is unknown to the tenant (another tenant\'s or a deleted template included).' },
  TEMPLATE_IN_USE: { httpStatus: 409, retryable: false, description: 'Report configurations or subscriptions name the template (their ids in `errors`): it cannot be deleted until they name another template or report, or are deleted; nothing was changed.' },
  TEMPLATE_INVALID: { httpStatus: 400, retryable: false, description: 'A template names an unknown `dataset`, a `format` templates cannot make, a parameter schema that does not compile or that redeclares a dataset parameter, or a filter that is not one of the dataset\'s filterable columns with its type (field named in `errors`).' },
  TEMPLATE_SYNTAX_INVALID: { httpStatus: 400, retryable: false, description: 'A template\'s `body` is not valid Handlebars (the line is named).' },
  TEMPLATE_FIELD_UNKNOWN: { httpStatus: 400, retryable: false, description: 'A template\'s `body` names a field that is neither a column of its dataset (inside a row loop) nor a declared parameter nor a key of the render context (the field and line are named).' },
  TEMPLATE_CONSTRUCT_REFUSED: { httpStatus: 400, retryable: false, description: 'A template\'s `body` uses a construct the sandbox refuses: a partial, a decorator, triple-stash `{{{ }}}`, a helper outside the list, `__proto__`/`constructor`, or a loop inside a loop over the rows (the line is named).' },
  TEMPLATE_RENDER_FAILED: { httpStatus: 400, retryable: false, description: 'A template failed while rendering its rows (a helper refused a value, e.g. `sum` over a text column); the message names the reason.' },
  REPORT_NOT_READY: { httpStatus: 409, retryable: true, description: 'The report file was asked for before the run succeeded.' },
  WEBHOOK_REJECTED: { httpStatus: 502, retryable: false, description: 'The webhook receiver answered with a 3xx or 4xx status other than 408 and 429; the delivery is not tried again.' },
  WEBHOOK_UNDELIVERED: { httpStatus: 502, retryable: true, description: 'The webhook receiver could not be reached, timed out or answered 5xx, 408 or 429 on every attempt for 24 hours (or the delivery was stopped); the delivery shows the last answer or error, and `POST /v1/report-generate-requests/{id}/webhook-deliveries/redeliver` sends the event again.' },
  WEBHOOK_NOT_REDELIVERABLE: { httpStatus: 409, retryable: false, description: 'There is no webhook event to send again: the request has no `notify.webhook_url`, or its run has not finished.' },
  PATH_FORMAT_INVALID: { httpStatus: 400, retryable: false, description: '`export_location.path_format` has an unknown token or yields an absolute path, a `..` or an empty segment.' },
  EXPORT_LOCATION_INVALID: { httpStatus: 400, retryable: false, description: '`export_location` names a bucket path of the wrong scheme or a `format_type` the report cannot be delivered as, or gives a field flat and nested with different values.' },
  INTEGRATION_UNKNOWN: { httpStatus: 400, retryable: false, description: '`export_location.integration_id` is not a configured integration of the destination\'s kind (see `REPORTFLOW_INTEGRATIONS_FILE`).' },
  WEBHOOK_ADDRESS_REFUSED: { httpStatus: 400, retryable: false, description: 'The webhook URL resolves to a private, loopback or link-local address that `REPORTFLOW_WEBHOOK_ALLOW_HOSTS` does not allow: answered when a request or subscription is made, or recorded on a delivery when the name resolved only later.' },
  EMAIL_REJECTED: { httpStatus: 502, retryable: false, description: 'The SMTP server refused a recipient or the message for good (5xx); other recipients are still sent theirs.' },
  IDEMPOTENCY_KEY_REUSED: { httpStatus: 409, retryable: false, description: 'The `Idempotency-Key` was used before (within its lifetime) with a different request body.' },
  RUN_FINISHED: { httpStatus: 409, retryable: false, description: 'The run has already finished, so it cannot be cancelled.' },
  RUN_IN_BULK_BATCH: { httpStatus: 409, retryable: false, description: 'The run is a document of a bulk run that makes it in a batch with others (an inline report): it cannot be cancelled alone; cancel the bulk request (`metadata.bulk_request_id`).' },
  GENERATE_AT_INVALID: { httpStatus: 400, retryable: false, description: '`generate_at` is in the past (more than 1 minute) or more than 366 days ahead.' },
  SIGNED_URL_INVALID: { httpStatus: 403, retryable: false, description: 'The download URL\'s signature does not match (the URL was changed, or the file was replaced since).' },
  SIGNED_URL_EXPIRED: { httpStatus: 403, retryable: false, description: 'The download URL has expired; ask for a new one with `GET /v1/reports/{id}/download-url`.' },
  REPORT_DELETED: { httpStatus: 410, retryable: false, description: 'The report file was deleted (`DELETE /v1/reports/{id}`); its record remains.' },
  RUN_CANCELLED: { httpStatus: 409, retryable: false, description: 'The run was cancelled before it finished.' },
  INTERNAL: { httpStatus: 500, retryable: true, description: 'An unexpected fault; details are in the service logs, never in the response.' },
  UNAVAILABLE: { httpStatus: 503, retryable: true, description: 'Temporal or the database could not be reached, no database connection or answer came in time (`REPORTFLOW_API_DB_CONNECT_TIMEOUT_MS`, `REPORTFLOW_API_DB_QUERY_TIMEOUT_MS`), the API is at its connection limit, or it is shutting down; retry after the `Retry-After` header\'s seconds.' },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * A request that is invalid for good. Thrown by validation (API and the validate activity alike);
 * activities turn it into a non-retryable `ApplicationFailure` of type `code`.
 */
export class ReportError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors: { field: string; code: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ReportError';
  }
}

/** True when `code` is one of reportflow's error codes. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** A plain token: letters, digits, `_ + - .`, `/`-separated parts, at most 64 characters, no `..`. */
const PLAIN_TOKEN = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_+.-]*(\/[A-Za-z0-9_+.-]+)*$/;

/**
 * How an error message names a value the client sent: quoted when it is a plain token such as a typo
 * (`"docx"`, `"Europe/Olso"`), else `otherwise`, so an answer never repeats markup, paths, URLs or text
 * that reads like a server's internals back to whoever crafted it (found by the e2e hostile-input test:
 * `"ZWmG}(file:///et" is not an output format.`).
 */
export function namedValue(value: unknown, otherwise: string): string {
  const text = String(value ?? '');
  return text.length <= 64 && PLAIN_TOKEN.test(text) ? `"${text}"` : otherwise;
}
