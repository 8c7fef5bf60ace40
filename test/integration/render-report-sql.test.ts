/**
 * The three Online Retail report definitions against a real PostgreSQL holding the sample rows: their
 * checks and queries run, rows are staged as the query activity stages them, and the renderers turn
 * them into the files a user gets.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ReportDefinition } from '../../src/catalog/report-definition.js';
import { runDataChecks } from '../../src/catalog/run-data-checks.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { bindNamedParameters, queryParameters } from '../../src/data/sql-binding.js';
import type { ValidatedRequest } from '../../src/domain/report-request.js';
import { ReportError } from '../../src/domain/errors.js';
import { CsvRenderer } from '../../src/render/csv-renderer.js';
import { sumDecimals } from '../../src/render/helpers/decimal.js';
import { NdjsonWriter, readNdjson, toStagedValue, type StagedRow } from '../../src/staging/ndjson.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { loadOnlineRetailSample, sampleRows } from '../fixtures/online-retail-sample.js';
import { fixture, renderInput, shippedCatalog, tempDir, validated } from '../fixtures/render-fixtures.js';

let pg: TestPostgres;
let db: PgDatabase;

before(async () => {
  pg = await startTestPostgres();
  db = new PgDatabase({ url: pg.url });
  assert.equal(await loadOnlineRetailSample(db), 214);
});
after(async () => {
  await db?.close();
  await pg?.stop();
});

/** What the query activity does: bind, stream through a cursor, stage each row by column type. */
async function stage(def: ReportDefinition, request: ValidatedRequest): Promise<{ path: string; rows: StagedRow[] }> {
  const file = path.join(tempDir('rf-sql-'), 'rows.ndjson');
  const { text, values } = bindNamedParameters(def.querySql, queryParameters(request));
  const writer = new NdjsonWriter(file);
  for await (const batch of db.stream(text, values, 50)) {
    for (const row of batch) {
      const out: StagedRow = {};
      for (const c of def.columns) {
        assert.ok(Object.prototype.hasOwnProperty.call(row, c.name), `query returns ${c.name}`);
        out[c.name] = toStagedValue(row[c.name], c);
      }
      await writer.write(out);
    }
  }
  await writer.close();
  const rows: StagedRow[] = [];
  for await (const r of readNdjson(file)) rows.push(r);
  return { path: file, rows };
}

test('INVOICE stages exactly the fixture the PDF tests print, for upper- or lower-case input', async () => {
  const cat = shippedCatalog();
  const def = cat.get('INVOICE')!;
  for (const [input, file] of [['536365', 'invoice-536365.ndjson'], ['c536379', 'invoice-C536379.ndjson']] as const) {
    const request = validated(cat, 'INVOICE', { invoice_id: input }, { format: 'PDF' });
    await runDataChecks(db, def, request);
    const staged = await stage(def, request);
    assert.equal(readFileSync(staged.path, 'utf8'), readFileSync(fixture(file), 'utf8'), input);
  }
});

test('INVOICE: an unknown invoice fails its check with INVOICE_NOT_FOUND on invoice_id', async () => {
  const cat = shippedCatalog();
  const request = validated(cat, 'INVOICE', { invoice_id: '999999' }, { format: 'PDF' });
  await assert.rejects(runDataChecks(db, cat.get('INVOICE')!, request), (err: unknown) => {
    assert.ok(err instanceof ReportError);
    assert.equal(err.code, 'INVOICE_NOT_FOUND');
    assert.deepEqual(err.errors.map((e) => e.field), ['parameter_values.invoice_id']);
    assert.equal(err.message, 'Invoice 999999 does not exist.');
    return true;
  });
});

test('INVOICE: a guest bad-debt adjustment has a null customer and exact amounts', async () => {
  const cat = shippedCatalog();
  const staged = await stage(cat.get('INVOICE')!, validated(cat, 'INVOICE', { invoice_id: 'a563186' }, { format: 'HTML' }));
  assert.deepEqual(staged.rows, [{
    invoice_no: 'A563186', invoice_date: '2011-08-12T13:51:00.000Z', customer_id: null, country: 'United Kingdom', stock_code: 'B',
    description: 'Adjust bad debt', quantity: 1, unit_price: '-11062.06', line_total: '-11062.06', is_credit_note: false,
  }]);
});

