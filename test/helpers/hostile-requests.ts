/**
 * Generators (fast-check) of malformed and hostile HTTP requests for the reportflow API, and a raw
 * sender that puts them on the wire byte for byte (paths are not normalised, so `../` reaches the
 * server as sent).
 *
 * `invalidRequest` builds requests that the API must refuse whatever else they carry: each one has
 * at least one fault that can never be accepted (an unknown field, a wrong type, a value over its
 * limit, an id no record can have, a bad cursor, a bad content type, invalid JSON, an over-size body,
 * a bad credential …), and hostile text (SQL and template injection, markup, path traversal, NUL,
 * control characters, huge strings) in every free string around it. An accepted request could
 * legitimately store something, so only refusals may be generated here.
 *
 * `hostileRead` builds well-formed list and search requests whose filter values are hostile: the API
 * may answer them (they store nothing) but must find nothing and never fail.
 *
 * `wrongAnswerTo` says what is wrong with an answer: not a 4xx, not in the one error shape, leaking
 * internals, or not matching /openapi.json.
 */
import fc from 'fast-check';
import type { RawAnswer, RawHttpRequest } from './api-client.js';
import type { OpenApiContract } from './openapi-contract.js';

/** SQL injection attempts, aimed at the service's own tables. */
export const SQL_INJECTIONS = [
  "'; DROP TABLE reportflow.report_requests;--",
  "' OR 1=1 --",
  "' OR '1'='1",
  '" OR ""="',
  "1; SELECT pg_sleep(5)--",
  "') UNION SELECT id, tenant_id FROM reportflow.report_requests--",
  "'; UPDATE reportflow.reports SET deleted_at = now();--",
  "%' OR tenant_id LIKE '%",
  '$1',
  "\\'; TRUNCATE reportflow.idempotency_keys; --",
] as const;

/** Template, script and expression injection attempts (Handlebars renders the reports). */
export const TEMPLATE_INJECTIONS = [
  "{{constructor.constructor('return process')()}}",
  '{{#with "s" as |string|}}{{string.constructor}}{{/with}}',
  '{{{lookup . "constructor"}}}',
  '{{7*7}}',
  '${process.env.DATABASE_URL}',
  '#{7*7}',
  '<%= 7*7 %>',
  '<script>alert(document.cookie)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
] as const;

/** Path traversal attempts, raw and encoded, with NUL and backslashes. */
export const PATH_TRAVERSALS = [
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%252e%252e%252f',
  '....//....//etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd',
  'file:///etc/passwd',
  '../../etc/passwd\u0000.pdf',
  '\u0000',
] as const;

/** Other awkward text: prototype keys, control and bidi characters, header injection, lone surrogates. */
export const ODD_STRINGS = ['__proto__', 'constructor', 'null', 'undefined', 'NaN', '\r\nX-Injected: 1', '\u202egnp.exe', '\ud800', '😀'.repeat(8), ' ', '\t'] as const;

/** Every fixed hostile payload. */
export const HOSTILE_PAYLOADS: readonly string[] = [...SQL_INJECTIONS, ...TEMPLATE_INJECTIONS, ...PATH_TRAVERSALS, ...ODD_STRINGS];

/** A hostile string: a known payload, a payload with random text around it, random Unicode, or a huge repeat. */
export function hostileString(): fc.Arbitrary<string> {
  const payload = fc.constantFrom(...HOSTILE_PAYLOADS);
  return fc.oneof(
    { weight: 5, arbitrary: payload },
    { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 8 }), payload, fc.string({ unit: 'binary', maxLength: 8 })).map(([a, p, b]) => a + p + b) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
    { weight: 1, arbitrary: fc.tuple(payload, fc.integer({ min: 20, max: 600 })).map(([p, n]) => p.repeat(n)) },
  );
}

/** A hostile string cut to `max` characters (a free field keeps within its limit, so only the planted fault refuses the request). */
function within(max: number): fc.Arbitrary<string> {
  return hostileString().map((s) => s.slice(0, max) || 'x');
}

/** One generated request, as `sendRaw` (test/helpers/api-client.ts) sends it. */
export interface HostileRequest extends RawHttpRequest {
  /** What makes it invalid, for failure messages. */
  why: string;
  /** The one status that is right (e.g. 413), when any 4xx is not enough. */
  expectStatus?: number;
}

/** Credentials and ids the generators use. */
export interface HostileContext {
  /** A key with every permission of the tenant the requests are sent as. */
  apiKey: string;
  /** `REPORTFLOW_MAX_BODY_BYTES`. */
  maxBodyBytes: number;
  /** An existing subscription of the tenant, whose note and name the NUL probes aim at. */
  subscriptionId?: string;
}

