/**
 * POST /v1/report-generate-requests: a valid request is answered 201 PENDING at once and started;
 * bad input is answered 400 with the offending field, and never started.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auth, BASE_URL, leaksInternals, startTestApi, temporalDown, type TestApi } from '../helpers/api-fixture.js';
import type { JsonBody } from '../helpers/api-fixture.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api.close();
});

const PATH = '/v1/report-generate-requests';
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function post(body: unknown, headers: Record<string, string> = auth()) {
  const res = await api.app.inject({ method: 'POST', url: PATH, headers, payload: body as object });
  return { status: res.statusCode, headers: res.headers, body: res.json() as JsonBody, raw: res.body };
}

/** Asserts a 4xx in the one error shape, with `field` among its field errors, and returns the error. */
function assertRefused(res: Awaited<ReturnType<typeof post>>, status: number, code: string, field: string) {
  assert.equal(res.status, status, res.raw);
  assert.equal(res.body.error.code, code, res.raw);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.errors.some((e: { field: string }) => e.field === field), `expected field ${field} in ${res.raw}`);
  for (const e of res.body.error.errors) assert.deepEqual(Object.keys(e).sort(), ['code', 'field', 'message']);
  assert.equal(leaksInternals(res.raw), false, res.raw);
  return res.body.error;
}

void test('a valid request is answered 201 PENDING with its echo, links and a Location header', async () => {
  const before = Date.now();
  const res = await post({
    report_code: 'INVOICE',
    parameter_values: [{ name: 'invoice_id', value: '536365' }],
    format: 'pdf',
    timezone: 'Europe/London',
    customer_id: '17850',
    notify: { webhook_url: 'https://hooks.example.test/reports' },
    export_location: { variant: 'LOCAL' },
  });
  assert.equal(res.status, 201, res.raw);
  const id = res.body.id as string;
  assert.match(id, UUID_V7);
  assert.deepEqual(res.body, {
    id,
    status: 'PENDING',
    stage: null,
    report_code: 'INVOICE',
    parameter_values: [{ name: 'invoice_id', value: '536365' }],
    format: 'PDF',
    language: 'en',
    timezone: 'Europe/London',
    customer_id: '17850',
    metadata: {},
    generate_at: null,
    run_type: 'MANUAL',
    report_subscription_id: null,
    created_at: res.body.created_at,
    updated_at: res.body.updated_at,
    links: {
      self: `${BASE_URL}/v1/report-generate-requests/${id}`,
      download: `${BASE_URL}/v1/reports/${id}/download`,
      cancel: `${BASE_URL}/v1/report-generate-requests/${id}/cancel`,
    },
  });
  assert.equal(res.headers.location, `${BASE_URL}/v1/report-generate-requests/${id}`);
  assert.ok(Date.parse(res.body.created_at) >= before - 1 && Date.parse(res.body.created_at) <= Date.now());

  const started = api.runs.runs.get(id)!.request;
  assert.deepEqual(started, {
    id,
    tenantId: 'acme',
    reportCode: 'INVOICE',
    parameterValues: [{ name: 'invoice_id', value: '536365' }],
    format: 'PDF',
    language: 'en',
    timezone: 'Europe/London',
    customerId: '17850',
    exportLocation: { variant: 'LOCAL' },
    notify: { webhookUrl: 'https://hooks.example.test/reports' },
    requestedAt: res.body.created_at,
    runType: 'MANUAL',
  });
});

void test('language defaults to en, timezone to UTC, and Bearer auth works as well as X-API-KEY', async () => {
  const res = await post(
    { report_code: 'SALES_SUMMARY', parameter_values: [{ name: 'from_date', value: '2011-01-01' }, { name: 'to_date', value: '2011-01-31' }], format: 'Csv' },
    { authorization: 'Bearer globex-key-456' },
  );
  assert.equal(res.status, 201, res.raw);
  assert.equal(res.body.language, 'en');
  assert.equal(res.body.timezone, 'UTC');
  assert.equal(res.body.format, 'CSV');
  assert.equal(res.body.customer_id, null);
  assert.equal(api.runs.runs.get(res.body.id)!.request.tenantId, 'globex');
});

void test('ids are time-ordered', async () => {
  const body = { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'CSV' };
  const a = await post(body);
  await new Promise((r) => setTimeout(r, 2));
  const b = await post(body);
  assert.ok(a.body.id < b.body.id, `${a.body.id} < ${b.body.id}`);
});

void test('an unknown report code is refused on report_code', async () => {
  assertRefused(await post({ report_code: 'NOPE', format: 'PDF' }), 400, 'REPORT_CODE_UNKNOWN', 'report_code');
});

