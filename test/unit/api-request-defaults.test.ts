/**
 * What a report request gets for the fields it leaves out: the configured default time zone
 * (`REPORTFLOW_DEFAULT_TIME_ZONE`), shown on the record; the format its `Accept` header names; the
 * language its `Accept-Language` header prefers. Explicit body fields always win.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/settings.js';
import { auth, startTestApi, type JsonBody, type TestApi } from '../helpers/api-fixture.js';

let api: TestApi;
before(async () => {
  api = await startTestApi({ defaultTimeZone: 'Asia/Tokyo' });
});
after(async () => {
  await api.close();
});

const PATH = '/v1/report-generate-requests';
const SALES = { report_code: 'SALES_SUMMARY', parameter_values: [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-01' }] };

async function post(body: object, headers: Record<string, string> = {}) {
  const res = await api.app.inject({ method: 'POST', url: PATH, headers: { ...auth(), ...headers }, payload: body });
  return { status: res.statusCode, body: res.json() as JsonBody, raw: res.body };
}

void test('a request without timezone gets the configured default zone, on its record and its run', async () => {
  const res = await post({ ...SALES, format: 'CSV' });
  assert.equal(res.status, 201, res.raw);
  assert.equal(res.body.timezone, 'Asia/Tokyo');
  const read = await api.app.inject({ method: 'GET', url: `${PATH}/${res.body.id}`, headers: auth() });
  assert.equal(read.json().timezone, 'Asia/Tokyo', 'the stored record shows the zone used');
  assert.equal(api.runs.runs.get(res.body.id)!.request.timezone, 'Asia/Tokyo', 'the run is started with it');
});

void test('an explicit timezone wins over the configured default', async () => {
  const res = await post({ ...SALES, format: 'CSV', timezone: 'UTC' });
  assert.equal(res.status, 201, res.raw);
  assert.equal(res.body.timezone, 'UTC');
});

void test('REPORTFLOW_DEFAULT_TIME_ZONE is checked at start: an unknown zone names the variable, default UTC', () => {
  assert.equal(loadConfig({}).defaultTimeZone, 'UTC');
  assert.equal(loadConfig({ REPORTFLOW_DEFAULT_TIME_ZONE: 'Europe/Oslo' }).defaultTimeZone, 'Europe/Oslo');
  assert.throws(() => loadConfig({ REPORTFLOW_DEFAULT_TIME_ZONE: 'Mars/Olympus' }), /REPORTFLOW_DEFAULT_TIME_ZONE: expected an IANA time zone name.*Mars\/Olympus/);
});

const INVOICE = { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }] };

/** Asserts a 400 with `code` on `field`, and returns nothing else. */
function assertRefused(res: Awaited<ReturnType<typeof post>>, code: string, field: string): void {
  assert.equal(res.status, 400, res.raw);
  assert.equal(res.body.error.code, code, res.raw);
  assert.ok(res.body.error.errors.some((e: { field: string }) => e.field === field), `expected field ${field} in ${res.raw}`);
}