const json = (value: unknown): string => JSON.stringify(value);
/** encodeURIComponent that also takes lone surrogates (sent as their WTF-8 bytes, which are not UTF-8). */
function enc(text: string): string {
  return text.replace(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      const unit = c.charCodeAt(0);
      return [0xed, 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }
  });
}
const auth = (ctx: HostileContext, extra: Record<string, string> = {}) => ({ 'x-api-key': ctx.apiKey, ...extra });
const jsonHeaders = (ctx: HostileContext, extra: Record<string, string> = {}) => auth(ctx, { 'content-type': 'application/json', ...extra });

/** A create body the API would accept: an existing invoice, a valid format. */
const VALID_CREATE = { report_code: 'INVOICE', format: 'HTML', parameter_values: [{ name: 'invoice_id', value: '536365' }] };

type Body = Record<string, unknown>;

/** Hostile text in every free string of a create body, each within its length limit. */
const hostileCreateBody: fc.Arbitrary<Body> = fc.record({
  customer_id: within(64),
  note: within(512),
  ref: within(512),
  language: fc.constantFrom('en', 'no'),
  timezone: fc.constantFrom('UTC', 'Europe/London'),
}).map(({ customer_id, note, ref, language, timezone }) => ({ ...VALID_CREATE, customer_id, metadata: { note, ref }, language, timezone }));

/**
 * Faults that make any create body invalid, each applied to a body full of hostile strings. The
 * comment after each says which check refuses it.
 */
