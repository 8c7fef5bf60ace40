/**
 * End to end, as a user runs it: `npm start` (src/main/start.ts) brings up Temporal, the database,
 * a worker and the API; reports are requested over HTTP, downloaded, and checked against SQL over the
 * same database. Runs twice: on the embedded PGlite server (the default) and on a real PostgreSQL
 * (`DATABASE_URL`), which must give the same answers from the same report SQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { startService, PROJECT_ROOT, type RunningService } from '../helpers/service.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { ApiClient } from '../helpers/api-client.js';
import { pdfText } from '../helpers/pdf-text.js';
import { fromScaled, product, toScaled } from '../helpers/decimal.js';

const engines: { name: string; database: () => Promise<{ url?: string; stop(): Promise<void> }> }[] = [
  { name: 'embedded PGlite', database: async () => ({ url: undefined, stop: async () => undefined }) },
  { name: 'PostgreSQL (DATABASE_URL)', database: startTestPostgres },
];

for (const engine of engines) {
  describe(`reportflow end to end on ${engine.name}`, { timeout: 900_000 }, () => {
    let service: RunningService;
    let api: ApiClient;
    let sql: pg.Client;
    let stopDb: () => Promise<void>;

    before(async () => {
      const db = await engine.database();
      stopDb = db.stop;
      service = await startService({ databaseUrl: db.url });
      api = new ApiClient(service.apiUrl, service.apiKey);
      sql = new pg.Client(service.databaseUrl);
      await sql.connect();
    });

    after(async () => {
      await sql?.end();
      const code = await service?.stop();
      await stopDb?.();
      assert.equal(code, 0, 'one SIGINT stops everything cleanly with exit code 0');
    });

    test('an INVOICE PDF shows the invoice number, customer, country and the total from the database', async () => {
      const created = await api.post('/v1/report-generate-requests', {
        report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'PDF', language: 'en', timezone: 'Europe/London',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, 'PENDING');
      const id = String(created.body.id);
      const { final, seen } = await api.waitForRun(id);
      assert.equal(final.status, 'SUCCEEDED', JSON.stringify(final));
      assert.match(seen[0]!, /^(PENDING|RUNNING)/, 'the first status seen is PENDING or RUNNING');
      assert.match(seen.at(-1)!, /^SUCCEEDED/, `statuses seen: ${seen.join(' → ')}`);
      const report = final.report as Record<string, unknown>;
      assert.equal(report.content_type, 'application/pdf');
      assert.equal(report.rows, 7);
      assert.equal(report.pages, 1);

      const file = await api.download(`/v1/reports/${id}/download`);
      assert.equal(file.status, 200);
      assert.equal(file.bytes.length, report.size_bytes);
      assert.equal(createHash('sha256').update(file.bytes).digest('hex'), report.sha256);
      const text = await pdfText(file.bytes);
      const { rows } = await sql.query<{ total: string; customer_id: number; country: string }>(
        `select sum(quantity*unit_price)::text as total, min(customer_id) as customer_id, min(country) as country from retail.invoice_line where invoice_no = $1`, ['536365']);
      const expected = rows[0]!;
      assert.match(text, /536365/);
      assert.match(text, new RegExp(String(expected.customer_id)));
      assert.match(text, new RegExp(expected.country));
      assert.ok(text.includes(`£${fromScaled(toScaled(expected.total))}`), `total £${expected.total} in:\n${text}`);
      assert.match(text, /1 Dec 2010, 08:26/, 'invoice date printed in Europe/London (GMT in December)');
    });

    test('a cancellation invoice is rendered as a credit note with a negative total', async () => {
      const created = await api.post('/v1/report-generate-requests', {
        report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: 'C536379' }], format: 'PDF', language: 'en', timezone: 'Europe/London',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const { final } = await api.waitForRun(String(created.body.id));
      assert.equal(final.status, 'SUCCEEDED', JSON.stringify(final));
      const text = await pdfText((await api.download(`/v1/reports/${String(created.body.id)}/download`)).bytes);
      const { rows } = await sql.query<{ total: string }>(`select sum(quantity*unit_price)::text as total from retail.invoice_line where invoice_no = 'C536379'`);
      assert.match(text, /Credit note/i);
      assert.ok(text.includes(fromScaled(toScaled(rows[0]!.total)).replace('-', '')), text);
      assert.match(text, /-£|−£|£-|-\s?£/);
    });

    test('a month of INVOICE_LINES as CSV has the row count and the sum of quantity × unit price of the source table', async () => {
      const created = await api.post('/v1/report-generate-requests', {
        report_code: 'INVOICE_LINES', format: 'CSV', language: 'en', timezone: 'Europe/London',
        parameter_values: [{ name: 'from_date', value: '2011-01-01' }, { name: 'to_date', value: '2011-01-31' }],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = String(created.body.id);
      const { final } = await api.waitForRun(id);
      assert.equal(final.status, 'SUCCEEDED', JSON.stringify(final));
      const file = await api.download(`/v1/reports/${id}/download`);
      const records = parse(file.bytes, { columns: true }) as Record<string, string>[];
      const { rows } = await sql.query<{ n: number; total: string }>(
        `select count(*)::int as n, sum(quantity*unit_price)::text as total from retail.invoice_line
          where invoice_date >= '2011-01-01T00:00:00+00:00' and invoice_date < '2011-02-01T00:00:00+00:00'`);
      assert.equal(records.length, rows[0]!.n);
      assert.equal((final.report as Record<string, unknown>).rows, rows[0]!.n);
      const csvTotal = records.reduce((acc, r) => acc + product(r.quantity!, r.unit_price!), 0n);
      assert.equal(csvTotal, toScaled(rows[0]!.total));
      assert.match(records[0]!.invoice_date!, /^2011-01-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    });

    test('INVOICE_LINES filtered by customer and country only contains that customer', async () => {
      const created = await api.post('/v1/report-generate-requests', {
        report_code: 'INVOICE_LINES', format: 'XML', language: 'en', timezone: 'Europe/London',
        parameter_values: [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2011-12-09' }, { name: 'customer_id', value: '12347' }, { name: 'country', value: 'Iceland' }],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const { final } = await api.waitForRun(String(created.body.id));
      assert.equal(final.status, 'SUCCEEDED', JSON.stringify(final));
      const xml = (await api.download(`/v1/reports/${String(created.body.id)}/download`)).bytes.toString('utf8');
      const { rows } = await sql.query<{ n: number }>(`select count(*)::int as n from retail.invoice_line where customer_id = 12347 and country = 'Iceland'`);
      assert.equal((final.report as Record<string, unknown>).rows, rows[0]!.n);
      assert.equal(xml.match(/<customer_id>12347<\/customer_id>/g)?.length, rows[0]!.n);
      assert.doesNotMatch(xml, /<customer_id>(?!12347<)\d+<\/customer_id>/);
    });

    test('SALES_SUMMARY as PDF and CSV gives net sales per country and month that add up to the database', async () => {
      const params = [{ name: 'from_date', value: '2011-01-01' }, { name: 'to_date', value: '2011-03-31' }];
      const [pdfReq, csvReq] = await Promise.all([
        api.post('/v1/report-generate-requests', { report_code: 'SALES_SUMMARY', format: 'PDF', language: 'en', timezone: 'Europe/London', parameter_values: params }),
        api.post('/v1/report-generate-requests', { report_code: 'SALES_SUMMARY', format: 'CSV', language: 'en', timezone: 'Europe/London', parameter_values: params }),
      ]);
      assert.equal(pdfReq.status, 201);
      assert.equal(csvReq.status, 201);
      const [pdfRun, csvRun] = await Promise.all([api.waitForRun(String(pdfReq.body.id)), api.waitForRun(String(csvReq.body.id))]);
      assert.equal(pdfRun.final.status, 'SUCCEEDED', JSON.stringify(pdfRun.final));
      assert.equal(csvRun.final.status, 'SUCCEEDED', JSON.stringify(csvRun.final));
      const { rows } = await sql.query<{ total: string; uk: string }>(
        `select sum(quantity*unit_price)::text as total, sum(quantity*unit_price) filter (where country = 'United Kingdom')::text as uk
           from retail.invoice_line where invoice_date >= '2011-01-01T00:00:00+00:00' and invoice_date < '2011-04-01T00:00:00+01:00'`);
      const records = parse((await api.download(`/v1/reports/${String(csvReq.body.id)}/download`)).bytes, { columns: true }) as Record<string, string>[];
      assert.equal(records.reduce((acc, r) => acc + toScaled(r.net_sales!), 0n), toScaled(rows[0]!.total));
      assert.deepEqual([...new Set(records.map((r) => r.month))].sort(), ['2011-01', '2011-02', '2011-03']);
      const text = await pdfText((await api.download(`/v1/reports/${String(pdfReq.body.id)}/download`)).bytes);
      const grouped = (s: string) => Number(s).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      assert.ok(text.includes(grouped(rows[0]!.total)), `grand total ${grouped(rows[0]!.total)} in:\n${text.slice(-1500)}`);
      assert.ok(text.includes(grouped(rows[0]!.uk)), 'United Kingdom subtotal');
      assert.match(text, /United Kingdom/);
    });

    test('MUSIC_SALES (the Chinook dataset) as CSV, whole and filtered by country (with comment lines saying so): sales per month add up to the invoices\' own totals, months in the request zone', async () => {
      // Chinook's invoices are dated at 00:00 UTC: in New York that is 19:00 or 20:00 the evening before,
      // so an invoice of 1 Feb 2021 belongs to January there.
      const params = [{ name: 'from_date', value: '2021-01-01' }, { name: 'to_date', value: '2021-06-30' }];
      const body = { report_code: 'MUSIC_SALES', language: 'en', timezone: 'America/New_York', parameter_values: params };
      const [csvReq, usaReq] = await Promise.all([
        api.post('/v1/report-generate-requests', { ...body, format: 'CSV' }),
        api.post('/v1/report-generate-requests', { ...body, format: 'CSV', filters: { country: { eq: 'USA' } }, csv_comment_lines: true }),
      ]);
      assert.equal(csvReq.status, 201, JSON.stringify(csvReq.body));
      assert.equal(usaReq.status, 201, JSON.stringify(usaReq.body));
      for (const req of [csvReq, usaReq]) assert.equal((await api.waitForRun(String(req.body.id))).final.status, 'SUCCEEDED');
      // Independently: the invoices' own totals (not their lines), by the New York month of their UTC instant.
      const { rows } = await sql.query<{ month: string; total: string; usa: string | null }>(
        `select to_char((invoice_date at time zone 'UTC') at time zone 'America/New_York', 'YYYY-MM') as month,
                sum(total)::text as total, (sum(total) filter (where billing_country = 'USA'))::text as usa
           from chinook.invoice
          where invoice_date >= '2021-01-01 05:00' and invoice_date < '2021-07-01 04:00' group by 1 order by 1`);
      assert.deepEqual(rows.map((r) => r.month), ['2021-01', '2021-02', '2021-03', '2021-04', '2021-05', '2021-06']);
      const records = parse((await api.download(`/v1/reports/${String(csvReq.body.id)}/download`)).bytes, { columns: true }) as Record<string, string>[];
      for (const { month, total } of rows) {
        assert.equal(fromScaled(records.filter((r) => r.month === month).reduce((acc, r) => acc + toScaled(r.sales!), 0n)), fromScaled(toScaled(total)), month);
      }
      assert.ok(new Set(records.map((r) => r.genre)).has('Rock'));
      // Asked with csv_comment_lines: the file says which report, period and filters it holds before its header.
      const usaFile = Buffer.from((await api.download(`/v1/reports/${String(usaReq.body.id)}/download`)).bytes).toString('utf8');
      assert.match(usaFile, /^# report_code: MUSIC_SALES\r\n# period: 2021-01-01 – 2021-06-30\r\n# timezone: America\/New_York\r\n# filters: \{"country":\{"eq":"USA"\}\}\r\n/);
      const usa = parse(usaFile, { columns: true, comment: '#' }) as Record<string, string>[];
      assert.deepEqual([...new Set(usa.map((r) => r.country))], ['USA']);
      assert.equal(fromScaled(usa.reduce((acc, r) => acc + toScaled(r.sales!), 0n)), fromScaled(rows.reduce((acc, r) => acc + toScaled(r.usa ?? '0'), 0n)));
    });

    test('an INVOICE as TXT (format written in lower case) is plain text with the invoice\'s lines and the database\'s total', async () => {
      const created = await api.post('/v1/report-generate-requests', {
        report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'txt', language: 'en', timezone: 'Europe/London',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const { final } = await api.waitForRun(String(created.body.id));
      assert.equal(final.status, 'SUCCEEDED', JSON.stringify(final));
      const file = await api.download(`/v1/reports/${String(created.body.id)}/download`);
      assert.equal(file.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.match(String(file.headers.get('content-disposition')), /\.txt"$/);
      const text = Buffer.from(file.bytes).toString('utf8');
      const { rows } = await sql.query<{ total: string; lines: number }>(`select sum(quantity*unit_price)::text as total, count(*)::int as lines from retail.invoice_line where invoice_no = $1`, ['536365']);
      assert.match(text, /^Invoice 536365$/m);
      assert.equal(text.split('\n').filter((l) => / £\d+\.\d\d +£\d+\.\d\d$/.test(l)).length, rows[0]!.lines);
      assert.match(text, new RegExp(`^Total \\(GBP\\) +£${fromScaled(toScaled(rows[0]!.total)).replace('.', '\\.')}$`, 'm'));
    });

    test('bad requests are refused with 400, an error code and the field at fault', async () => {
      const base = { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'PDF', language: 'en', timezone: 'Europe/London' };
      const cases: [Record<string, unknown>, string, string][] = [
        [{ ...base, report_code: 'NO_SUCH_REPORT' }, 'REPORT_CODE_UNKNOWN', 'report_code'],
        [{ ...base, parameter_values: [] }, 'PARAMETER_MISSING', 'parameter_values.invoice_id'],
        [{ ...base, parameter_values: [{ name: 'invoice_id', value: 'DROP TABLE x' }] }, 'PARAMETER_INVALID', 'parameter_values.invoice_id'],
        [{ ...base, timezone: 'Mars/Olympus_Mons' }, 'TIMEZONE_UNKNOWN', 'timezone'],
        [{ ...base, format: 'CSV' }, 'FORMAT_UNSUPPORTED', 'format'],
        [{ ...base, parameter_values: [{ name: 'invoice_id', value: '999999' }] }, 'INVOICE_NOT_FOUND', 'parameter_values.invoice_id'],
        [{ ...base, report_code: 'INVOICE_LINES', format: 'CSV', parameter_values: [{ name: 'from_date', value: '2011-13-45' }, { name: 'to_date', value: '2011-01-31' }] }, 'PARAMETER_INVALID', 'parameter_values.from_date'],
      ];
      for (const [body, code, field] of cases) {
        const res = await api.post<{ error: { code: string; errors: { field: string }[] } }>('/v1/report-generate-requests', body);
        assert.equal(res.status, 400, `${code}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, code);
        assert.ok(res.body.error.errors.some((e) => e.field === field), `${code} names ${field}: ${JSON.stringify(res.body)}`);
      }
      const noKey = await api.get('/v1/report-generate-requests/whatever', {});
      assert.equal(noKey.status, 401);
    });

    test('runs are findable in Temporal by the custom search attributes and carry a readable summary', async () => {
      const created = await api.post('/v1/report-generate-requests', {
        report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536366' }], format: 'HTML', language: 'no', timezone: 'Europe/Oslo', customer_id: '17850',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = String(created.body.id);
      await api.waitForRun(id);
      const connection = await Connection.connect({ address: service.temporalAddress });
      try {
        const client = new Client({ connection });
        const description = await client.workflow.getHandle(id).describe();
        assert.match(String(await description.staticSummary()), /INVOICE invoice_id=536366/);
        let found = false;
        for (let i = 0; i < 50 && !found; i++) {
          for await (const wf of client.workflow.list({ query: `ReportCode = "INVOICE" AND ReportStatus = "SUCCEEDED" AND ReportCustomerId = "17850"` })) {
            if (wf.workflowId === id) found = true;
          }
          if (!found) await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok(found, 'visible by ReportCode, ReportStatus and ReportCustomerId');
      } finally {
        await connection.close();
      }
    });

    test('the CLI generates an invoice PDF, showing the stages while it waits', async () => {
      const out = path.join(await mkdtemp(path.join(tmpdir(), 'cli-')), 'invoice.pdf');
      const { stdout } = await promisify(execFile)('npx', ['reportflow', 'generate', 'INVOICE', '--param', 'invoice_id=536365', '--format', 'pdf', '--wait', '--out', out], {
        cwd: PROJECT_ROOT, env: { ...process.env, REPORTFLOW_API_URL: service.apiUrl, REPORTFLOW_API_KEY: service.apiKey },
      });
      assert.match(stdout, /SUCCEEDED/);
      assert.match(stdout, /RENDER/);
      const text = await pdfText(await readFile(out));
      assert.match(text, /536365/);
    });
  });
}
