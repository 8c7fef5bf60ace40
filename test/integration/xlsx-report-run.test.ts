/**
 * XLSX through the real thing: reports requested over the HTTP API, run by the real worker activities on
 * a Temporal test server against a real PostgreSQL holding the Online Retail sample, downloaded, opened
 * with exceljs, and checked against SQL over the same database; one copy also goes to an S3 bucket (moto).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import ExcelJS from 'exceljs';
import { sumDecimals } from '../../src/render/helpers/decimal.js';
import { s3Client, S3_TEST_CREDENTIALS } from '../helpers/emulators/s3-server.js';
import { realStack, type RealStack } from '../helpers/real-stack.js';
import { useSampleStack } from '../helpers/sample-stack.js';
import { useTemporalTestServer } from '../helpers/temporal.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const temporal = useTemporalTestServer();
const data = useSampleStack('xlsx-report-run', 'acme-s3');

/** Requests a report, waits for it to succeed, downloads it and opens the workbook. */
async function runXlsx(stack: RealStack, body: object): Promise<{ run: Record<string, unknown>; workbook: ExcelJS.Workbook }> {
  const created = await stack.call('POST', '/v1/report-generate-requests', { format: 'xlsx', language: 'en', ...body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = String(created.body.id);
  const run = await stack.finished(id);
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
  const report = run.report as Record<string, unknown>;
  assert.equal(report.content_type, XLSX_TYPE);
  assert.match(String(report.file_name), /\.xlsx$/);
  const file = await stack.download(`/v1/reports/${id}/download`);
  assert.equal(file.status, 200);
  assert.equal(file.headers['content-type'], XLSX_TYPE);
  assert.match(String(file.headers['content-disposition']), /\.xlsx"$/);
  assert.equal(file.bytes.length, report.size_bytes);
  assert.equal(createHash('sha256').update(file.bytes).digest('hex'), report.sha256);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(file.bytes as unknown as ExcelJS.Buffer);
  return { run, workbook };
}

/** Data rows of the workbook's only data sheet (the About sheet follows it), keyed by the header row's names. */
function records(workbook: ExcelJS.Workbook): Record<string, ExcelJS.CellValue>[] {
  assert.deepEqual(workbook.worksheets.slice(1).map((s) => s.name), ['About']);
  const sheet = workbook.worksheets[0]!;
  const names = (sheet.getRow(1).values as ExcelJS.CellValue[]).slice(1).map(String);
  const out: Record<string, ExcelJS.CellValue>[] = [];
  sheet.eachRow((row, n) => {
    if (n > 1) out.push(Object.fromEntries(names.map((name, i) => [name, row.getCell(i + 1).value])));
  });
  return out;
}

void test('INVOICE_LINES and SALES_SUMMARY as XLSX over the API: the rows, instants and sums of the database, and an S3 copy of the same file', { timeout: 180_000 }, async () => {
  const integrations = new Map([['s3-main', { type: 'S3' as const, endpoint: data.s3.url, ...S3_TEST_CREDENTIALS }]]);
  const stack = await realStack({ temporal, db: data.db, root: data.root, templatesDir: TEMPLATES, integrations });
  await stack.run(async () => {
    const period = [{ name: 'from_date', value: '2011-06-01' }, { name: 'to_date', value: '2011-08-31' }];
    const lines = await runXlsx(stack, {
      report_code: 'INVOICE_LINES', timezone: 'Europe/Oslo', parameter_values: period,
      export_location: [{ variant: 'S3', integration_id: 's3-main', bucket_path: 's3://acme-s3/xlsx' }],
    });
    const client = s3Client(data.s3.url);
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: 'acme-s3', Prefix: 'xlsx/' }));
      const keys = (listed.Contents ?? []).map((o) => o.Key!);
      assert.equal(keys.length, 1, keys.join(', '));
      const key = keys[0]!;
      assert.match(key, /\.xlsx$/);
      const object = await client.send(new GetObjectCommand({ Bucket: 'acme-s3', Key: key }));
      assert.equal(object.ContentType, XLSX_TYPE, 'the bucket copy carries the XLSX content type');
      const bytes = Buffer.from(await object.Body!.transformToByteArray());
      assert.equal(createHash('sha256').update(bytes).digest('hex'), (lines.run.report as { sha256: string }).sha256, 'the bucket copy is the same file');
    } finally {
      client.destroy();
    }

    const expected = await data.db.query<{ line_no: number; invoice_date: Date; quantity: number; line_total: string }>(
      `SELECT line_no, invoice_date, quantity, (quantity * unit_price)::text AS line_total FROM retail.invoice_line
        WHERE invoice_date >= '2011-06-01T00:00:00+02:00' AND invoice_date < '2011-09-01T00:00:00+02:00' ORDER BY invoice_date, line_no`);
    assert.ok(expected.length > 20, `the period holds lines (${expected.length})`);
    const got = records(lines.workbook);
    assert.equal(got.length, expected.length);
    assert.equal((lines.run.report as Record<string, unknown>).rows, expected.length);
    got.forEach((r, i) => {
      const want = expected[i]!;
      assert.equal(r.line_no, want.line_no);
      assert.equal(r.quantity, want.quantity);
      // Oslo wall-clock time in the cell: the instant plus Oslo's offset then (+02:00 in summer).
      assert.ok(r.invoice_date instanceof Date, `line ${want.line_no}: invoice_date is a date`);
      assert.equal(r.invoice_date.getTime(), want.invoice_date.getTime() + 2 * 3_600_000, `line ${want.line_no}`);
    });
    assert.equal(sumDecimals(got.map((r) => String(r.line_total))), sumDecimals(expected.map((r) => r.line_total)), 'line totals add up to the database\'s');

    const summary = await runXlsx(stack, { report_code: 'SALES_SUMMARY', timezone: 'Europe/London', parameter_values: [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2011-12-09' }] });
    const [totals] = await data.db.query<{ lines: number; net: string }>('SELECT count(*)::int AS lines, sum(quantity * unit_price)::text AS net FROM retail.invoice_line');
    const months = records(summary.workbook);
    assert.ok(months.every((m) => typeof m.net_sales === 'number' && typeof m.lines === 'number'), 'amounts and counts are numbers');
    assert.equal(months.reduce((n, m) => n + (m.lines as number), 0), totals!.lines);
    assert.equal(sumDecimals(months.map((m) => String(m.net_sales))), sumDecimals([totals!.net]), 'net sales add up to the database\'s');
    assert.equal(summary.workbook.worksheets[0]!.getRow(2).getCell(6).numFmt, '"£"#,##0.00');
  });
});