const createFaults: fc.Arbitrary<{ why: string; apply: (b: Body) => Body }> = fc.oneof(
  // additionalProperties: false
  fc.tuple(fc.stringMatching(/^[a-z_]{1,20}$/), hostileString()).map(([k, v]) => ({ why: `unknown field x_${k}`, apply: (b: Body) => ({ ...b, [`x_${k}`]: v }) })),
  // type checks
  fc.constantFrom<[string, unknown]>(
    ['report_code', 123], ['report_code', null], ['format', ['PDF']], ['parameter_values', 'invoice_id=536365'], ['parameter_values', [{ name: 'invoice_id', value: { $ne: 1 } }]],
    ['customer_id', 42], ['metadata', 'x'], ['metadata', { k: 1 }], ['language', true], ['timezone', {}], ['generate_at', 1700000000], ['notify', []], ['filters', 'x'],
    ['export_location', 'LOCAL'], ['parameter_values', [{ name: 'invoice_id' }]],
  ).map(([k, v]) => ({ why: `${k} of the wrong type`, apply: (b: Body) => ({ ...b, [k]: v }) })),
  // maxLength / maxItems / maxProperties
  fc.tuple(fc.constantFrom('report_code', 'customer_id', 'format', 'language', 'timezone'), hostileString()).map(([k, v]) => ({
    why: `${k} over its length limit`,
    apply: (b: Body) => ({ ...b, [k]: `${v}${'A'.repeat(1100)}` }),
  })),
  hostileString().map((v) => ({ why: 'metadata value over 512 characters', apply: (b: Body) => ({ ...b, metadata: { note: v + 'm'.repeat(513) } }) })),
  hostileString().map((v) => ({ why: 'more than 20 metadata keys', apply: (b: Body) => ({ ...b, metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, v.slice(0, 100)])) }) })),
  hostileString().map((v) => ({ why: 'hostile metadata key', apply: (b: Body) => ({ ...b, metadata: { [v.slice(0, 60) + '/']: 'x' } }) })),
  // PostgreSQL text and jsonb cannot hold U+0000, so such a request can never be stored.
  fc.tuple(within(30), within(30)).map(([x, y]) => ({ why: 'NUL in customer_id', apply: (b: Body) => ({ ...b, customer_id: `${x}\u0000${y}`.slice(0, 64) }) })),
  fc.tuple(within(200), within(200)).map(([x, y]) => ({ why: 'NUL in a metadata value', apply: (b: Body) => ({ ...b, metadata: { note: `${x}\u0000${y}` } }) })),
  // required
  fc.constantFrom('report_code', 'format').map((k) => ({ why: `${k} missing`, apply: (b: Body) => Object.fromEntries(Object.entries(b).filter(([key]) => key !== k)) })),
  // the report definition: parameters, codes, formats, languages, time zones
  hostileString().map((v) => ({ why: 'hostile invoice_id (pattern)', apply: (b: Body) => ({ ...b, parameter_values: [{ name: 'invoice_id', value: `x${v}`.slice(0, 200) }] }) })),
  hostileString().map((v) => ({ why: 'unknown parameter', apply: (b: Body) => ({ ...b, parameter_values: [...(b.parameter_values as unknown[]), { name: `p${v}`.slice(0, 64), value: v.slice(0, 200) }] }) })),
  hostileString().map((v) => ({ why: 'unknown report_code', apply: (b: Body) => ({ ...b, report_code: `Z${v}`.slice(0, 64) }) })),
  hostileString().map((v) => ({ why: 'unsupported format', apply: (b: Body) => ({ ...b, format: `Z${v}`.slice(0, 16) }) })),
  hostileString().map((v) => ({ why: 'unsupported language', apply: (b: Body) => ({ ...b, language: `z${v}`.slice(0, 16) }) })),
  hostileString().map((v) => ({ why: 'unknown time zone', apply: (b: Body) => ({ ...b, timezone: `Zz/${v}`.slice(0, 64) }) })),
  fc.constantFrom('1999-12-31T23:59:59Z', '2999-01-01T00:00:00Z', 'tomorrow', "2025-01-01'; DROP TABLE x;--", '2025-13-45T99:99:99Z').map((v) => ({ why: `generate_at ${v}`, apply: (b: Body) => ({ ...b, generate_at: v }) })),
  // filters: field names are columns the definition declares filterable
  hostileString().map((v) => ({ why: 'filter on an unknown field', apply: (b: Body) => ({ ...b, filters: { zz_not_a_column: { eq: v.slice(0, 256) } } }) })),
  hostileString().map((v) => ({ why: 'hostile filter field name', apply: (b: Body) => ({ ...b, filters: { [v.slice(0, 60)]: { eq: 1 } } }) })),
  hostileString().map((v) => ({ why: 'unknown filter operator', apply: (b: Body) => ({ ...b, filters: { quantity: { [`op${v}`.slice(0, 30)]: 1 } } }) })),
  // notify and export locations
  fc.constantFrom('javascript:alert(1)', 'file:///etc/passwd', 'ftp://example.com/x', 'http:/evil.example', '//evil.example/x', 'gopher://127.0.0.1:6379/_FLUSHALL', 'http://exa mple.com/').map((url) => ({ why: `webhook_url ${url}`, apply: (b: Body) => ({ ...b, notify: { webhook_url: url } }) })),
  hostileString().map((v) => ({ why: 'email without @', apply: (b: Body) => ({ ...b, notify: { emails: [`<${v.replace(/@/g, '')}`.slice(0, 200)] } }) })),
  fc.constantFrom(...PATH_TRAVERSALS).map((p) => ({ why: `S3 export with path_format ${p}`, apply: (b: Body) => ({ ...b, export_location: { variant: 'S3', integration_id: 'no-such-integration', bucket_path: `s3://bucket/${p}`, path_format: p } }) })),
  fc.constantFrom(...PATH_TRAVERSALS).map((p) => ({ why: `GCS export without an integration, bucket ${p}`, apply: (b: Body) => ({ ...b, export_location: { variant: 'GCS', bucket_path: `gs://${p}` } }) })),
  hostileString().map((v) => ({ why: 'BigQuery dataset with a hostile name', apply: (b: Body) => ({ ...b, export_location: { variant: 'BIGQUERY', integration_id: 'x', dataset_id: `d${v}`, stream_name: 's' } }) })),
);

/** Faults of the search bodies (requests and reports), with hostile strings elsewhere. */
const searchFaults: fc.Arbitrary<{ why: string; body: (hostile: string) => Body }> = fc.oneof(
  fc.stringMatching(/^[a-z_]{1,12}$/).map((k) => ({ why: `unknown search field ${k}_x`, body: (h: string) => ({ customer_id: h.slice(0, 64), [`${k}_x`]: h }) })),
  fc.constantFrom<unknown>(0, 101, -1, 1.5, '10', null, [], {}, 1e308).map((limit) => ({ why: `limit ${json(limit)}`, body: (h: string) => ({ limit, customer_id: h.slice(0, 64) }) })),
  fc.constant({ why: 'status not a status', body: (h: string) => ({ status: [h] }) }),
  fc.constant({ why: 'status not a list', body: (h: string) => ({ status: h }) }),
  fc.constant({ why: 'report_code item not a code', body: (h: string) => ({ report_code: [`a${h}`] }) }),
  fc.constant({ why: 'customer_id over 64', body: (h: string) => ({ customer_id: h + 'c'.repeat(65) }) }),
  fc.constant({ why: 'customer_id not a string', body: () => ({ customer_id: { $gt: '' } }) }),
  fc.constant({ why: 'created_from not a date-time', body: (h: string) => ({ created_from: `x${h}`.slice(0, 60) }) }),
  fc.constant({ why: 'created_to not a date-time', body: (h: string) => ({ created_to: "2024-01-01' OR 1=1 --" + h.slice(0, 10) }) }),
  fc.constant({ why: 'hostile cursor (pattern)', body: (h: string) => ({ cursor: `${h}!` }) }),
  fc.constant({ why: 'metadata value not a string', body: (h: string) => ({ metadata: { note: { $ne: h } } }) }),
  fc.constant({ why: 'more than 20 metadata keys', body: (h: string) => ({ metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, h.slice(0, 50)])) }) }),
  fc.constant({ why: 'hostile metadata key', body: (h: string) => ({ metadata: { [`${h.slice(0, 60)}'`]: 'x' } }) }),
  fc.constant({ why: 'include_deleted not a boolean', body: (h: string) => ({ include_deleted: h }) }),
  badCursor().map((c) => ({ why: `cursor not issued by the API (${c.why})`, body: (h: string) => ({ cursor: c.cursor, customer_id: h.slice(0, 64) }) })),
);