void test('a missing required parameter is refused on that parameter', async () => {
  assertRefused(await post({ report_code: 'INVOICE', format: 'PDF' }), 400, 'PARAMETER_MISSING', 'parameter_values.invoice_id');
});

void test('an ill-typed parameter is refused on that parameter', async () => {
  assertRefused(await post({ report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: 'abc' }] }), 400, 'PARAMETER_INVALID', 'parameter_values.invoice_id');
  assertRefused(await post({ report_code: 'SALES_SUMMARY', format: 'CSV', parameter_values: [{ name: 'from_date', value: '2011-02-30' }, { name: 'to_date', value: '2011-03-01' }] }), 400, 'PARAMETER_INVALID', 'parameter_values.from_date');
});

void test('a parameter the report does not declare is refused', async () => {
  assertRefused(await post({ report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: '536365' }, { name: 'colour', value: 'red' }] }), 400, 'PARAMETER_UNKNOWN', 'parameter_values.colour');
});

void test('a period that ends before it starts is refused', async () => {
  assertRefused(await post({ report_code: 'SALES_SUMMARY', format: 'CSV', parameter_values: [{ name: 'from_date', value: '2011-02-01' }, { name: 'to_date', value: '2011-01-01' }] }), 400, 'PERIOD_INVALID', 'parameter_values.to_date');
});

void test('an unknown time zone is refused on timezone', async () => {
  assertRefused(await post({ report_code: 'INVOICE', format: 'PDF', timezone: 'Mars/Olympus', parameter_values: [{ name: 'invoice_id', value: '536365' }] }), 400, 'TIMEZONE_UNKNOWN', 'timezone');
});

void test('an unsupported language is refused on language', async () => {
  assertRefused(await post({ report_code: 'INVOICE', format: 'PDF', language: 'fr', parameter_values: [{ name: 'invoice_id', value: '536365' }] }), 400, 'LANGUAGE_UNSUPPORTED', 'language');
});

void test('a format that does not exist, or that the report does not offer, is refused on format', async () => {
  assertRefused(await post({ report_code: 'INVOICE', format: 'docx', parameter_values: [{ name: 'invoice_id', value: '536365' }] }), 400, 'FORMAT_UNSUPPORTED', 'format');
  assertRefused(await post({ report_code: 'INVOICE', format: 'xml', parameter_values: [{ name: 'invoice_id', value: '536365' }] }), 400, 'FORMAT_UNSUPPORTED', 'format');
  // A typo is named back; markup, paths and URLs are not echoed (the e2e hostile-input test found
  // `"ZWmG}(file:///et" is not an output format.`).
  assert.match(assertRefused(await post({ report_code: 'INVOICE', format: 'docx', parameter_values: [{ name: 'invoice_id', value: '536365' }] }), 400, 'FORMAT_UNSUPPORTED', 'format').message, /^"docx" is not/);
  const hostile = assertRefused(await post({ report_code: 'INVOICE', format: 'ZWmG}(file:///et', parameter_values: [{ name: 'invoice_id', value: '536365' }] }), 400, 'FORMAT_UNSUPPORTED', 'format');
  assert.equal(hostile.message, 'The requested format is not an output format.');
});

void test('csv_comment_lines is kept on a CSV request and shown on GET; with another format it is refused on its field', async () => {
  const created = await post({ report_code: 'INVOICE', format: 'csv', csv_comment_lines: true, parameter_values: [{ name: 'invoice_id', value: '536365' }] });
  assert.equal(created.status, 201, created.raw);
  assert.equal(created.body.csv_comment_lines, true);
  assert.equal(api.runs.runs.get(created.body.id)!.request.csvCommentLines, true);
  const plain = await post({ report_code: 'INVOICE', format: 'csv', parameter_values: [{ name: 'invoice_id', value: '536365' }] });
  assert.equal(plain.body.csv_comment_lines, undefined, 'absent unless asked for');
  const before = api.runs.runs.size;
  assertRefused(await post({ report_code: 'INVOICE', format: 'pdf', csv_comment_lines: true, parameter_values: [{ name: 'invoice_id', value: '536365' }] }), 400, 'REQUEST_INVALID', 'csv_comment_lines');
  assert.equal(api.runs.runs.size, before, 'nothing started');
});

void test('a failing data check is refused with its code on its parameter, and not started', async () => {
  const count = api.runs.runs.size;
  const error = assertRefused(await post({ report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: '999999' }] }), 400, 'INVOICE_NOT_FOUND', 'parameter_values.invoice_id');
  assert.equal(error.message, 'Invoice 999999 does not exist.');
  assert.equal(api.runs.runs.size, count);
});

