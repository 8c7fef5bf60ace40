/**
 * What a report request gets for the fields it leaves out: the configured default time zone
 * (`REPORTFLOW_DEFAULT_TIME_ZONE`), shown on the record; explicit body fields always win.
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