/**
 * Cursors of the right alphabet that the API never issued: random base64url, JSON of the wrong
 * shape, positions whose instant is not one or whose id is hostile text or too long.
 */
export function badCursor(): fc.Arbitrary<{ why: string; cursor: string }> {
  const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8').toString('base64url');
  return fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_-]{1,60}$/).map((c) => ({ why: 'random', cursor: c })),
    fc.constantFrom<[string, unknown]>(
      ['not JSON', "' OR 1=1 --"],
      ['an object', { createdAt: '2024-01-01T00:00:00Z', id: 'x' }],
      ['one item', ['2024-01-01T00:00:00Z']],
      ['numbers', [1, 2]],
      ['an empty id', ['2024-01-01T00:00:00Z', '']],
      ['a long id', ['2024-01-01T00:00:00Z', 'i'.repeat(201)]],
      ['instant "0"', ['0', 'x']],
      ['instant "2024"', ['2024', 'x']],
      ['instant "Tue March 5"', ['Tue March 5', 'x']],
      ['instant "1e21"', ['1e21', 'x']],
      ['instant "+275760-09-13T00:00:00Z"', ['+275760-09-13T00:00:00Z', 'x']],
      ['instant "-000001-01-01T00:00:00Z"', ['-000001-01-01T00:00:00Z', 'x']],
      ['instant with SQL', ["2024-01-01'; DROP TABLE reportflow.report_requests;--", 'x']],
      ['id with NUL', ['2024-01-01T00:00:00Z', 'a\u0000b']],
    ).map(([why, v]) => ({ why, cursor: b64(v) })),
  );
}

/**
 * Characters of hostile text put in a URL. Encoded, that stays under Node's 16 KiB limit on the
 * request line and headers; longer ones are refused by Node's parser before the API sees them, which
 * `MALFORMED_HTTP` covers.
 */
const URL_TEXT_MAX = 1_500;

