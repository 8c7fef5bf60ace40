/**
 * Scale: all 541,909 Online Retail lines exported as CSV, XML and XLSX from one staged file, with memory
 * bounded (the renderers stream) and every amount exact (the net revenue matches the published figure).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { DateTime } from 'luxon';
import { ONLINE_RETAIL } from '../../src/data/datasets.js';
import { addDecimals, decimalToString, parseDecimal, type ScaledDecimal } from '../../src/render/helpers/decimal.js';
import { NdjsonWriter } from '../../src/staging/ndjson.js';
import { xlsxRows, xlsxSheetNames } from '../helpers/xlsx-read.js';

const SOURCE = fileURLToPath(new URL(`../../data/${ONLINE_RETAIL.file}`, import.meta.url));
const ROWS = ONLINE_RETAIL.rows;
const dir = mkdtempSync(path.join(os.tmpdir(), 'rf-full-'));
const stagedPath = path.join(dir, 'rows.ndjson');

after(() => rmSync(dir, { recursive: true, force: true }));

before(async () => {
  // Stage every source row as the INVOICE_LINES query would (UK wall-clock → UTC instant).
  const utc = new Map<string, string>();
  const writer = new NdjsonWriter(stagedPath);
  let lineNo = 0;
  const records = createReadStream(SOURCE).pipe(createGunzip()).pipe(parse({ from_line: 2 }));
  for await (const [invoiceNo, stockCode, description, quantity, invoiceDate, unitPrice, customerId, country] of records as AsyncIterable<string[]>) {
    lineNo++;
    let at = utc.get(invoiceDate!);
    if (!at) utc.set(invoiceDate!, (at = DateTime.fromSQL(invoiceDate!, { zone: 'Europe/London' }).toUTC().toISO()!));
    await writer.write({
      line_no: lineNo, invoice_no: invoiceNo!, invoice_date: at, stock_code: stockCode!, description: description || null,
      quantity: Number(quantity), unit_price: unitPrice!, line_total: product(quantity!, unitPrice!),
      customer_id: customerId ? Number(customerId) : null, country: country!,
    });
  }
  assert.equal((await writer.close()).rows, ROWS);
});

function product(quantity: string, unitPrice: string): string {
  const p = parseDecimal(unitPrice);
  return decimalToString({ units: p.units * BigInt(quantity), scale: p.scale });
}

const run = promisify(execFile);
const HEAP_MB = 64;

/**
 * Renders in a child process whose V8 heap is capped at HEAP_MB (the staged file alone is ~134 MB),
 * so holding the rows in memory would crash it. Returns wall time (ms), peak RSS and progress calls.
 */
async function renderCapped(format: 'CSV' | 'XML' | 'XLSX', out: string): Promise<{ ms: number; peakRss: number; progress: number[] }> {
  const child = fileURLToPath(new URL('../fixtures/render-export-child.ts', import.meta.url));
  const { stdout } = await run(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', child, format, stagedPath, out, String(ROWS)], { maxBuffer: 10e6 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { ms: number; peakRss: number; progress: number[] };
}

test(`CSV of all ${ROWS.toLocaleString('en')} lines: streamed, bounded memory, exact net revenue`, async (t) => {
  const out = path.join(dir, 'all.csv');
  const m = await renderCapped('CSV', out);
  t.diagnostic(`CSV: ${m.ms} ms, ${(statSync(out).size / 1e6).toFixed(1)} MB written, peak RSS ${(m.peakRss / 1e6).toFixed(0)} MB with a ${HEAP_MB} MB heap cap (staged file ${(statSync(stagedPath).size / 1e6).toFixed(1)} MB)`);
  assert.equal(m.progress.length, 55, 'progress every 10,000 rows and at the end');
  assert.equal(m.progress.at(-1), ROWS);

  let rows = 0;
  let total: ScaledDecimal = { units: 0n, scale: 0 };
  const parser = createReadStream(out).pipe(parse({ columns: true }));
  for await (const rec of parser as AsyncIterable<Record<string, string>>) {
    rows++;
    total = addDecimals(total, parseDecimal(rec.line_total!));
    if (rows === 1) assert.equal(rec.invoice_date, '2010-12-01T08:26:00+00:00');
  }
  assert.equal(rows, ROWS);
  assert.equal(decimalToString(total), ONLINE_RETAIL.netRevenueGbp, 'the sum of every line total is the published net revenue, to the penny and beyond');
});

test(`XML of all ${ROWS.toLocaleString('en')} lines: streamed, bounded memory, one element per line`, async (t) => {
  const out = path.join(dir, 'all.xml');
  const m = await renderCapped('XML', out);
  t.diagnostic(`XML: ${m.ms} ms, ${(statSync(out).size / 1e6).toFixed(1)} MB written, peak RSS ${(m.peakRss / 1e6).toFixed(0)} MB with a ${HEAP_MB} MB heap cap`);
  assert.equal(m.progress.at(-1), ROWS);
  let lines = 0;
  let last = '';
  for await (const line of createInterface({ input: createReadStream(out) })) {
    if (line === '  <line>') lines++;
    if (line) last = line;
  }
  assert.equal(lines, ROWS);
  assert.equal(last, '</invoice_lines>');
});

test(`XLSX of all ${ROWS.toLocaleString('en')} lines: streamed, bounded memory, one sheet, exact net revenue`, async (t) => {
  const out = path.join(dir, 'all.xlsx');
  const m = await renderCapped('XLSX', out);
  t.diagnostic(`XLSX: ${m.ms} ms, ${(statSync(out).size / 1e6).toFixed(1)} MB written, peak RSS ${(m.peakRss / 1e6).toFixed(0)} MB with a ${HEAP_MB} MB heap cap`);
  assert.equal(m.progress.length, 55, 'progress every 10,000 rows and at the end');
  assert.equal(m.progress.at(-1), ROWS);

  // Read back from the ZIP's central directory, as Excel does: every line a row, every line total a number.
  let rows = 0;
  let total: ScaledDecimal = { units: 0n, scale: 0 };
  for await (const row of xlsxRows(out, 'Invoice lines')) {
    if (row.number === 1) continue;
    rows++;
    const lineTotal = row.cells.get('H');
    assert.ok(lineTotal && (lineTotal.type === undefined || lineTotal.type === 'n') && Number.isFinite(Number(lineTotal.text)),
      `row ${row.number}: line_total is a number, read ${JSON.stringify(lineTotal)}`);
    // The double each cell holds prints as the staged decimal (at most 15 significant digits here).
    total = addDecimals(total, parseDecimal(String(Number(lineTotal.text))));
  }
  const sheets = await xlsxSheetNames(out);
  assert.deepEqual(sheets, ['Invoice lines', 'About'], '541,909 rows fit on one sheet');
  assert.equal(rows, ROWS);
  assert.equal(decimalToString(total), ONLINE_RETAIL.netRevenueGbp, 'the sum of every line total is the published net revenue');
});