void test('without format, Accept picks the report\'s format by q-value; the answer is still JSON', async () => {
  const csv = await post(INVOICE, { accept: 'text/csv' });
  assert.equal(csv.status, 201, csv.raw);
  assert.equal(csv.body.format, 'CSV');
  assert.equal(api.runs.runs.get(csv.body.id)!.request.format, 'CSV');
  const res = await api.app.inject({ method: 'POST', url: PATH, headers: { ...auth(), accept: 'application/pdf' }, payload: INVOICE });
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(res.json().format, 'PDF');
  // HTML preferred over PDF by q; XML (not offered by INVOICE) is passed over; an explicit q=0 excludes.
  assert.equal((await post(INVOICE, { accept: 'application/pdf;q=0.5, text/html;q=0.9, application/xml' })).body.format, 'HTML');
  assert.equal((await post(INVOICE, { accept: 'Text/CSV;q=0, application/pdf;q=0.1, */*' })).body.format, 'PDF');
  const xlsx = await post({ ...SALES, timezone: 'UTC' }, { accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/xml;q=0.8' });
  assert.equal(xlsx.body.format, 'XML', 'the fixture SALES_SUMMARY has CSV and XML only');
});

void test('wildcards and application/json choose no format: the body must name one', async () => {
  for (const accept of ['*/*', 'application/json', 'text/*', 'application/json, text/plain']) {
    assertRefused(await post(INVOICE, { accept }), 'REQUEST_INVALID', 'format');
  }
  assertRefused(await post(INVOICE), 'REQUEST_INVALID', 'format');
  assertRefused(await post(INVOICE, { accept: 'application/xml, */*;q=0.1' }), 'REQUEST_INVALID', 'format');
});

void test('an Accept naming only formats the report lacks is refused with FORMAT_UNSUPPORTED on Accept', async () => {
  const res = await post(INVOICE, { accept: 'application/xml, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;q=0.5' });
  assertRefused(res, 'FORMAT_UNSUPPORTED', 'Accept');
  assert.match(res.raw, /application\/pdf \(PDF\)/, 'the answer lists what the report offers');
});

void test('an explicit format wins over Accept, even one the report lacks', async () => {
  const res = await post({ ...INVOICE, format: 'html' }, { accept: 'application/xml' });
  assert.equal(res.status, 201, res.raw);
  assert.equal(res.body.format, 'HTML');
});

void test('without language, Accept-Language picks the best supported one by prefix and q; else en; the body wins', async () => {
  const cases: [string, string][] = [['en-GB', 'en'], ['no-NO', 'no'], ['fr-FR, NO;q=0.5', 'no'], ['fr', 'en'], ['*', 'en'], ['en;q=0.3, no;q=0.8', 'no']];
  for (const [header, language] of cases) {
    const res = await post({ ...INVOICE, format: 'PDF' }, { 'accept-language': header });
    assert.equal(res.status, 201, res.raw);
    assert.equal(res.body.language, language, `Accept-Language: ${header}`);
  }
  const explicit = await post({ ...INVOICE, format: 'PDF', language: 'EN' }, { 'accept-language': 'no' });
  assert.equal(explicit.body.language, 'en', 'the body wins, in any case');
});

void test('an Idempotency-Key stands for the negotiated request: another Accept with the same key is a conflict', async () => {
  const key = `neg-${Date.now()}`;
  const first = await post(INVOICE, { accept: 'text/csv', 'idempotency-key': key });
  assert.equal(first.status, 201, first.raw);
  const again = await post(INVOICE, { accept: 'text/csv', 'idempotency-key': key });
  assert.equal(again.status, 201, again.raw);
  assert.equal(again.body.id, first.body.id, 'the same negotiated request is a replay');
  const other = await post(INVOICE, { accept: 'application/pdf', 'idempotency-key': key });
  assert.equal(other.status, 409, other.raw);
});

const SALES_CSV = { report_code: 'SALES_SUMMARY', format: 'CSV' };

void test('data_from/data_to at midnight in the request\'s zone become the period parameters, data_to exclusive', async () => {
  const oslo = await post({ ...SALES_CSV, timezone: 'Europe/Oslo', data_from: '2011-06-30T22:00:00Z', data_to: '2011-08-01T00:00:00+02:00' });
  assert.equal(oslo.status, 201, oslo.raw);
  assert.deepEqual(oslo.body.parameter_values, [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-31' }]);
  assert.deepEqual(api.runs.runs.get(oslo.body.id)!.request.parameterValues, oslo.body.parameter_values);
  // Without timezone, midnight is the configured default zone's (Asia/Tokyo here).
  const tokyo = await post({ ...SALES_CSV, data_from: '2011-07-01T00:00:00+09:00', data_to: '2011-07-02T00:00:00+09:00' });
  assert.equal(tokyo.status, 201, tokyo.raw);
  assert.deepEqual(tokyo.body.parameter_values, [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-01' }]);
});

void test('data_from/data_to that are not whole days, not ordered, alone, or beside the period parameters are refused', async () => {
  const notMidnight = await post({ ...SALES_CSV, timezone: 'Europe/Oslo', data_from: '2011-07-01T00:00:00Z', data_to: '2011-08-01T00:00:00+02:00' });
  assertRefused(notMidnight, 'PERIOD_INVALID', 'data_from');
  assert.match(notMidnight.body.error.message, /02:00:00.*Europe\/Oslo, not midnight/, notMidnight.raw);
  assertRefused(await post({ ...SALES_CSV, timezone: 'UTC', data_from: '2011-07-01T00:00:00Z', data_to: '2011-07-31T23:59:59Z' }), 'PERIOD_INVALID', 'data_to');
  assertRefused(await post({ ...SALES_CSV, timezone: 'UTC', data_from: '2011-07-02T00:00:00Z', data_to: '2011-07-01T00:00:00Z' }), 'PERIOD_INVALID', 'data_to');
  assertRefused(await post({ ...SALES_CSV, timezone: 'UTC', data_from: '2011-07-01T00:00:00Z', data_to: '2011-07-01T00:00:00Z' }), 'PERIOD_INVALID', 'data_to');
  assertRefused(await post({ ...SALES_CSV, data_from: '2011-07-01T00:00:00Z' }), 'PERIOD_INVALID', 'data_to');
  assertRefused(await post({ ...SALES_CSV, data_to: '2011-07-01T00:00:00Z' }), 'PERIOD_INVALID', 'data_from');
  assertRefused(await post({ ...SALES, format: 'CSV', timezone: 'UTC', data_from: '2011-07-01T00:00:00Z', data_to: '2011-07-02T00:00:00Z' }), 'PERIOD_INVALID', 'parameter_values.from_date');
  assertRefused(await post({ ...INVOICE, format: 'PDF', timezone: 'UTC', data_from: '2011-07-01T00:00:00Z', data_to: '2011-07-02T00:00:00Z' }), 'PERIOD_INVALID', 'data_from');
  // An instant needs its offset: a local time would mean another instant in every zone.
  assertRefused(await post({ ...SALES_CSV, timezone: 'UTC', data_from: '2011-07-01T00:00:00', data_to: '2011-07-02T00:00:00Z' }), 'REQUEST_INVALID', 'data_from');
});