/** An id or code that no record can have, for path parameters: traversal, injection, NUL, over-long. */
function hostileIdSegment(): fc.Arbitrary<{ why: string; segment: string }> {
  return fc.oneof(
    fc.constantFrom(...PATH_TRAVERSALS, ...SQL_INJECTIONS, ...TEMPLATE_INJECTIONS, ...ODD_STRINGS).map((s) => ({ why: `id ${json(s)}`, segment: enc(s) })),
    fc.constantFrom('..', '.', '%2e%2e', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%2f..%2fetc%2fpasswd', '%00', 'a%00b', '%252e%252e', '..%5c..%5cwin.ini', '%c0%ae%c0%ae%2f', '%ff%fe', '%', '%zz', "'", '%27%20OR%201%3D1')
      .map((s) => ({ why: `raw id segment ${s}`, segment: s })),
    hostileString().map((s) => ({ why: 'hostile id', segment: enc(`zz${s}`.slice(0, URL_TEXT_MAX)) })),
    fc.integer({ min: 201, max: 3000 }).map((n) => ({ why: `id of ${n} characters`, segment: 'a'.repeat(n) })),
  );
}

const ID_ROUTES = [
  { method: 'GET', path: (id: string) => `/v1/report-generate-requests/${id}` },
  { method: 'POST', path: (id: string) => `/v1/report-generate-requests/${id}/cancel` },
  { method: 'GET', path: (id: string) => `/v1/reports/${id}` },
  { method: 'DELETE', path: (id: string) => `/v1/reports/${id}` },
  { method: 'GET', path: (id: string) => `/v1/reports/${id}/download` },
  { method: 'GET', path: (id: string) => `/v1/reports/${id}/download-url` },
  { method: 'GET', path: (id: string) => `/v1/reports/${id}/file?expires=99999999999&signature=${'0'.repeat(64)}` },
  { method: 'GET', path: (id: string) => `/v1/report-definitions/${id}` },
] as const;

/** Raw traversal paths (not normalised by the sender) and unknown routes. */
const RAW_PATHS = [
  '/v1/reports/../../etc/passwd', '/v1/reports/..%2f..%2f..%2fetc%2fpasswd/download', '/v1/../../../etc/passwd', '/v1/reports/x/../../../../etc/passwd',
  '/v1/report-generate-requests/%2e%2e/%2e%2e/admin', '/v1/reports//download', '/v1/reports/%00/download', '/v1//reports', '/v1/reports/./x',
  '/%2e%2e/%2e%2e/etc/passwd', '/v1/admin', '/v1/reports/x/download/..', '/v1/report-generate-requests/x/cancel/../../y', '/v2/reports',
];

/** Query faults of the GET listings. */
function listQueryFault(): fc.Arbitrary<{ why: string; query: (h: string) => string }> {
  return fc.oneof(
    fc.stringMatching(/^[a-z_]{1,12}$/).map((k) => ({ why: `unknown parameter ${k}_x`, query: (h: string) => `${k}_x=${enc(h.slice(0, URL_TEXT_MAX))}` })),
    fc.constantFrom('0', '101', '-1', '1.5', 'abc', '1e3', '', '%00', "1'--").map((v) => ({ why: `limit=${v}`, query: () => `limit=${v}` })),
    fc.constant({ why: 'limit twice', query: () => 'limit=1&limit=2' }),
    fc.constant({ why: 'status not a status', query: (h: string) => `status=${enc(h.slice(0, URL_TEXT_MAX))}` }),
    fc.constant({ why: 'status with an empty item', query: () => 'status=PENDING,,RUNNING' }),
    fc.constant({ why: 'report_code not a code', query: (h: string) => `report_code=${enc(`a${h}`.slice(0, URL_TEXT_MAX))}` }),
    fc.constant({ why: 'customer_id over 64', query: (h: string) => `customer_id=${enc(h.slice(0, URL_TEXT_MAX) + 'c'.repeat(65))}` }),
    fc.constant({ why: 'customer_id empty', query: () => 'customer_id=' }),
    fc.constant({ why: 'created_from not a date-time', query: (h: string) => `created_from=${enc(`x${h}`.slice(0, 60))}` }),
    fc.constant({ why: 'created_to with SQL', query: () => `created_to=${enc("2024-01-01' OR 1=1 --")}` }),
    fc.constant({ why: 'hostile cursor (pattern)', query: (h: string) => `cursor=${enc(`${h.slice(0, URL_TEXT_MAX)}!`)}` }),
    badCursor().map((c) => ({ why: `cursor not issued by the API (${c.why})`, query: () => `cursor=${c.cursor}` })),
    fc.constant({ why: 'cursor with a bare %', query: () => 'cursor=%' }),
  );
}

/** Bodies that are not JSON objects, or not JSON at all, or poisoned. */
const BAD_JSON = [
  '', '{', '{"report_code": "INVOICE",}', "{'report_code': 'INVOICE'}", '{"a": NaN}', '[1, 2', '"just a string"', '42', 'null', '[]', 'true',
  '{"__proto__": {"isAdmin": true}, "report_code": "INVOICE", "format": "PDF"}',
  '{"constructor": {"prototype": {"isAdmin": true}}, "report_code": "INVOICE", "format": "PDF"}',
  '\ufeff{"report_code": "INVOICE", "format": "PDF", "x_bom": 1}',
  '{"report_code": "INVOICE", "format": "PDF", "report_code": 5}',
  '{"report_code": "\\ud800", "format": 1}',
  "'; DROP TABLE reportflow.report_requests;--",
  '{{constructor.constructor(\'return process\')()}}',
];

/** Content types the API does not take for its JSON bodies. */
const BAD_CONTENT_TYPES = ['text/plain', 'application/xml', 'text/html', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/octet-stream', "application/json'; DROP TABLE x;--", 'image/svg+xml'];

const POST_BODY_ROUTES = ['/v1/report-generate-requests', '/v1/report-generate-requests/search', '/v1/reports/search'] as const;

/** Requests the API must refuse whatever they carry (see the module comment). */
export function invalidRequest(ctx: HostileContext): fc.Arbitrary<HostileRequest> {
  const create = fc.tuple(hostileCreateBody, createFaults, fc.option(fc.stringMatching(/^[A-Za-z0-9-]{8,40}$/), { nil: undefined })).map(([body, fault, key]): HostileRequest => ({
    why: `create: ${fault.why}`,
    method: 'POST',
    path: '/v1/report-generate-requests',
    headers: jsonHeaders(ctx, key ? { 'idempotency-key': `fuzz-${key}` } : {}),
    body: json(fault.apply(body)),
  }));
  const badIdempotencyKey = fc.tuple(hostileCreateBody, fc.oneof(
    headerSafe(hostileString()).map((s) => `bad key ${s}`),
    fc.integer({ min: 256, max: 2000 }).map((n) => 'k'.repeat(n)),
    fc.constant(''),
  )).map(([body, key]): HostileRequest => ({
    why: 'create with an Idempotency-Key outside 1–255 visible ASCII',
    method: 'POST',
    path: '/v1/report-generate-requests',
    headers: jsonHeaders(ctx, { 'idempotency-key': key }),
    body: json(body),
  }));
  const search = fc.tuple(fc.constantFrom('/v1/report-generate-requests/search', '/v1/reports/search'), searchFaults, hostileString()).map(([path, fault, h]): HostileRequest => ({
    why: `search ${path}: ${fault.why}`, method: 'POST', path, headers: jsonHeaders(ctx), body: json(fault.body(h)),
  }));
  const list = fc.tuple(fc.constantFrom('/v1/report-generate-requests', '/v1/reports'), listQueryFault(), hostileString()).map(([path, fault, h]): HostileRequest => ({
    why: `list ${path}: ${fault.why}`, method: 'GET', path: `${path}?${fault.query(h)}`, headers: auth(ctx),
  }));
  const ids = fc.tuple(fc.constantFrom(...ID_ROUTES), hostileIdSegment()).map(([route, id]): HostileRequest => ({
    why: `${route.method} ${route.path('{id}')}: ${id.why}`, method: route.method, path: route.path(id.segment), headers: auth(ctx),
  }));
  const rawPaths = fc.tuple(fc.constantFrom(...RAW_PATHS), fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH')).map(([path, method]): HostileRequest => ({
    why: `raw path ${method} ${path}`, method, path, headers: jsonHeaders(ctx), ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
  }));
  const badJson = fc.tuple(fc.constantFrom(...POST_BODY_ROUTES), fc.constantFrom(...BAD_JSON)).map(([path, body]): HostileRequest => ({
    why: `${path} with body ${json(body.slice(0, 40))}`, method: 'POST', path, headers: jsonHeaders(ctx), body,
  }));
  const deepJson = fc.tuple(fc.constantFrom(...POST_BODY_ROUTES), fc.integer({ min: 1000, max: 30000 })).map(([path, depth]): HostileRequest => ({
    why: `${path} with arrays nested ${depth} deep`, method: 'POST', path, headers: jsonHeaders(ctx), body: `{"report_code": ${'['.repeat(depth)}${']'.repeat(depth)}, "format": "PDF"}`,
  }));
  const contentType = fc.tuple(fc.constantFrom(...POST_BODY_ROUTES), fc.option(fc.constantFrom(...BAD_CONTENT_TYPES), { nil: undefined }), hostileCreateBody).map(([path, type, body]): HostileRequest => ({
    why: `${path} with content-type ${type ?? '(none)'}`,
    method: 'POST',
    path,
    headers: auth(ctx, type ? { 'content-type': type } : {}),
    // The unknown field keeps the body invalid even for a server that would take this type as JSON.
    body: type?.startsWith('application/x-www-form-urlencoded') ? `report_code=INVOICE&format=PDF&customer_id=${enc(String(body.customer_id))}` : json({ ...body, x_content_type_probe: true }),
  }));
  const oversize = fc.tuple(fc.constantFrom(...POST_BODY_ROUTES), fc.integer({ min: ctx.maxBodyBytes + 1, max: ctx.maxBodyBytes * 3 }), fc.boolean(), hostileString()).map(([path, size, chunked, h]): HostileRequest => {
    const unit = h.replace(/[^\x20-\x7e]/g, '') || 'x';
    const filler = unit.repeat(Math.ceil(size / unit.length) + 1);
    const body = json({ ...VALID_CREATE, metadata: { note: filler } }).slice(0, size - 2) + '"}';
    return { why: `${path} with a body of ${Buffer.byteLength(body)} bytes${chunked ? ' (chunked)' : ''}`, method: 'POST', path, headers: jsonHeaders(ctx), body, chunked, expectStatus: 413 };
  });
  const credentials = fc.tuple(fc.constantFrom('/v1/report-generate-requests', '/v1/reports', '/v1/report-definitions'), fc.oneof(
    headerSafe(hostileString()).map((s) => ({ 'x-api-key': s || 'x' })),
    headerSafe(hostileString()).map((s) => ({ authorization: `Bearer ${s.replace(/\s/g, '') || 'x'}` })),
    fc.constant({ authorization: `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"tenant_id":"acme","sub":"x","exp":9999999999,"permissions":["REPORT.VIEW"]}').toString('base64url')}.` }),
    fc.constant({ authorization: `Basic ${Buffer.from(`acme:${ctx.apiKey}`).toString('base64')}` }),
    fc.constant({ authorization: `Bearer ${ctx.apiKey}x` }),
    fc.constant({ 'x-api-key': `${ctx.apiKey}' OR 1=1 --` }),
  )).map(([path, headers]): HostileRequest => ({ why: `GET ${path} with bad credentials ${json(headers).slice(0, 80)}`, method: 'GET', path, headers, expectStatus: 401 }));

  // PostgreSQL and Temporal cannot keep U+0000: text with it in any subscription route is refused.
  const subscriptionNul = fc.tuple(within(40), within(40), fc.constantFrom('list', 'create', ...(ctx.subscriptionId ? ['pause', 'resume', 'patch'] as const : []))).map(([a, b, route]): HostileRequest => {
    const nul = `${a}\u0000${b}`;
    const one = `/v1/report-subscriptions/${ctx.subscriptionId ?? ''}`;
    const body = route === 'list' ? undefined
      : route === 'create' ? { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'HTML', timezone: 'UTC', schedule: { frequency: 'DAILY' }, active: false, name: nul.slice(0, 200) }
        : route === 'patch' ? { name: nul.slice(0, 200) }
          : { note: nul.slice(0, 500) };
    return {
      why: `subscription ${route} with NUL`,
      method: route === 'list' ? 'GET' : route === 'patch' ? 'PATCH' : 'POST',
      path: route === 'list' ? `/v1/report-subscriptions?report_code=${enc(nul)}` : route === 'create' ? '/v1/report-subscriptions' : route === 'patch' ? one : `${one}/${route}`,
      headers: body ? jsonHeaders(ctx) : auth(ctx),
      ...(body ? { body: json(body) } : {}),
    };
  });

  return fc.oneof(
    { weight: 30, arbitrary: create },
    { weight: 4, arbitrary: subscriptionNul },
    { weight: 4, arbitrary: badIdempotencyKey },
    { weight: 14, arbitrary: search },
    { weight: 12, arbitrary: list },
    { weight: 14, arbitrary: ids },
    { weight: 3, arbitrary: rawPaths },
    { weight: 6, arbitrary: badJson },
    { weight: 2, arbitrary: deepJson },
    { weight: 5, arbitrary: contentType },
    { weight: 3, arbitrary: oversize },
    { weight: 5, arbitrary: credentials },
  );
}

