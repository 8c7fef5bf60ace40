import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { bindNamedParameters, queryParameters } from '../../src/data/sql-binding.js';
import { ReportError } from '../../src/domain/errors.js';
import { shippedCatalog, TEMPLATES_DIR, validated } from '../fixtures/render-fixtures.js';

test('the catalog loads the shipped reports with their formats', () => {
  const cat = shippedCatalog();
  assert.deepEqual(Object.keys(cat.get('AR_AGING')!.formats).sort(), ['CSV', 'PDF', 'XLSX']);
  assert.deepEqual(Object.keys(cat.get('INVOICE')!.formats).sort(), ['HTML', 'PDF', 'TXT']);
  assert.deepEqual(Object.keys(cat.get('INVOICE_LINES')!.formats).sort(), ['CSV', 'XLSX', 'XML']);
  assert.deepEqual(Object.keys(cat.get('SALES_SUMMARY')!.formats).sort(), ['CSV', 'PDF', 'XLSX']);
  assert.deepEqual(cat.get('INVOICE_LINES')!.formats.XLSX, { money_columns: ['unit_price', 'line_total'], currency: 'GBP' });
  assert.equal(cat.get('INVOICE')!.checkSql.length, 1);
  assert.deepEqual(cat.get('INVOICE_LINES')!.formats.XML, { xml_root: 'invoice_lines', xml_row: 'line' });
  assert.match(cat.get('INVOICE')!.title.no, /Faktura/);
});

test('INVOICE takes 6 digits with an optional C or A prefix, in either case', () => {
  const cat = shippedCatalog();
  for (const ok of ['536365', 'C536379', 'c536379', 'A563185', 536365]) {
    assert.doesNotThrow(() => validated(cat, 'INVOICE', { invoice_id: ok }, { format: 'PDF' }), String(ok));
  }
  for (const bad of ['53636', 'X536365', '536365; DROP TABLE x', 'C 536379']) {
    assert.throws(() => validated(cat, 'INVOICE', { invoice_id: bad }, { format: 'PDF' }), (e: unknown) => e instanceof ReportError && e.code === 'PARAMETER_INVALID', bad);
  }
  assert.throws(() => validated(cat, 'INVOICE', {}, { format: 'PDF' }), { code: 'PARAMETER_MISSING' });
  assert.throws(() => validated(cat, 'INVOICE', { invoice_id: '536365' }, { format: 'CSV' }), { code: 'FORMAT_UNSUPPORTED' });
});

test('INVOICE_LINES: dates required, customer and country optional (bound as NULL when absent)', () => {
  const cat = shippedCatalog();
  const def = cat.get('INVOICE_LINES')!;
  const v = validated(cat, 'INVOICE_LINES', { from_date: '2011-07-01', to_date: '2011-07-31' }, { format: 'CSV', timezone: 'Europe/Oslo' });
  assert.deepEqual(v.period, { from: '2011-07-01T00:00:00.000+02:00', to: '2011-08-01T00:00:00.000+02:00', fromDate: '2011-07-01', toDate: '2011-07-31' });
  const bound = bindNamedParameters(def.querySql, queryParameters(v));
  assert.deepEqual(bound.values, ['2011-07-01T00:00:00.000+02:00', '2011-08-01T00:00:00.000+02:00', null, null]);
  const filtered = validated(cat, 'INVOICE_LINES', { from_date: '2011-07-01', to_date: '2011-07-31', customer_id: 12744, country: 'Singapore' }, { format: 'XML' });
  assert.deepEqual(bindNamedParameters(def.querySql, queryParameters(filtered)).values.slice(2), [12744, 'Singapore']);
  assert.throws(() => validated(cat, 'INVOICE_LINES', { from_date: '2011-07-01' }, { format: 'CSV' }), { code: 'PARAMETER_MISSING' });
  assert.throws(() => validated(cat, 'INVOICE_LINES', { from_date: '2011-07-31', to_date: '2011-07-01' }, { format: 'CSV' }), { code: 'PERIOD_INVALID' });
  assert.throws(() => validated(cat, 'INVOICE_LINES', { from_date: '2011-07-01', to_date: '2011-07-31', customer_id: 'abc' }, { format: 'CSV' }), { code: 'PARAMETER_INVALID' });
});

test('SALES_SUMMARY binds the request time zone for its months', () => {
  const cat = shippedCatalog();
  const v = validated(cat, 'SALES_SUMMARY', { from_date: '2011-01-01', to_date: '2011-12-31' }, { format: 'PDF', timezone: 'Asia/Tokyo' });
  const bound = bindNamedParameters(cat.get('SALES_SUMMARY')!.querySql, queryParameters(v));
  assert.deepEqual(bound.values, ['Asia/Tokyo', '2011-01-01T00:00:00.000+09:00', '2012-01-01T00:00:00.000+09:00']);
  assert.match(bound.text, /AT TIME ZONE \$1::text/);
});

test('every label file has the same keys in English and Norwegian', () => {
  const keys = (file: string, prefix = ''): string[] => {
    const walk = (o: Record<string, unknown>, p: string): string[] =>
      Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' && v !== null ? walk(v as Record<string, unknown>, `${p}${k}.`) : [`${p}${k}`]));
    return walk(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>, prefix).sort();
  };
  const dirs = ['_shared', ...readdirSync(TEMPLATES_DIR).filter((d) => !d.startsWith('_'))]
    .map((d) => path.join(TEMPLATES_DIR, d, 'i18n'))
    .filter((d) => existsSync(path.join(d, 'en.json')));
  assert.ok(dirs.length >= 3);
  for (const dir of dirs) assert.deepEqual(keys(path.join(dir, 'no.json')), keys(path.join(dir, 'en.json')), dir);
});

test('the catalog loads from a relative templates path too (e.g. REPORTFLOW_HOME=.)', () => {
  const relative = path.relative(process.cwd(), path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'templates'));
  assert.deepEqual([...loadCatalog(relative).keys()].sort(), ['AR_AGING', 'INVOICE', 'INVOICE_LINES', 'MUSIC_SALES', 'SALES_SUMMARY']);
});

test('INVOICE_LINES and SALES_SUMMARY declare filterable fields; each order_by is its query\'s ORDER BY', () => {
  const cat = shippedCatalog();
  assert.equal(cat.get('INVOICE')!.filters, undefined);
  assert.deepEqual(Object.keys(cat.get('INVOICE_LINES')!.filters!), ['invoice_no', 'invoice_date', 'stock_code', 'quantity', 'unit_price', 'line_total', 'customer_id', 'country']);
  assert.deepEqual(Object.keys(cat.get('SALES_SUMMARY')!.filters!), ['country', 'month', 'invoices', 'lines', 'quantity', 'net_sales']);
  for (const def of cat.values()) {
    if (!def.order_by) continue;
    // The last ORDER BY of the query, positions (`ORDER BY 1, 2`) resolved through the columns' order.
    const clause = /ORDER BY\s+([^;]*?)\s*;?\s*$/i.exec(def.querySql.replace(/--[^\n]*/g, ''))?.[1];
    assert.ok(clause, `${def.code}: the query ends with ORDER BY`);
    const items = clause.split(',').map((item) => item.trim().replace(/^(\d+)/, (n) => def.columns[Number(n) - 1]!.name).replace(/\s+asc$/i, '').replace(/\s+DESC$/i, ' desc'));
    assert.deepEqual(items, def.order_by, def.code);
  }
});
