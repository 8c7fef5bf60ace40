/**
 * The API with the report definitions shipped in templates/: each is listed, and requests are
 * validated against them as a user would write them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { auth, startTestApi, type TestApi } from '../helpers/api-fixture.js';

const TEMPLATES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates');

let api: TestApi;
before(async () => {
  api = await startTestApi({ catalog: loadCatalog(TEMPLATES) });
});
after(async () => {
  await api.close();
});

async function post(payload: object) {
  const res = await api.app.inject({ method: 'POST', url: '/v1/report-generate-requests', headers: auth(), payload });
  return { status: res.statusCode, body: res.json(), raw: res.body };
}

void test('every shipped definition is listed with both titles, its formats and its parameter schema', async () => {
  const res = await api.app.inject({ method: 'GET', url: '/v1/report-definitions', headers: auth() });
  assert.equal(res.statusCode, 200);
  const items = res.json().items as { code: string; title: { en: string; no: string }; formats: string[]; parameters: { properties: object } }[];
  assert.deepEqual(items.map((d) => d.code), [...api.catalog.keys()].sort());
  for (const code of ['INVOICE', 'INVOICE_LINES', 'SALES_SUMMARY']) assert.ok(items.some((d) => d.code === code), code);
  for (const d of items) {
    assert.ok(d.title.en && d.title.no, d.code);
    assert.ok(d.formats.length > 0, d.code);
    assert.equal(typeof d.parameters.properties, 'object');
  }
  // AR_AGING's buckets column says it becomes a column per bucket of the request's intervals.
  const aging = res.json().items.find((d: { code: string }) => d.code === 'AR_AGING') as { columns: { name: string; type: string; expand?: string }[] };
  assert.deepEqual(aging.columns.find((c) => c.name === 'buckets'), { name: 'buckets', type: 'decimal', expand: 'aging_buckets' });
  assert.ok(aging.columns.filter((c) => c.name !== 'buckets').every((c) => c.expand === undefined));
  const lines = res.json().items.find((d: { code: string }) => d.code === 'INVOICE_LINES') as { filters: { name: string; type: string; operators: string[] }[] };
  const quantity = lines.filters.find((f) => f.name === 'quantity');
  assert.deepEqual(quantity, { name: 'quantity', type: 'integer', operators: ['eq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'nin'] });
});

void test('filters are checked against the definition: a good one is accepted; an unknown field or operator, an ill-typed value, a between without two values or an empty in is 400 FILTER_INVALID naming the filter', async () => {
  const base = { report_code: 'INVOICE_LINES', format: 'CSV', parameter_values: [{ name: 'from_date', value: '2011-01-01' }, { name: 'to_date', value: '2011-01-31' }] };
  const ok = await post({ ...base, filters: { country: { in: ['France', 'Germany'] }, quantity: { gte: 10, lt: 100 } } });
  assert.equal(ok.status, 201, ok.raw);
  assert.deepEqual(ok.body.filters, { country: { in: ['France', 'Germany'] }, quantity: { gte: 10, lt: 100 } });
  for (const [filters, field] of [
    [{ colour: { eq: 'red' } }, 'filters.colour'],
    [{ quantity: { gte: 'ten' } }, 'filters.quantity.gte'],
    [{ quantity: { between: [1] } }, 'filters.quantity.between'],
    [{ quantity: { between: [1, 2, 3] } }, 'filters.quantity.between'],
    [{ country: { like: '%' } }, 'filters.country.like'],
    [{ country: { in: [] } }, 'filters.country.in'],
    [{ country: { nin: [] } }, 'filters.country.nin'],
    [{ country: { eq: null } }, 'filters.country.eq'],
    [{ country: { in: ['France', ['Germany']] } }, 'filters.country.in[1]'],
    [{ country: {} }, 'filters.country'],
    [{ Country: { eq: 'France' } }, 'filters.Country'],
    [{ country: 'France' }, 'filters.country'],
  ] as const) {
    const res = await post({ ...base, filters });
    assert.equal(res.status, 400, res.raw);
    assert.equal(res.body.error.code, 'FILTER_INVALID', res.raw);
    assert.deepEqual(res.body.error.errors.map((e: { field: string; code: string }) => [e.field, e.code]), [[field, 'FILTER_INVALID']], res.raw);
  }
  const unknownOperator = await post({ ...base, filters: { country: { like: '%' } } });
  assert.match(unknownOperator.body.error.errors[0].message, /eq, gt, gte, lt, lte, between, in, nin/);
  // A filter problem beside another kind of problem: the request as a whole is REQUEST_INVALID, each field keeps its own code.
  const mixed = await post({ ...base, format: 7, filters: { country: { in: [] } } });
  assert.equal(mixed.body.error.code, 'REQUEST_INVALID', mixed.raw);
  assert.deepEqual(mixed.body.error.errors.map((e: { field: string; code: string }) => [e.field, e.code]).sort(), [['filters.country.in', 'FILTER_INVALID'], ['format', 'REQUEST_INVALID']]);
});

void test('an invoice request is accepted; a missing invoice, a bad number and an unoffered format are refused', async () => {
  const ok = await post({ report_code: 'INVOICE', format: 'pdf', parameter_values: [{ name: 'invoice_id', value: '536365' }] });
  assert.equal(ok.status, 201, ok.raw);
  const missing = await post({ report_code: 'INVOICE', format: 'pdf', parameter_values: [{ name: 'invoice_id', value: '999999' }] });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.code, 'INVOICE_NOT_FOUND');
  const bad = await post({ report_code: 'INVOICE', format: 'pdf', parameter_values: [{ name: 'invoice_id', value: '12' }] });
  assert.equal(bad.body.error.code, 'PARAMETER_INVALID');
  assert.equal(bad.body.error.errors[0].field, 'parameter_values.invoice_id');
  const xml = await post({ report_code: 'INVOICE', format: 'xml', parameter_values: [{ name: 'invoice_id', value: '536365' }] });
  assert.equal(xml.body.error.code, 'FORMAT_UNSUPPORTED');
});

void test('a period report takes dates (and typed filters as the CLI sends them: strings); a reversed period is refused', async () => {
  const ok = await post({ report_code: 'INVOICE_LINES', format: 'csv', timezone: 'Europe/Oslo', parameter_values: [{ name: 'from_date', value: '2011-03-27' }, { name: 'to_date', value: '2011-03-27' }, { name: 'customer_id', value: '17850' }] });
  assert.equal(ok.status, 201, ok.raw);
  const reversed = await post({ report_code: 'SALES_SUMMARY', format: 'csv', parameter_values: [{ name: 'from_date', value: '2011-02-01' }, { name: 'to_date', value: '2011-01-01' }] });
  assert.equal(reversed.body.error.code, 'PERIOD_INVALID');
});