/**
 * Well-formed reads with hostile filter values (customer ids, metadata, report codes, instants at
 * the edges, cursors the API could have issued): they store nothing, so the API may answer them, but
 * only with an empty page or a 4xx.
 */
export function hostileRead(ctx: HostileContext): fc.Arbitrary<HostileRequest> {
  const cursorOf = (createdAt: string, id: string) => Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url');
  const h = within(64);
  return fc.oneof(
    fc.tuple(fc.constantFrom('/v1/report-generate-requests', '/v1/reports'), h).map(([path, v]): HostileRequest => ({
      why: `list ${path} by hostile customer_id`, method: 'GET', path: `${path}?customer_id=${enc(v)}`, headers: auth(ctx),
    })),
    fc.tuple(fc.constantFrom('/v1/report-generate-requests/search', '/v1/reports/search'), h).map(([path, v]): HostileRequest => ({
      why: `search ${path} by hostile customer_id`, method: 'POST', path, headers: jsonHeaders(ctx), body: json({ customer_id: v }),
    })),
    fc.tuple(within(512), fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/)).map(([v, k]): HostileRequest => ({
      why: 'search requests by hostile metadata', method: 'POST', path: '/v1/report-generate-requests/search', headers: jsonHeaders(ctx), body: json({ metadata: { [k]: v } }),
    })),
    fc.tuple(fc.constantFrom('/v1/report-generate-requests', '/v1/reports'), fc.constantFrom('0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2024-02-29T23:59:60Z', '1970-01-01T00:00:00.000000001Z', '2024-01-01T00:00:00+14:00')).map(([path, at]): HostileRequest => ({
      why: `list ${path} created_from ${at}`, method: 'GET', path: `${path}?created_from=${enc(at)}&created_to=${enc(at)}`, headers: auth(ctx),
    })),
    fc.tuple(fc.constantFrom('/v1/report-generate-requests', '/v1/reports'), fc.constantFrom(...SQL_INJECTIONS, ...TEMPLATE_INJECTIONS, ...PATH_TRAVERSALS)).map(([path, id]): HostileRequest => ({
      // Before the epoch nothing was created, so whatever the id, the page after this position is empty.
      why: `list ${path} with a well-formed cursor naming id ${json(id)}`, method: 'GET', path: `${path}?cursor=${cursorOf('1970-01-01T00:00:00.000Z', id)}`, headers: auth(ctx),
    })),
  );
}

