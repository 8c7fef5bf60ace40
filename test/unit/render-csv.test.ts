import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { CsvRenderer } from '../../src/render/csv-renderer.js';
import { fixture, renderInput, shippedCatalog, tempDir, validated } from '../fixtures/render-fixtures.js';

const out = (name: string) => path.join(tempDir('rf-csv-'), name);
const def = () => shippedCatalog().get('INVOICE_LINES')!;
const staged = () => readFileSync(fixture('invoice-lines-sample.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

test('CSV parses back to the staged rows, timestamps in the request zone, decimals untouched', async () => {
  const request = validated(shippedCatalog(), 'INVOICE_LINES', { from_date: '2010-12-01', to_date: '2011-12-09' }, { format: 'CSV', timezone: 'Europe/London' });
  const input = renderInput(def(), request, fixture('invoice-lines-sample.ndjson'), out('lines.csv'));
  const output = await new CsvRenderer().render(input);
  const text = readFileSync(input.outPath, 'utf8');
  // Size and checksum measured while writing are the file's own (the render activity reports them).
  const bytes = readFileSync(input.outPath);
  assert.deepEqual(output, { sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  const records = parse(text, { columns: true }) as Record<string, string>[];

  assert.deepEqual(Object.keys(records[0]!), def().columns.map((c) => c.name), 'header = column names in order');
  assert.equal(records.length, 7);
  const rows = staged();
  records.forEach((rec, i) => {
    const row = rows[i]!;
    assert.equal(rec.description, row.description ?? '', 'text round-trips, null → empty');
    assert.equal(rec.unit_price, row.unit_price);
    assert.equal(rec.line_total, row.line_total);
    assert.equal(rec.customer_id, row.customer_id === null ? '' : String(row.customer_id));
  });
  assert.equal(records[0]!.invoice_date, '2010-12-01T08:26:00+00:00', 'winter: GMT');
  assert.equal(records[4]!.invoice_date, '2011-07-18T11:55:00+01:00', 'summer: BST');
  assert.equal(records[6]!.description, 'Tag <script>alert(1)</script> & "quoted", comma\nsecond line');
  assert.equal(records[6]!.line_total, '-0.375');
});

test('CSV follows RFC 4180: CRLF records, quotes only where needed, doubled inner quotes', async () => {
  const request = validated(shippedCatalog(), 'INVOICE_LINES', { from_date: '2010-12-01', to_date: '2011-12-09' }, { format: 'CSV' });
  const input = renderInput(def(), request, fixture('invoice-lines-sample.ndjson'), out('lines.csv'));
  await new CsvRenderer().render(input);
  const text = readFileSync(input.outPath, 'utf8');
  assert.ok(text.startsWith('line_no,invoice_no,invoice_date,stock_code,description,quantity,unit_price,line_total,customer_id,country\r\n'));
  assert.ok(text.includes('\r\n1,536365,2010-12-01T08:26:00+00:00,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2.55,15.30,17850,United Kingdom\r\n'));
  assert.ok(text.includes(',"RECORD FRAME 7"" SINGLE SIZE",'));
  assert.ok(text.includes(',22139,,56,0,0,,United Kingdom\r\n'), 'nulls are empty fields');
  assert.ok(text.includes('"Tag <script>alert(1)</script> & ""quoted"", comma\nsecond line"'));
});

test('a field holding a bare line feed or carriage return is quoted, so every reader sees one record per row', async () => {
  // csv-stringify quotes a field only when it holds the record delimiter (CRLF) whole: a lone LF or CR
  // was written bare, and readers that end records at LF (csv-parse, Python's csv, Excel) split the row.
  const rows = staged().slice(0, 3);
  rows[0]!.description = 'first line\nsecond line';
  rows[1]!.description = 'carriage\rreturn';
  rows[2]!.description = 'plain';
  const rowsPath = out('bare-breaks.ndjson');
  writeFileSync(rowsPath, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const request = validated(shippedCatalog(), 'INVOICE_LINES', { from_date: '2010-12-01', to_date: '2011-12-09' }, { format: 'CSV' });
  const input = renderInput(def(), request, rowsPath, out('bare-breaks.csv'));
  await new CsvRenderer().render(input);
  const text = readFileSync(input.outPath, 'utf8');
  assert.ok(text.includes(',"first line\nsecond line",'), text);
  assert.ok(text.includes(',"carriage\rreturn",'), text);
  assert.ok(text.includes(',plain,'), 'other fields stay unquoted');
  for (const recordDelimiter of [undefined, ['\n', '\r\n']]) {
    const records = parse(text, { columns: true, ...(recordDelimiter ? { record_delimiter: recordDelimiter } : {}) }) as Record<string, string>[];
    assert.deepEqual(records.map((r) => r.description), ['first line\nsecond line', 'carriage\rreturn', 'plain']);
  }
});

test('CSV in Oslo time shifts every timestamp by the Oslo offset', async () => {
  const request = validated(shippedCatalog(), 'INVOICE_LINES', { from_date: '2010-12-01', to_date: '2011-12-09' }, { format: 'CSV', timezone: 'Europe/Oslo' });
  const input = renderInput(def(), request, fixture('invoice-lines-sample.ndjson'), out('lines.csv'));
  await new CsvRenderer().render(input);
  const records = parse(readFileSync(input.outPath, 'utf8'), { columns: true }) as Record<string, string>[];
  assert.equal(records[0]!.invoice_date, '2010-12-01T09:26:00+01:00');
  assert.equal(records[4]!.invoice_date, '2011-07-18T12:55:00+02:00');
});

test('CSV reports progress every 10,000 rows and at the end', async () => {
  const dir = tempDir('rf-csv-');
  const rowsPath = path.join(dir, 'rows.ndjson');
  const line = readFileSync(fixture('invoice-lines-sample.ndjson'), 'utf8').split('\n')[0]!;
  writeFileSync(rowsPath, (line + '\n').repeat(25_000));
  const request = validated(shippedCatalog(), 'INVOICE_LINES', { from_date: '2010-12-01', to_date: '2011-12-09' }, { format: 'CSV' });
  const input = renderInput(def(), request, rowsPath, path.join(dir, 'out.csv'));
  await new CsvRenderer().render(input);
  assert.deepEqual(input.progress, [10_000, 20_000, 25_000]);
  assert.equal(readFileSync(input.outPath, 'utf8').split('\r\n').length, 25_002, 'header + rows + final empty');
});

test('a cancelled CSV render stops with an AbortError', async () => {
  const dir = tempDir('rf-csv-');
  const rowsPath = path.join(dir, 'rows.ndjson');
  const line = readFileSync(fixture('invoice-lines-sample.ndjson'), 'utf8').split('\n')[0]!;
  writeFileSync(rowsPath, (line + '\n').repeat(200_000));
  const request = validated(shippedCatalog(), 'INVOICE_LINES', { from_date: '2010-12-01', to_date: '2011-12-09' }, { format: 'CSV' });
  const ac = new AbortController();
  const input = renderInput(def(), request, rowsPath, path.join(dir, 'out.csv'), { signal: ac.signal, onProgress: () => ac.abort() });
  await assert.rejects(new CsvRenderer().render(input), { name: 'AbortError' });
});

test('with csv_comment_lines the CSV starts with # lines naming report, period, zone and filters; a comment-aware parser reads the same rows', async () => {
  const filters = { country: { in: ['United Kingdom', 'France\n# not a comment'] } };
  const request = validated(shippedCatalog(), 'INVOICE_LINES', { from_date: '2010-12-01', to_date: '2011-12-09' }, { format: 'CSV', timezone: 'Europe/Oslo', filters });
  request.request.csvCommentLines = true;
  const input = renderInput(def(), request, fixture('invoice-lines-sample.ndjson'), out('commented.csv'));
  await new CsvRenderer({ now: () => new Date('2024-05-01T10:00:00Z') }).render(input);
  const text = readFileSync(input.outPath, 'utf8');
  assert.equal(text.slice(0, text.indexOf('line_no,')), [
    '# report_code: INVOICE_LINES',
    '# period: 2010-12-01 – 2011-12-09',
    '# timezone: Europe/Oslo',
    '# filters: {"country":{"in":["United Kingdom","France\\n# not a comment"]}}',
    '# generated_at: 2024-05-01T12:00:00+02:00',
    '# request_id: 01JTESTREQUEST0000000000000',
    '',
  ].join('\r\n'));
  const plain = validated(shippedCatalog(), 'INVOICE_LINES', { from_date: '2010-12-01', to_date: '2011-12-09' }, { format: 'CSV', timezone: 'Europe/Oslo', filters });
  const plainInput = renderInput(def(), plain, fixture('invoice-lines-sample.ndjson'), out('plain.csv'));
  await new CsvRenderer().render(plainInput);
  const plainText = readFileSync(plainInput.outPath, 'utf8');
  assert.ok(plainText.startsWith('line_no,'), 'off by default: the header comes first');
  assert.deepEqual(parse(text, { columns: true, comment: '#' }), parse(plainText, { columns: true }));
});