void test('unknown body fields are refused, not dropped, with their path in snake_case', async () => {
  assertRefused(await post({ report_code: 'INVOICE', format: 'PDF', colour: 'red' }), 400, 'REQUEST_INVALID', 'colour');
  assertRefused(await post({ report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: '536365', extra: 1 }] }), 400, 'REQUEST_INVALID', 'parameter_values[0].extra');
  assertRefused(await post({ report_code: 'INVOICE', format: 'PDF', export_location: { variant: 'FTP' } }), 400, 'REQUEST_INVALID', 'export_location.variant');
});

void test('wrong JSON types are refused with their path and are not coerced', async () => {
  assertRefused(await post({ report_code: 'INVOICE', format: 7 }), 400, 'REQUEST_INVALID', 'format');
  assertRefused(await post({ report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: { nested: true } }] }), 400, 'REQUEST_INVALID', 'parameter_values[0].value');
  assertRefused(await post({ report_code: 'INVOICE', format: 'PDF', parameter_values: { invoice_id: '536365' } }), 400, 'REQUEST_INVALID', 'parameter_values');
  assertRefused(await post({ format: 'PDF' }), 400, 'REQUEST_INVALID', 'report_code');
  assertRefused(await post([1, 2]), 400, 'REQUEST_INVALID', 'body');
});

void test('a webhook URL must be an http(s) URL', async () => {
  const body = { report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: '536365' }] };
  assertRefused(await post({ ...body, notify: { webhook_url: 'ftp://example.test/x' } }), 400, 'REQUEST_INVALID', 'notify.webhook_url');
  assertRefused(await post({ ...body, notify: { webhook_url: 'not a url' } }), 400, 'REQUEST_INVALID', 'notify.webhook_url');
});

void test('bad JSON and a non-JSON content type are refused as REQUEST_INVALID', async () => {
  const bad = await api.app.inject({ method: 'POST', url: PATH, headers: { ...auth(), 'content-type': 'application/json' }, payload: '{"report_code": "INVOICE",' });
  assertRefused({ status: bad.statusCode, headers: bad.headers, body: bad.json(), raw: bad.body }, 400, 'REQUEST_INVALID', 'body');
  const form = await api.app.inject({ method: 'POST', url: PATH, headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'report_code=INVOICE' });
  assertRefused({ status: form.statusCode, headers: form.headers, body: form.json(), raw: form.body }, 400, 'REQUEST_INVALID', 'content-type');
});

void test('a body over the limit is refused with 413', async () => {
  const big = await startTestApi({ maxBodyBytes: 1024 });
  try {
    const res = await big.app.inject({
      method: 'POST', url: PATH, headers: { ...auth(), 'content-type': 'application/json' },
      payload: JSON.stringify({ report_code: 'INVOICE', format: 'PDF', customer_id: 'x'.repeat(2000) }),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'REQUEST_TOO_LARGE');
  } finally {
    await big.close();
  }
  // The default limit is 64 KiB.
  const res = await api.app.inject({ method: 'POST', url: PATH, headers: { ...auth(), 'content-type': 'application/json' }, payload: JSON.stringify({ pad: 'x'.repeat(70_000) }) });
  assert.equal(res.statusCode, 413);
});

void test('Temporal unreachable is answered 503 UNAVAILABLE', async () => {
  api.runs.failWith = temporalDown();
  try {
    const res = await post({ report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: '536365' }] });
    assert.equal(res.status, 503, res.raw);
    assert.equal(res.body.error.code, 'UNAVAILABLE');
  } finally {
    api.runs.failWith = undefined;
  }
});

void test('a database that cannot be reached during the data checks is answered 503, without internals', async () => {
  api.db.failWith = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });
  try {
    const res = await post({ report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: '536365' }] });
    assert.equal(res.status, 503, res.raw);
    assert.equal(res.body.error.code, 'UNAVAILABLE');
    assert.equal(leaksInternals(res.raw), false, res.raw);
  } finally {
    api.db.failWith = undefined;
  }
});

void test('an unexpected fault is answered 500 INTERNAL with a safe message, and logged with its stack', async () => {
  api.runs.failWith = new TypeError('cannot read properties of undefined (reading "x") at /srv/secret/path.ts:12:3');
  try {
    const res = await post({ report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: '536365' }] });
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, { error: { code: 'INTERNAL', message: 'An unexpected error occurred; it has been logged.', errors: [] } });
    assert.ok(api.logs.some((l) => l.includes('secret/path.ts') && l.includes('"stack"')), 'the fault is logged with its stack');
  } finally {
    api.runs.failWith = undefined;
  }
});

void test('API keys never appear in the logs', () => {
  assert.ok(api.logs.length > 0);
  assert.equal(api.logs.some((l) => l.includes('acme-key-123') || l.includes('globex-key-456')), false);
});
