/**
 * The XLSX renderer, read back with exceljs as a spreadsheet user's tools would: typed cells (dates as
 * dates in the request's zone, amounts as numbers with the currency format), a bold frozen header, rows
 * beyond a sheet's limit on further sheets, and a failed file write failing the render only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { sumDecimals } from '../../src/render/helpers/decimal.js';
import { currencyNumberFormat } from '../../src/render/xlsx-cells.js';
import { loadLabels } from '../../src/render/labels.js';
import { XlsxRenderer, type XlsxRendererOptions } from '../../src/render/xlsx-renderer.js';
import type { ReportFilters } from '../../src/domain/report-request.js';
import { TEMPLATES_DIR, fixture, renderInput, shippedCatalog, tempDir, templatesWith, validated } from '../fixtures/render-fixtures.js';

/** The renderer as the worker builds it: labels from the shipped templates, a pinned clock. */
const xlsx = (options: XlsxRendererOptions = {}) =>
  new XlsxRenderer({ labels: (dir, language) => loadLabels(TEMPLATES_DIR, dir, language), now: () => new Date('2024-05-01T10:00:05Z'), ...options });

const def = () => shippedCatalog().get('INVOICE_LINES')!;
const staged = () => readFileSync(fixture('invoice-lines-sample.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const period = { from_date: '2010-12-01', to_date: '2011-12-09' };

async function renderSample(timezone: string, rowsPath = fixture('invoice-lines-sample.ndjson'), renderer = xlsx(), extra: { language?: 'en' | 'no'; filters?: ReportFilters } = {}) {
  const request = validated(shippedCatalog(), 'INVOICE_LINES', period, { format: 'XLSX', timezone, ...extra });
  const input = renderInput(def(), request, rowsPath, path.join(tempDir('rf-xlsx-'), 'lines.xlsx'));
  const output = await renderer.render(input);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(input.outPath);
  return { input, output, workbook };
}

/** A sheet's data rows (below the header) as arrays of cell values, columns from 1. */
function dataRows(sheet: ExcelJS.Worksheet): ExcelJS.CellValue[][] {
  const rows: ExcelJS.CellValue[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, n) => {
    if (n > 1) rows.push(def().columns.map((_, i) => row.getCell(i + 1).value));
  });
  return rows;
}

test('XLSX of the sample: header, one row per staged row, dates as dates, numbers as numbers, exact line total sum', async () => {
  const { workbook, output, input } = await renderSample('UTC');
  const bytes = readFileSync(input.outPath);
  assert.deepEqual(output, { sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }, 'size and sha256 measured while writing');
  assert.deepEqual(workbook.worksheets.map((s) => s.name), ['Invoice lines', 'About']);
  const sheet = workbook.worksheets[0]!;
  const header = sheet.getRow(1);
  assert.deepEqual(def().columns.map((_, i) => header.getCell(i + 1).value), def().columns.map((c) => c.name), 'header = column names in order');
  assert.equal(header.getCell(1).font?.bold, true, 'header is bold');
  assert.deepEqual(sheet.views.map((v) => [v.state, (v as ExcelJS.WorksheetViewFrozen).ySplit]), [['frozen', 1]], 'header row frozen');

  const rows = dataRows(sheet);
  const source = staged();
  assert.equal(rows.length, source.length);
  const col = (name: string) => def().columns.findIndex((c) => c.name === name);
  rows.forEach((cells, i) => {
    const row = source[i]!;
    const date = cells[col('invoice_date')];
    assert.ok(date instanceof Date, `row ${i + 2}: invoice_date is a date, not ${typeof date}`);
    assert.equal(date.toISOString(), row.invoice_date, 'in UTC the cell is the staged instant');
    for (const name of ['line_no', 'quantity', 'unit_price', 'line_total']) {
      assert.equal(typeof cells[col(name)], 'number', `row ${i + 2}: ${name} is a number`);
      assert.equal(cells[col(name)], Number(row[name]));
    }
    assert.equal(cells[col('customer_id')], row.customer_id, 'customer id a number, or an empty cell for null');
    assert.equal(cells[col('description')], row.description, 'text as text, null as an empty cell');
  });
  assert.equal(sumDecimals(rows.map((r) => String(r[col('line_total')]))), sumDecimals(source.map((r) => r.line_total)), 'line totals add up to the staged sum');
  assert.equal(rows.at(-1)![col('description')], 'Tag <script>alert(1)</script> & "quoted", comma\nsecond line');

  const moneyCell = sheet.getRow(2).getCell(col('line_total') + 1);
  assert.equal(moneyCell.numFmt, '"£"#,##0.00', 'money in the currency format');
  assert.equal(sheet.getRow(2).getCell(col('invoice_date') + 1).numFmt, 'yyyy-mm-dd hh:mm:ss');
  const widths = def().columns.map((_, i) => sheet.getColumn(i + 1).width ?? 0);
  assert.ok(widths.every((w) => w >= 10 && w <= 60), `widths within 10–60: ${widths.join(', ')}`);
  assert.ok(widths[col('description')]! > widths[col('quantity')]!, 'the description column is wider than the quantity column');
});

test('XLSX timestamps show the wall-clock time of the request zone, as the CSV offsets do', async () => {
  for (const zone of ['Europe/London', 'Europe/Oslo', 'America/New_York']) {
    const { workbook } = await renderSample(zone);
    const rows = dataRows(workbook.worksheets[0]!);
    staged().forEach((row, i) => {
      const local = DateTime.fromISO(String(row.invoice_date), { zone: 'utc' }).setZone(zone);
      const cell = rows[i]![2] as Date;
      // Excel has no zones: the cell's fields are the local time (read back as if UTC).
      assert.equal(cell.toISOString().slice(0, 19), local.toFormat("yyyy-MM-dd'T'HH:mm:ss"), `${zone} row ${i + 2}`);
    });
  }
  const { workbook } = await renderSample('Europe/London');
  assert.equal((dataRows(workbook.worksheets[0]!)[4]![2] as Date).toISOString(), '2011-07-18T11:55:00.000Z', '10:55 UTC is 11:55 BST');
});

test('XLSX rows beyond a sheet\'s limit continue on further sheets, each with the header', async () => {
  const { workbook } = await renderSample('UTC', fixture('invoice-lines-sample.ndjson'), xlsx({ rowsPerSheet: 3 }));
  assert.deepEqual(workbook.worksheets.map((s) => s.name), ['Invoice lines', 'Invoice lines (2)', 'Invoice lines (3)', 'About']);
  const data = workbook.worksheets.slice(0, -1);
  const perSheet = data.map((s) => dataRows(s));
  assert.deepEqual(perSheet.map((r) => r.length), [3, 3, 1]);
  for (const sheet of data) assert.equal(sheet.getRow(1).getCell(1).value, 'line_no');
  assert.deepEqual(perSheet.flat().map((r) => r[0]), staged().map((r) => r.line_no), 'every row once, in order');
});

test('an XLSX without rows still has its sheet and header row', async () => {
  const empty = path.join(tempDir('rf-xlsx-'), 'empty.ndjson');
  writeFileSync(empty, '');
  const { workbook, input } = await renderSample('UTC', empty);
  assert.deepEqual(workbook.worksheets.map((s) => s.name), ['Invoice lines', 'About']);
  assert.equal(workbook.worksheets[0]!.rowCount, 1);
  assert.equal(workbook.worksheets[0]!.getRow(1).getCell(10).value, 'country');
  assert.deepEqual(input.progress, [0]);
});

test('a filtered XLSX says so: its About sheet and properties name the report, period, zone and each filter, in the request\'s language', async () => {
  const filters = { country: { in: ['France', 'Germany'] }, quantity: { gte: 10 } };
  const { workbook } = await renderSample('Europe/Oslo', fixture('invoice-lines-sample.ndjson'), xlsx(), { language: 'no', filters });
  assert.deepEqual(workbook.worksheets.map((s) => s.name), ['Fakturalinjer', 'Om rapporten']);
  const about: string[][] = [];
  workbook.worksheets[1]!.eachRow((row) => about.push([String(row.getCell(1).value ?? ''), String(row.getCell(2).value ?? '')]));
  assert.deepEqual(about, [
    ['Rapport', 'Fakturalinjer (INVOICE_LINES)'],
    ['Periode', '2010-12-01 – 2011-12-09'],
    ['Tidssone', 'Europe/Oslo'],
    ['Filtre', 'quantity ≥ 10'],
    ['', 'country ∈ {France, Germany}'],
    ['Generert', '2024-05-01T12:00:05+02:00'],
    ['Forespørsel', '01JTESTREQUEST0000000000000'],
  ]);
  assert.equal(workbook.title, 'Fakturalinjer');
  assert.equal(workbook.subject, '2010-12-01 – 2011-12-09');
  assert.equal(workbook.description, 'quantity ≥ 10; country ∈ {France, Germany}');
});

test('XLSX reports progress every 10,000 rows and at the end', async () => {
  const dir = tempDir('rf-xlsx-');
  const rowsPath = path.join(dir, 'rows.ndjson');
  writeFileSync(rowsPath, (readFileSync(fixture('invoice-lines-sample.ndjson'), 'utf8').split('\n')[0]! + '\n').repeat(25_000));
  const { input, workbook } = await renderSample('UTC', rowsPath);
  assert.deepEqual(input.progress, [10_000, 20_000, 25_000]);
  assert.equal(workbook.worksheets[0]!.rowCount, 25_001);
});

test('a failed XLSX file write rejects the render with the I/O error, and nothing is left to crash the process', async () => {
  const uncaught: Error[] = [];
  const listener = (err: Error) => uncaught.push(err);
  process.on('uncaughtException', listener);
  try {
    const request = validated(shippedCatalog(), 'INVOICE_LINES', period, { format: 'XLSX' });
    const input = renderInput(def(), request, fixture('invoice-lines-sample.ndjson'), path.join(tempDir('rf-xlsx-'), 'no-such-dir', 'lines.xlsx'));
    await assert.rejects(xlsx().render(input), { code: 'ENOENT' });
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    process.off('uncaughtException', listener);
  }
  assert.deepEqual(uncaught.map((e) => e.message), []);
});

test('money formats follow the currency\'s symbol and minor digits', () => {
  assert.equal(currencyNumberFormat('GBP'), '"£"#,##0.00');
  assert.equal(currencyNumberFormat('JPY'), '"¥"#,##0');
  assert.equal(currencyNumberFormat('NOK'), '"kr"#,##0.00');
  assert.equal(currencyNumberFormat('USD'), '"$"#,##0.00');
});

test('the catalog refuses XLSX money columns that are not decimal columns, or a currency Intl does not know', () => {
  const decimal = { columns: [{ name: 'n', type: 'integer' }, { name: 'amount', type: 'decimal' }] };
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ ...decimal, formats: { XLSX: { money_columns: ['n'], currency: 'GBP' } } }, /formats\.XLSX\.money_columns: n is of type integer, not a decimal column/],
    [{ ...decimal, formats: { XLSX: { money_columns: ['nope'], currency: 'GBP' } } }, /money_columns: nope is not a column/],
    [{ ...decimal, formats: { XLSX: { money_columns: ['amount'], currency: 'XYZ' } } }, /formats\.XLSX\.currency: XYZ is not an ISO 4217 currency/],
    [{ ...decimal, formats: { XLSX: { money_columns: ['amount'] } } }, /report\.json: .*currency/],
  ];
  for (const [patch, message] of refused) assert.throws(() => loadCatalog(templatesWith(patch)), message, JSON.stringify(patch));
  const ok = loadCatalog(templatesWith({ ...decimal, formats: { XLSX: { money_columns: ['amount'], currency: 'NOK' } } }));
  assert.deepEqual(ok.get('BAD_FILTERS')!.formats.XLSX, { money_columns: ['amount'], currency: 'NOK' });
});
