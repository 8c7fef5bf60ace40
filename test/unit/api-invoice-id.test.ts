/**
 * The top-level `invoice_id` (Solvimon's request shape, issue 14): shorthand for the INVOICE report's
 * `invoice_id` parameter, refused for other reports and when `parameter_values` says otherwise.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auth, startTestApi, type JsonBody, type TestApi } from '../helpers/api-fixture.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api.close();
});

async function post(body: object) {
  const res = await api.app.inject({ method: 'POST', url: '/v1/report-generate-requests', headers: auth(), payload: { format: 'PDF', ...body } });
  return { status: res.statusCode, body: res.json() as JsonBody, raw: res.body };
}

function refusal(res: { body: JsonBody }) {
  return { code: res.body.error?.code, fields: (res.body.error?.errors ?? []).map((e: { field: string }) => e.field) };
}

void test('invoice_id at the top level runs the INVOICE report for that invoice, shown among parameter_values', async () => {
  const res = await post({ report_code: 'INVOICE', invoice_id: '536365' });
  assert.equal(res.status, 201, res.raw);
  assert.deepEqual(res.body.parameter_values, [{ name: 'invoice_id', value: '536365' }]);
  assert.deepEqual(api.runs.runs.get(res.body.id)!.request.parameterValues, [{ name: 'invoice_id', value: '536365' }]);
});

void test('the same invoice_id in both places is taken once; an unknown invoice is refused as INVOICE_NOT_FOUND', async () => {
  const res = await post({ report_code: 'INVOICE', invoice_id: '536365', parameter_values: [{ name: 'invoice_id', value: '536365' }] });
  assert.equal(res.status, 201, res.raw);
  assert.deepEqual(res.body.parameter_values, [{ name: 'invoice_id', value: '536365' }]);
  assert.equal(refusal(await post({ report_code: 'INVOICE', invoice_id: '999999' })).code, 'INVOICE_NOT_FOUND');
});

void test('invoice_id disagreeing with parameter_values, or for another report, is refused on invoice_id and starts nothing', async () => {
  const before = api.runs.runs.size;
  const other = await post({ report_code: 'INVOICE', invoice_id: '536365', parameter_values: [{ name: 'invoice_id', value: '536366' }] });
  assert.equal(other.status, 400, other.raw);
  assert.deepEqual(refusal(other), { code: 'REQUEST_INVALID', fields: ['invoice_id'] });
  const lines = await post({ report_code: 'INVOICE_LINES', format: 'CSV', invoice_id: '536365', parameter_values: [{ name: 'from_date', value: '2011-01-01' }, { name: 'to_date', value: '2011-01-31' }] });
  assert.equal(lines.status, 400, lines.raw);
  assert.deepEqual(refusal(lines), { code: 'PARAMETER_UNKNOWN', fields: ['invoice_id'] });
  assert.equal(api.runs.runs.size, before);
});