test('INVOICE_LINES: the period is whole days in the request zone; filters narrow it', async () => {
  const cat = shippedCatalog();
  const def = cat.get('INVOICE_LINES')!;
  const day = { from_date: '2011-06-30', to_date: '2011-06-30' };
  const london = await stage(def, validated(cat, 'INVOICE_LINES', day, { format: 'CSV', timezone: 'Europe/London' }));
  const tokyo = await stage(def, validated(cat, 'INVOICE_LINES', day, { format: 'CSV', timezone: 'Asia/Tokyo' }));
  assert.equal(london.rows.length, 14, '558637 at 20:08 BST is on 30 June in London');
  assert.ok(london.rows.every((r) => r.invoice_no === '558637'));
  assert.equal(tokyo.rows.length, 0, 'but on 1 July in Tokyo');

  const july = { from_date: '2011-07-01', to_date: '2011-07-31' };
  const all = await stage(def, validated(cat, 'INVOICE_LINES', july, { format: 'XML', timezone: 'Europe/London' }));
  assert.deepEqual([...new Set(all.rows.map((r) => r.invoice_no))], ['558638', '560360']);
  const ordered = all.rows.map((r) => `${r.invoice_date as string}|${String(r.line_no).padStart(7, '0')}`);
  assert.deepEqual(ordered, [...ordered].sort(), 'ordered by invoice_date, line_no');
  const customer = await stage(def, validated(cat, 'INVOICE_LINES', { ...july, customer_id: '12744' }, { format: 'CSV' }));
  assert.equal(customer.rows.length, 26);
  const country = await stage(def, validated(cat, 'INVOICE_LINES', { ...july, country: 'singapore' }, { format: 'CSV' }));
  assert.equal(country.rows.length, 26, 'country matches case-insensitively');
  const none = await stage(def, validated(cat, 'INVOICE_LINES', { ...july, customer_id: 12744, country: 'France' }, { format: 'CSV' }));
  assert.equal(none.rows.length, 0);
});

test('INVOICE_LINES CSV from the database: every line, timestamps with the zone offset', async () => {
  const cat = shippedCatalog();
  const def = cat.get('INVOICE_LINES')!;
  const request = validated(cat, 'INVOICE_LINES', { from_date: '2010-12-01', to_date: '2011-12-09' }, { format: 'CSV', timezone: 'Europe/Oslo' });
  const staged = await stage(def, request);
  assert.equal(staged.rows.length, 214);
  const input = renderInput(def, request, staged.path, path.join(path.dirname(staged.path), 'lines.csv'));
  await new CsvRenderer().render(input);
  const records = parse(readFileSync(input.outPath, 'utf8'), { columns: true }) as Record<string, string>[];
  assert.equal(records.length, 214);
  const first = records[0]!;
  assert.deepEqual(first, {
    line_no: '1', invoice_no: '536365', invoice_date: '2010-12-01T09:26:00+01:00', stock_code: '85123A', description: 'WHITE HANGING HEART T-LIGHT HOLDER',
    quantity: '6', unit_price: '2.55', line_total: '15.30', customer_id: '17850', country: 'United Kingdom',
  });
  assert.equal(sumDecimals(records.map((r) => r.line_total)), sumDecimals(sampleRows().map((r) => exactProduct(r.quantity, r.unit_price))), 'line totals are exact');
});

test('SALES_SUMMARY: months follow the request zone and the net sales add up exactly', async () => {
  const cat = shippedCatalog();
  const def = cat.get('SALES_SUMMARY')!;
  const period = { from_date: '2011-06-01', to_date: '2011-07-31' };
  const london = await stage(def, validated(cat, 'SALES_SUMMARY', period, { format: 'PDF', timezone: 'Europe/London' }));
  const tokyo = await stage(def, validated(cat, 'SALES_SUMMARY', period, { format: 'PDF', timezone: 'Asia/Tokyo' }));
  const uk = (rows: StagedRow[]) => rows.filter((r) => r.country === 'United Kingdom').map((r) => [r.month, r.invoices, r.lines]);
  assert.deepEqual(uk(london.rows), [['2011-06', 1, 14], ['2011-07', 1, 7]]);
  assert.deepEqual(uk(tokyo.rows), [['2011-07', 2, 21]], 'in Tokyo the 30 June evening invoice falls in July');
  assert.deepEqual(london.rows.map((r) => r.country), ['Singapore', 'United Kingdom', 'United Kingdom']);

  const whole = await stage(def, validated(cat, 'SALES_SUMMARY', { from_date: '2010-12-01', to_date: '2011-12-09' }, { format: 'CSV' }));
  const expected = sumDecimals(sampleRows().map((r) => exactProduct(r.quantity, r.unit_price)));
  assert.equal(sumDecimals(whole.rows.map((r) => r.net_sales)), expected);
  assert.equal(whole.rows.reduce((n, r) => n + (r.lines as number), 0), 214);
});

/** quantity × unit_price with BigInts: the value PostgreSQL's NUMERIC gives. */
function exactProduct(quantity: string, unitPrice: string): string {
  const scale = unitPrice.includes('.') ? unitPrice.split('.')[1]!.length : 0;
  const units = BigInt(quantity) * BigInt(unitPrice.replace('.', ''));
  const sign = units < 0n ? '-' : '';
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  return sign + (scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits);
}
