/**
 * AR_AGING through the real thing: requested over the HTTP API, run by the real worker activities on a
 * Temporal dev server against a real PostgreSQL holding all 541,909 Online Retail lines, PDFs printed by
 * Chromium, and every bucket of every customer checked against an oracle computed here in JS from the
 * raw lines (zone dates with luxon, exact decimals with test/helpers/decimal.ts), not by the report's SQL.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { PDFDocument } from 'pdf-lib';
import { migrate } from '../../src/data/migrate.js';
import { MIGRATIONS } from '../../src/data/migrations/index.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { fromScaled, product } from '../helpers/decimal.js';
import { pdfText } from '../helpers/pdf-text.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { realStack, type RealStack } from '../helpers/real-stack.js';
import { useTemporalTestServer } from '../helpers/temporal.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');
const DATA_DIR = path.resolve(import.meta.dirname, '../../data');
const temporal = useTemporalTestServer();
let pgServer: TestPostgres;
let db: PgDatabase;
let root: string;
let lines: RawLine[];

interface RawLine { customerId: number; country: string; at: Date; lineNo: number; amount: bigint }

before(async () => {
  pgServer = await startTestPostgres();
  db = new PgDatabase({ url: pgServer.url, applicationName: 'ar-aging-report' });
  // The whole Online Retail dataset (the report is about every customer), then the service's tables.
  await migrate(db, { dataDir: DATA_DIR, seed: true }, MIGRATIONS.filter((m) => m.id !== '0003-chinook'));
  const raw = await db.query<{ customer_id: number; country: string; invoice_date: Date; line_no: number; quantity: number; unit_price: string }>(
    'SELECT customer_id, country, invoice_date, line_no, quantity, unit_price::text AS unit_price FROM retail.invoice_line');
  lines = raw.filter((r) => r.customer_id !== null).map((r) => ({
    customerId: r.customer_id, country: r.country, at: r.invoice_date, lineNo: r.line_no, amount: product(String(r.quantity), r.unit_price),
  }));
  root = await mkdtemp(path.join(tmpdir(), 'reportflow-aging-'));
});
after(async () => {
  await db?.close();
  await pgServer?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

interface Expected { country: string; buckets: bigint[]; total: bigint }

/**
 * The oracle: per customer, each line's local date in `zone`, its due date `terms` days later, its days
 * overdue on `asOf`, and the bucket whose running upper bound first reaches them (0: not yet due; past
 * the last bound: the open-ended one). A customer's country is that of its latest line up to `asOf`.
 */
function expectedAging(asOf: string, lengths: number[], zone: string, terms: number): Map<number, Expected> {
  const asOfDay = DateTime.fromISO(asOf, { zone: 'UTC' });
  const localDay = new Map<number, DateTime>();
  const byCustomer = new Map<number, Expected & { latest: RawLine }>();
  for (const line of lines) {
    const ms = line.at.getTime();
    let day = localDay.get(ms);
    if (!day) localDay.set(ms, (day = DateTime.fromISO(DateTime.fromMillis(ms, { zone }).toISODate()!, { zone: 'UTC' })));
    if (day > asOfDay) continue;
    const overdue = Math.round(asOfDay.diff(day.plus({ days: terms }), 'days').days);
    let bucket = 0;
    if (overdue > 0) {
      bucket = lengths.length + 1;
      let upper = 0;
      for (let i = 0; i < lengths.length; i++) {
        upper += lengths[i]!;
        if (overdue <= upper) { bucket = i + 1; break; }
      }
    }
    let c = byCustomer.get(line.customerId);
    if (!c) byCustomer.set(line.customerId, (c = { country: line.country, buckets: Array<bigint>(lengths.length + 2).fill(0n), total: 0n, latest: line }));
    c.buckets[bucket]! += line.amount;
    c.total += line.amount;
    if (line.at > c.latest.at || (line.at.getTime() === c.latest.at.getTime() && line.lineNo > c.latest.lineNo)) c.latest = line;
  }
  return new Map([...byCustomer].map(([id, c]) => [id, { country: c.latest.country, buckets: c.buckets, total: c.total }]));
}

const scaled = (text: unknown) => product(String(text), '1');