/** Makes text safe for an HTTP header value (Node refuses control characters and non-Latin-1). */
function headerSafe(arb: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return arb.map((s) => s.replace(/[^\x20-\x7e]/g, (c) => enc(c)).slice(0, 4000));
}

/** Requests Node's HTTP parser refuses before any route runs (bad request line, headers, framing): the one error shape applies to them too. */
export const MALFORMED_HTTP: readonly { why: string; bytes: string }[] = [
  { why: 'space in the path', bytes: 'GET /v1/reports/a b HTTP/1.1\r\nHost: x\r\n\r\n' },
  { why: 'space in the method', bytes: 'GE T /v1/reports HTTP/1.1\r\nHost: x\r\n\r\n' },
  { why: 'Content-Length not a number', bytes: 'POST /v1/reports/search HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n' },
  { why: 'both Transfer-Encoding and Content-Length (request smuggling)', bytes: 'POST /v1/reports/search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n' },
  { why: 'control character in a header', bytes: 'GET /v1/reports HTTP/1.1\r\nHost: x\r\nX-API-KEY: a\x01b\r\n\r\n' },
  { why: 'request line over 16 KiB', bytes: `GET /v1/reports?customer_id=${'%27%20OR%201%3D1%20--'.repeat(1200)} HTTP/1.1\r\nHost: x\r\n\r\n` },
  { why: 'headers over 16 KiB', bytes: `GET /v1/reports HTTP/1.1\r\nHost: x\r\nX-Padding: ${'{{7*7}}'.repeat(2500)}\r\n\r\n` },
];

