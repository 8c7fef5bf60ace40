/**
 * GET /v1/report-definitions[/{code}] shows what a client needs to build a request.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auth, startTestApi, type TestApi } from '../helpers/api-fixture.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api.close();
});

void test('the list shows every definition, sorted by code, with titles, parameters, formats, columns and period', async () => {
  const res = await api.app.inject({ method: 'GET', url: '/v1/report-definitions', headers: auth() });
  assert.equal(res.statusCode, 200);
  const { items } = res.json();
  assert.deepEqual(items.map((d: { code: string }) => d.code), ['INVOICE', 'SALES_SUMMARY']);
  const [invoice, sales] = items;
  assert.deepEqual(invoice, {
    code: 'INVOICE',
    title: { en: 'Invoice', no: 'Faktura' },
    description: 'One invoice with its lines.',
    parameters: { type: 'object', properties: { invoice_id: { type: 'string', pattern: '^[0-9]{6}$' } }, required: ['invoice_id'], additionalProperties: false },
    formats: ['PDF', 'HTML', 'CSV'],
    columns: [{ name: 'stock_code', type: 'string' }, { name: 'quantity', type: 'integer' }],
    filters: [],
    has_period: false,
  });
  assert.equal(sales.has_period, true);
  assert.deepEqual(sales.period, { from_parameter: 'from_date', to_parameter: 'to_date' });
  assert.deepEqual(sales.formats, ['CSV', 'XML']);
  assert.equal(sales.parameters.properties.country.default, 'United Kingdom');
  assert.equal(JSON.stringify(items).includes('SELECT'), false, 'SQL stays internal');
  assert.equal(JSON.stringify(items).includes(api.catalog.get('INVOICE')!.dir), false, 'paths stay internal');
});

void test('one definition by code; an unknown code is 404', async () => {
  const res = await api.app.inject({ method: 'GET', url: '/v1/report-definitions/SALES_SUMMARY', headers: auth() });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().title.no, 'Salgsoversikt');
  const missing = await api.app.inject({ method: 'GET', url: '/v1/report-definitions/NOPE', headers: auth() });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'NOT_FOUND');
});