/** Requests a report, waits for it to succeed and downloads it. */
async function runReport(stack: RealStack, format: 'CSV' | 'PDF' | 'XLSX', timezone: string, params: Record<string, string | number | boolean>, language = 'en'): Promise<Buffer> {
  const created = await stack.call('POST', '/v1/report-generate-requests', {
    report_code: 'AR_AGING', format, language, timezone,
    parameter_values: Object.entries(params).map(([name, value]) => ({ name, value })),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = String(created.body.id);
  let run: Record<string, unknown> = {};
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    run = (await stack.call('GET', `/v1/report-generate-requests/${id}`)).body;
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(String(run.status))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
  // What an Amili-style caller reads back: the job id is the request id, report_code the report type.
  assert.equal(run.id, id);
  assert.equal(run.report_code, 'AR_AGING');
  const file = await stack.download(`/v1/reports/${id}/download`);
  assert.equal(file.status, 200);
  return file.bytes;
}

const CSV_CASES = [
  // 30/30/30 on London dates with the default terms; 7/14 (covering 3 weeks of a year of data) on Tokyo dates with 14-day terms.
  { intervals: '30,30,30', lengths: [30, 30, 30], zone: 'Europe/London', terms: 30, header: ['current', 'days_1_30', 'days_31_60', 'days_61_90', 'days_over_90'] },
  { intervals: '7,14', lengths: [7, 14], zone: 'Asia/Tokyo', terms: 14, header: ['current', 'days_1_7', 'days_8_21', 'days_over_21'] },
];
const AS_OF = ['2010-11-30', '2011-03-31', '2011-12-09'];

void test('AR_AGING as CSV: every bucket of every customer equals the oracle, for three dates and two interval sets', { timeout: 900_000 }, async (t) => {
  const stack = await realStack({ temporal, db, root, templatesDir: TEMPLATES });
  await stack.run(async () => {
    for (const c of CSV_CASES) {
      for (const asOf of AS_OF) {
        const started = Date.now();
        const csv = (await runReport(stack, 'CSV', c.zone, { as_of: asOf, intervals: c.intervals, payment_terms_days: c.terms })).toString('utf8');
        const [header, ...rows] = parse(csv) as string[][];
        assert.deepEqual(header, ['customer_id', 'country', ...c.header, 'total'], `${asOf} ${c.intervals}`);
        const expected = expectedAging(asOf, c.lengths, c.zone, c.terms);
        t.diagnostic(`${asOf} ${c.intervals} ${c.zone}: ${rows.length} rows in ${Date.now() - started} ms`);
        if (asOf === '2010-11-30') {
          // Before the first invoice (2010-12-01): the header and nothing else, not even a totals row.
          assert.equal(expected.size, 0);
          assert.deepEqual(rows, []);
          continue;
        }
        assert.ok(expected.size > 1000, `${expected.size} customers by ${asOf}`);
        const totals = rows.at(-1)!;
        assert.deepEqual(totals.slice(0, 2), ['', ''], 'the last row is the totals row');
        const customers = rows.slice(0, -1);
        assert.equal(customers.length, expected.size, `${asOf} ${c.intervals}: one row per customer`);
        const columnSums = Array<bigint>(c.header.length + 1).fill(0n);
        for (const row of customers) {
          const want = expected.get(Number(row[0]));
          assert.ok(want, `customer ${row[0]} is expected`);
          assert.equal(row[1], want.country, `customer ${row[0]}'s country`);
          const got = row.slice(2).map(scaled);
          assert.deepEqual(got, [...want.buckets, want.total], `${asOf} ${c.intervals}: customer ${row[0]}`);
          got.forEach((v, i) => { columnSums[i]! += v; });
        }
        assert.deepEqual(totals.slice(2).map(scaled), columnSums, 'the totals row adds up the customers');
        if (c.intervals === '7,14' && asOf === '2011-12-09') {
          // Intervals that do not cover the data: what is older than 21 days overdue is all in the open-ended bucket.
          const open = [...expected.values()].reduce((n, e) => n + e.buckets[3]!, 0n);
          assert.equal(scaled(totals[5]!), open);
          assert.ok(open > scaled(totals[2]!) + scaled(totals[3]!) + scaled(totals[4]!), 'most of a year of invoices is over 21 days overdue');
        }
      }
    }

    // Filters: one country's customers only, without the totals row.
    const france = parse((await runReport(stack, 'CSV', 'Europe/London', { as_of: '2011-06-30', country: 'france', include_sum: false })).toString('utf8')) as string[][];
    const expectedFrance = [...expectedAging('2011-06-30', [30, 30, 30], 'Europe/London', 30)].filter(([, e]) => e.country === 'France');
    assert.ok(expectedFrance.length > 20);
    assert.deepEqual(france.slice(1).map((r) => Number(r[0])), expectedFrance.map(([id]) => id).sort((a, b) => a - b), 'France\'s customers, no totals row');
    const one = parse((await runReport(stack, 'CSV', 'Europe/London', { as_of: '2011-06-30', customer_id: 12347 })).toString('utf8')) as string[][];
    assert.equal(one.length, 3, 'header, the customer, the totals row');
    assert.deepEqual(one[1]!.slice(2).map(scaled), one[2]!.slice(2).map(scaled), 'one customer\'s totals are its own');
  });
});

/** An amount as the English PDF prints it: a number with 2 decimals (the currency is stated above the table). */
const amount = (n: bigint) => new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(fromScaled(n) as unknown as number);

void test('AR_AGING as PDF: bucket headings with their day ranges, a customer\'s amounts, and the totals row only with include_sum', { timeout: 300_000 }, async () => {
  const stack = await realStack({ temporal, db, root, templatesDir: TEMPLATES });
  await stack.run(async () => {
    const params = { as_of: '2011-03-31', country: 'Germany' };
    const pdf = await runReport(stack, 'PDF', 'Europe/London', { ...params, include_sum: true });
    const { width, height } = (await PDFDocument.load(pdf)).getPage(0).getSize();
    assert.ok(width > height, `A4 landscape (${width} × ${height} pt)`);
    const withSum = (await pdfText(pdf)).replace(/[\u00a0\u202f]/g, ' ').replace(/\u2212/g, '-');
    assert.match(withSum, /Receivables aging/);
    assert.match(withSum, /Customer\s+Country\s+Not yet due\s+1–30 days\s+31–60 days\s+61–90 days\s+Over 90 days\s+Total/);
    const expected = [...expectedAging('2011-03-31', [30, 30, 30], 'Europe/London', 30)].filter(([, e]) => e.country === 'Germany');
    const [id, customer] = expected.find(([, e]) => e.buckets.filter((b) => b !== 0n).length >= 2)!;
    const amounts = [...customer.buckets, customer.total].map(amount).join('\\s+');
    assert.match(withSum, new RegExp(`${id}\\s+Germany\\s+${amounts.replace(/[.,]/g, (ch) => `\\${ch}`)}`), `customer ${id}'s row`);
    const sums = customer.buckets.map((_, i) => expected.reduce((n, [, e]) => n + e.buckets[i]!, 0n));
    const total = expected.reduce((n, [, e]) => n + e.total, 0n);
    assert.match(withSum, new RegExp(`Grand total\\s+${[...sums, total].map(amount).join('\\s+').replace(/[.,]/g, (ch) => `\\${ch}`)}`));
    assert.match(withSum, /no payments/, 'the footer states the rule');

    const withoutSum = (await pdfText(await runReport(stack, 'PDF', 'Europe/London', { ...params, include_sum: false }))).replace(/[\u00a0\u202f]/g, ' ');
    assert.match(withoutSum, new RegExp(`${id}\\s+Germany`));
    assert.doesNotMatch(withoutSum, /Grand total/);

    const norwegian = (await pdfText(await runReport(stack, 'PDF', 'Europe/Oslo', { ...params, intervals: '60' }, 'no'))).replace(/[\u00a0\u202f]/g, ' ');
    assert.match(norwegian, /Kunde\s+Land\s+Ikke forfalt\s+1–60 dager\s+Over 60 dager\s+Totalt/);
    assert.match(norwegian, /Totalsum/);
  });
});

void test('AR_AGING as XLSX: a numeric cell per bucket, read back with exceljs, equal to the oracle', { timeout: 300_000 }, async () => {
  const stack = await realStack({ temporal, db, root, templatesDir: TEMPLATES });
  await stack.run(async () => {
    const bytes = await runReport(stack, 'XLSX', 'Europe/Oslo', { as_of: '2011-09-30', intervals: '30,60,90' });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[0]!;
    assert.equal(sheet.name, 'Receivables aging');
    assert.deepEqual((sheet.getRow(1).values as ExcelJS.CellValue[]).slice(1), ['customer_id', 'country', 'current', 'days_1_30', 'days_31_90', 'days_91_180', 'days_over_180', 'total']);
    const expected = expectedAging('2011-09-30', [30, 60, 90], 'Europe/Oslo', 30);
    assert.equal(sheet.rowCount, expected.size + 2, 'header, a row per customer, the totals row');
    const close = (cell: ExcelJS.CellValue, want: bigint, what: string) => {
      assert.equal(typeof cell, 'number', what);
      assert.ok(Math.abs((cell as number) - Number(fromScaled(want, 6))) < 1e-6, `${what}: ${String(cell)} ≠ ${fromScaled(want, 6)}`);
    };
    for (let r = 2; r <= expected.size + 1; r++) {
      const row = sheet.getRow(r);
      const id = row.getCell(1).value as number;
      const want = expected.get(id)!;
      assert.ok(want, `customer ${id}`);
      assert.equal(row.getCell(2).value, want.country);
      [...want.buckets, want.total].forEach((v, i) => close(row.getCell(i + 3).value, v, `customer ${id} column ${i + 3}`));
    }
    const totals = sheet.getRow(expected.size + 2);
    assert.equal(totals.getCell(1).value, null);
    const all = [...expected.values()];
    for (let i = 0; i < 5; i++) close(totals.getCell(i + 3).value, all.reduce((n, e) => n + e.buckets[i]!, 0n), `total of bucket ${i}`);
    close(totals.getCell(8).value, all.reduce((n, e) => n + e.total, 0n), 'grand total');
  });
});