/**
 * What reads as a leak of internals in an answer: stack frames, source paths, Node error classes,
 * PostgreSQL error texts, connection strings, fastify's internal codes. None of the generated
 * payloads contains these, so an echo of the request cannot trip it.
 */
export const INTERNALS = /\bat (?:async )?\S+ \(|\(file:\/\/|\.ts:\d+|node_modules|\/work\/|"stack"|TypeError|ReferenceError|RangeError|syntax error at or near|invalid input syntax|invalid byte sequence|unsupported Unicode escape|violates|duplicate key|SQLSTATE|postgres:\/\/|FST_ERR/;

/**
 * What is wrong with `res` as the answer to `req`, or '' when nothing: the body must be JSON without
 * internals and match `contract` for the operation (when the path is one); a refusal must be a 4xx
 * (exactly `expectStatus` when given) in the one error shape. With `mayAnswer` (hostile reads) a 200
 * is right too when its page is empty; `total` must then be 0 unless a cursor was sent (`total`
 * counts every match of the filters, whatever the cursor).
 */
export function wrongAnswerTo(req: { method: string; path: string }, res: RawAnswer, contract: OpenApiContract, options: { mayAnswer?: boolean; expectStatus?: number } = {}): string {
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `${res.status} with a body that is not JSON: ${res.text.slice(0, 200)}`;
  }
  if (INTERNALS.test(res.text)) return `${res.status} leaks internals: ${res.text.slice(0, 300)}`;
  if (contract.match(req.method, req.path)) {
    const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
    const problems = contract.problems({ method: req.method, path: req.path, status: res.status, contentType: String(res.headers['content-type'] ?? '').split(';')[0]!, text: res.text, headers });
    if (problems.length) return problems.join('; ');
  }
  if (options.mayAnswer && res.status === 200) {
    const page = body as { items?: unknown; total?: unknown };
    const filtered = !/[?&]cursor=/.test(req.path);
    return Array.isArray(page.items) && page.items.length === 0 && (!filtered || page.total === 0) ? '' : `200 with matches for a hostile filter: ${res.text.slice(0, 300)}`;
  }
  if (options.expectStatus !== undefined && res.status !== options.expectStatus) return `${res.status} instead of ${options.expectStatus}: ${res.text.slice(0, 300)}`;
  if (res.status < 400 || res.status > 499) return `${res.status} (not 4xx): ${res.text.slice(0, 300)}`;
  if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) return `${res.status} with content-type ${String(res.headers['content-type'])}`;
  const shape = contract.errorShapeProblems(body);
  return shape ? `${res.status} not in the error shape (${shape}): ${res.text.slice(0, 300)}` : '';
}
