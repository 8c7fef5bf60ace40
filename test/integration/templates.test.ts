/**
 * Tenant templates through the real thing: the HTTP API (inject) over a real PostgreSQL holding the
 * Online Retail sample, runs by the real worker activities (real Chromium for PDF) on a Temporal test
 * server. What a template author would check: upload → preview → run → download gives the layout
 * over exactly the period's rows (counted and summed by SQL); the regulatory XML validates against
 * its XSD with xmllint; a run keeps the version it started with after a PUT; another tenant sees
 * nothing; bad and hostile templates are refused with the code, field and line; a PDF template's
 * network URLs are never fetched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../src/config/settings.js';
import { cliRunner } from '../helpers/cli-runner.js';
import { pdfText } from '../helpers/pdf-text.js';
import { OTHER_TENANT_API_KEY, realStack, STACK_API_KEY, type RealStack } from '../helpers/real-stack.js';
import { useRetailDatabase } from '../helpers/retail-database.js';
import { useTemporalTestServer } from '../helpers/temporal.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/templates');
const temporal = useTemporalTestServer();
const retail = useRetailDatabase('templates');

const JULY = [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-31' }];
const INSTITUTION = { name: 'institution_code', value: '12345678' };
const OTHER_TENANT = { 'x-api-key': OTHER_TENANT_API_KEY };
const INSTITUTION_PARAMETER = { type: 'object', properties: { institution_code: { type: 'string', pattern: '^[0-9]{8}$' } }, required: ['institution_code'] };

const XML_TEMPLATE = {
  name: 'Monthly invoice-line return',
  description: 'A regulatory-style XML per period: header and trailer with the record count and the sum of amounts.',
  format: 'XML',
  dataset: 'invoice_lines',
  parameters: INSTITUTION_PARAMETER,
  filters: { country: { type: 'string' } },
  body: readFileSync(path.join(FIXTURES, 'regulatory-lines.xml.hbs'), 'utf8'),
};
const TXT_TEMPLATE = { name: 'Fixed-width lines', format: 'TXT', dataset: 'invoice_lines', parameters: INSTITUTION_PARAMETER, body: readFileSync(path.join(FIXTURES, 'fixed-width-lines.txt.hbs'), 'utf8') };
const CSV_TEMPLATE = { name: 'Lines for the ledger', format: 'CSV', dataset: 'invoice_lines', body: 'invoice;item;amount\r\n{{#each rows}}{{invoice_no}};{{description}};{{line_total}}\r\n{{/each}}' };

/** July 2011's lines by SQL, in the dataset's order: count, sum of amounts, and each line's invoice, item and amount. */
async function julyBySql(country?: string) {
  const where = `invoice_date >= '2011-07-01T00:00:00Z' AND invoice_date < '2011-08-01T00:00:00Z' AND ($1::text IS NULL OR country = $1)`;
  const [totals] = await retail.db.query<{ n: number; total: string }>(`SELECT count(*)::int AS n, sum(quantity * unit_price)::text AS total FROM retail.invoice_line WHERE ${where}`, [country ?? null]);
  const lines = await retail.db.query<{ invoice_no: string; stock_code: string; description: string; amount: string }>(
    `SELECT invoice_no, stock_code, description, (quantity * unit_price)::text AS amount FROM retail.invoice_line WHERE ${where} ORDER BY invoice_date, line_no`,
    [country ?? null],
  );
  return { count: totals!.n, total: totals!.total, lines };
}

async function upload(stack: RealStack, template: object): Promise<string> {
  const created = await stack.call('POST', '/v1/templates', template);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.template_id, created.body.id);
  assert.equal(created.body.version, 1);
  return String(created.body.id);
}

/** Runs template `id` with `fields`; returns the finished run and its file. */
async function runTemplate(stack: RealStack, id: string, fields: object): Promise<{ run: Record<string, unknown>; file: { headers: Record<string, unknown>; bytes: Buffer } }> {
  const created = await stack.call('POST', '/v1/report-generate-requests', { template_id: id, ...fields });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const run = await stack.finished(String(created.body.id), 120_000);
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
  const file = await stack.download(`/v1/reports/${String(run.id)}/download`);
  assert.equal(file.status, 200);
  return { run, file };
}

async function xmllint(xml: Buffer): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'xsd-'));
  const file = path.join(dir, 'report.xml');
  await writeFile(file, xml);
  await promisify(execFile)('xmllint', ['--noout', '--schema', path.join(FIXTURES, 'regulatory-lines.xsd'), file]);
}

void test('the regulatory XML: upload, preview, run and download give an XSD-valid file whose count and sum are SQL\'s over the period', { timeout: 240_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'xml'), templatesDir: TEMPLATES });
  await stack.run(async () => {
    const id = await upload(stack, XML_TEMPLATE);
    const sql = await julyBySql();
    assert.ok(sql.count > 20, `July has lines in the sample (${sql.count})`);

    const preview = await stack.post('/v1/templates/preview', { template_id: id, parameter_values: [...JULY, INSTITUTION], timezone: 'UTC', rows: 5 });
    assert.equal(preview.status, 200, preview.bytes.toString());
    assert.match(String(preview.headers['content-type']), /^application\/xml/);
    await xmllint(preview.bytes);
    assert.equal((preview.bytes.toString().match(/<rpt:Line /g) ?? []).length, 5, 'the preview renders the first 5 rows only');

    const { run, file } = await runTemplate(stack, id, { format: 'XML', timezone: 'UTC', parameter_values: [...JULY, INSTITUTION] });
    assert.deepEqual([run.template_id, run.template_version, run.report_code], [id, 1, `TEMPLATE_${id}`]);
    assert.match(String(file.headers['content-type']), /^application\/xml/);
    await xmllint(file.bytes);
    const xml = file.bytes.toString('utf8');
    assert.match(xml, /<rpt:Header recordCount="(\d+)" totalAmount="([-0-9.]+)"/);
    const [, headerCount, headerSum] = /<rpt:Header recordCount="(\d+)" totalAmount="([-0-9.]+)"/.exec(xml)!;
    const [, trailerCount, trailerSum] = /<rpt:Trailer recordCount="(\d+)" totalAmount="([-0-9.]+)"/.exec(xml)!;
    assert.deepEqual([Number(headerCount), Number(trailerCount)], [sql.count, sql.count]);
    assert.deepEqual([Number(headerSum), Number(trailerSum)], [Number(sql.total), Number(sql.total)]);
    assert.equal((xml.match(/<rpt:Line /g) ?? []).length, sql.count);
    assert.match(xml, /institution="12345678" periodStart="2011-07-01" periodEnd="2011-07-31"/);

    // The template allows `country` as a filter: the file and its totals follow it.
    const uk = await julyBySql('United Kingdom');
    assert.ok(uk.count > 0 && uk.count < sql.count);
    const filtered = (await runTemplate(stack, id, { format: 'XML', timezone: 'UTC', parameter_values: [...JULY, INSTITUTION], filters: { country: { eq: 'United Kingdom' } } })).file.bytes.toString();
    assert.match(filtered, new RegExp(`<rpt:Trailer recordCount="${uk.count}" totalAmount="${uk.total.replace('.', '\\.')}"`));

    // Its parameters are checked like a report's: a bad institution code is refused before anything runs.
    const bad = await stack.call('POST', '/v1/report-generate-requests', { template_id: id, format: 'XML', parameter_values: [...JULY, { name: 'institution_code', value: 'ACME' }] });
    assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.errors[0].field], [400, 'PARAMETER_INVALID', 'parameter_values.institution_code']);
    const filterRefused = await stack.call('POST', '/v1/report-generate-requests', { template_id: id, format: 'XML', parameter_values: [...JULY, INSTITUTION], filters: { quantity: { gte: 1 } } });
    assert.deepEqual([filterRefused.status, filterRefused.body.error.code], [400, 'FILTER_INVALID'], 'only the filters the template allows');
  });
});

void test('TXT, CSV and PDF templates: upload, preview, run and download hold the period\'s rows as SQL has them', { timeout: 240_000 }, async () => {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(String(req.url));
    res.end('x');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'formats'), templatesDir: TEMPLATES });
  try {
    await stack.run(async () => {
      const sql = await julyBySql();

      const txt = await upload(stack, TXT_TEMPLATE);
      const txtPreview = await stack.post('/v1/templates/preview', { template_id: txt, parameter_values: [...JULY, INSTITUTION], timezone: 'UTC', rows: 3 });
      assert.equal(txtPreview.status, 200, txtPreview.bytes.toString());
      assert.equal(txtPreview.bytes.toString().split('\n').filter((l) => l.startsWith('D')).length, 3);
      const txtFile = (await runTemplate(stack, txt, { format: 'TXT', timezone: 'UTC', parameter_values: [...JULY, INSTITUTION] })).file;
      assert.match(String(txtFile.headers['content-type']), /^text\/plain/);
      const lines = txtFile.bytes.toString('utf8').split('\n').filter(Boolean);
      assert.equal(lines[0], 'H12345678' + '2011-07-01' + '2011-07-31');
      const details = lines.filter((l) => l.startsWith('D'));
      assert.equal(details.length, sql.count);
      assert.ok(details.every((l) => [...l].length === 1 + 7 + 12 + 6 + 12), 'every detail line has the fixed width');
      assert.deepEqual(details.map((l) => l.slice(1, 8).trim()), sql.lines.map((l) => l.invoice_no));
      assert.equal(lines.at(-1), `T${String(sql.count).padStart(8)}${sql.total.padStart(14)}`);

      const csv = await upload(stack, CSV_TEMPLATE);
      const csvFile = (await runTemplate(stack, csv, { format: 'CSV', timezone: 'UTC', parameter_values: JULY })).file;
      assert.match(String(csvFile.headers['content-type']), /^text\/csv/);
      const records = parse(csvFile.bytes, { delimiter: ';', columns: true }) as Record<string, string>[];
      assert.deepEqual(records.map((r) => [r.invoice, r.item, r.amount]), sql.lines.map((l) => [l.invoice_no, l.description, l.amount]), 'every value a CSV field, quoted where it must be');

      const pdfBody = `<!doctype html><html><head><title>{{report.title}}</title><link rel="stylesheet" href="http://127.0.0.1:${port}/style.css"></head>
<body><img src="http://127.0.0.1:${port}/logo.png"><iframe src="http://127.0.0.1:${port}/frame"></iframe><h1>{{report.title}}</h1>
{{#each rows}}<p>{{invoice_no}} {{description}} {{money line_total 'GBP'}}</p>{{/each}}<p>Lines: {{rows.length}}</p></body></html>`;
      const pdf = await upload(stack, { name: 'July lines', format: 'PDF', dataset: 'invoice_lines', body: pdfBody });
      const htmlPreview = await stack.post('/v1/templates/preview', { template_id: pdf, parameter_values: JULY, timezone: 'UTC', rows: 2 });
      assert.equal(htmlPreview.status, 200);
      assert.match(String(htmlPreview.headers['content-type']), /^text\/html/, 'a PDF template previews as its HTML page');
      assert.equal((htmlPreview.bytes.toString().match(/<p>/g) ?? []).length, 3);
      const { file: pdfFile } = await runTemplate(stack, pdf, { format: 'PDF', timezone: 'UTC', parameter_values: JULY });
      assert.equal(pdfFile.bytes.subarray(0, 5).toString(), '%PDF-');
      const text = await pdfText(pdfFile.bytes);
      assert.match(text, /July lines/);
      assert.match(text, new RegExp(`Lines: ${sql.count}`));
      assert.ok(text.includes(sql.lines[0]!.invoice_no) && text.includes(sql.lines.at(-1)!.description));
      assert.deepEqual(hits, [], 'the page loaded nothing from the network');
    });
  } finally {
    server.close();
  }
});

void test('a run keeps the version it was requested with after a PUT; later runs render the new version', { timeout: 180_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'versions'), templatesDir: TEMPLATES });
  await stack.run(async () => {
    const id = await upload(stack, { name: 'Count', format: 'TXT', dataset: 'invoice_lines', body: 'v1 {{rows.length}}' });
    const first = await runTemplate(stack, id, { format: 'TXT', timezone: 'UTC', parameter_values: JULY });
    const put = await stack.call('PUT', `/v1/templates/${id}`, { name: 'Count, v2', format: 'TXT', dataset: 'invoice_lines', body: 'v2 {{sum rows \'line_total\'}}' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual([put.body.version, put.body.name], [2, 'Count, v2']);
    const second = await runTemplate(stack, id, { format: 'TXT', timezone: 'UTC', parameter_values: JULY });
    const sql = await julyBySql();
    assert.equal(second.file.bytes.toString(), `v2 ${sql.total}`);
    assert.equal(second.run.template_version, 2);

    const before = (await stack.call('GET', `/v1/report-generate-requests/${String(first.run.id)}`)).body;
    assert.equal(before.template_version, 1, 'the earlier run still names the version it rendered');
    assert.equal((await stack.download(`/v1/reports/${String(first.run.id)}/download`)).bytes.toString(), `v1 ${sql.count}`);

    // A run requested before the PUT but rendered after it renders the version it recorded.
    const delayed = await stack.call('POST', '/v1/report-generate-requests', { template_id: id, format: 'TXT', timezone: 'UTC', parameter_values: JULY, generate_at: new Date(Date.now() + 4000).toISOString() });
    assert.equal(delayed.status, 201, JSON.stringify(delayed.body));
    assert.equal(delayed.body.template_version, 2);
    assert.equal((await stack.call('PUT', `/v1/templates/${id}`, { name: 'Count, v3', format: 'TXT', dataset: 'invoice_lines', body: 'v3' })).body.version, 3);
    const done = await stack.finished(String(delayed.body.id), 60_000);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.equal((await stack.download(`/v1/reports/${String(done.id)}/download`)).bytes.toString(), `v2 ${sql.total}`);

    const page = await stack.call('GET', '/v1/templates?limit=1&name=count');
    assert.deepEqual([page.status, page.body.total, page.body.items[0].version], [200, 1, 3]);

    assert.equal((await stack.call('DELETE', `/v1/templates/${id}`)).status, 204);
    assert.equal((await stack.call('GET', `/v1/templates/${id}`)).status, 404);
    const gone = await stack.call('POST', '/v1/report-generate-requests', { template_id: id, format: 'TXT', parameter_values: JULY });
    assert.deepEqual([gone.status, gone.body.error.code, gone.body.error.errors[0].field], [404, 'TEMPLATE_NOT_FOUND', 'template_id']);
    assert.equal((await stack.call('GET', `/v1/report-generate-requests/${String(first.run.id)}`)).body.template_id, id, 'runs made from it keep naming it');
  });
});

void test('templates are tenant-scoped: another tenant\'s id is 404 everywhere and its lists are empty', { timeout: 120_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'tenants'), templatesDir: TEMPLATES });
  await stack.run(async () => {
    const id = await upload(stack, CSV_TEMPLATE);
    assert.equal((await stack.call('GET', `/v1/templates/${id}`, undefined, OTHER_TENANT)).status, 404);
    assert.equal((await stack.call('PUT', `/v1/templates/${id}`, CSV_TEMPLATE, OTHER_TENANT)).status, 404);
    assert.equal((await stack.call('DELETE', `/v1/templates/${id}`, undefined, OTHER_TENANT)).status, 404);
    const list = await stack.call('GET', '/v1/templates', undefined, OTHER_TENANT);
    assert.deepEqual([list.status, list.body.total, list.body.items], [200, 0, []]);
    const run = await stack.call('POST', '/v1/report-generate-requests', { template_id: id, format: 'CSV', parameter_values: JULY }, OTHER_TENANT);
    assert.deepEqual([run.status, run.body.error.code], [404, 'TEMPLATE_NOT_FOUND']);
    const preview = await stack.call('POST', '/v1/templates/preview', { template_id: id, parameter_values: JULY }, OTHER_TENANT);
    assert.deepEqual([preview.status, preview.body.error.code], [404, 'TEMPLATE_NOT_FOUND']);
    assert.equal((await stack.call('GET', `/v1/templates/${id}`)).status, 200, 'the owner still has it');
  });
});

void test('bad and hostile templates are refused at upload with the code, the field and the line; nothing is stored', { timeout: 120_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'refusals'), templatesDir: TEMPLATES });
  await stack.run(async () => {
    const base = { name: 'bad', format: 'TXT', dataset: 'invoice_lines' };
    for (const [body, code, line] of [
      ['{{#each rows}}\n{{invoice_no}}\n{{/if}}', 'TEMPLATE_SYNTAX_INVALID', 1],
      ['header\n{{#each rows}}{{amount}}{{/each}}', 'TEMPLATE_FIELD_UNKNOWN', 2],
      ['{{constructor.constructor}}', 'TEMPLATE_CONSTRUCT_REFUSED', 1],
      ['\n{{> ../../etc/passwd}}', 'TEMPLATE_CONSTRUCT_REFUSED', 2],
      ['\n{{> styles}}', 'TEMPLATE_CONSTRUCT_REFUSED', 2],
      ['{{{report.title}}}', 'TEMPLATE_CONSTRUCT_REFUSED', 1],
      ['{{#each rows}}{{#each @root.rows}}{{#each @root.rows}}x{{/each}}{{/each}}{{/each}}', 'TEMPLATE_CONSTRUCT_REFUSED', 1],
    ] as const) {
      const res = await stack.call('POST', '/v1/templates', { ...base, body });
      assert.deepEqual([res.status, res.body.error.code, res.body.error?.errors?.[0]?.field], [400, code, 'body'], body);
      assert.match(res.body.error.message, new RegExp(`^Line ${line}: `), body);
    }
    const unknownDataset = await stack.call('POST', '/v1/templates', { ...base, dataset: 'payroll', body: 'x' });
    assert.deepEqual([unknownDataset.status, unknownDataset.body.error.code, unknownDataset.body.error.errors[0].field], [400, 'TEMPLATE_INVALID', 'dataset']);
    const filter = await stack.call('POST', '/v1/templates', { ...base, body: 'x', filters: { quantity: { type: 'string' } } });
    assert.deepEqual([filter.status, filter.body.error.code, filter.body.error.errors[0].field], [400, 'TEMPLATE_INVALID', 'filters.quantity']);
    assert.equal((await stack.call('GET', '/v1/templates?name=bad')).body.total, 0);

    // An inline preview is checked the same way, and renders without being stored.
    const inline = await stack.post('/v1/templates/preview', { template: { ...base, format: 'HTML', body: '<p>{{#each rows}}{{description}}{{/each}}</p>' }, parameter_values: JULY, rows: 1 });
    assert.equal(inline.status, 200);
    assert.doesNotMatch(inline.bytes.toString(), /<(?!\/?p>)/, 'data is HTML-escaped');
    assert.equal((await stack.post('/v1/templates/preview', { template: { ...base, body: '{{lookup rows 0}}' }, parameter_values: JULY })).status, 400);
    assert.equal((await stack.call('GET', '/v1/templates?name=bad')).body.total, 0);
  });
});

void test('the CLI uploads a template with its body from a .hbs file, lists, shows, previews, changes and runs it, and deletes it', { timeout: 120_000 }, async () => {
  const dir = path.join(retail.root, 'cli');
  const stack = await realStack({ temporal, db: retail.db, root: dir, templatesDir: TEMPLATES });
  await stack.run(async () => {
    const config = loadConfig({ REPORTFLOW_API_URL: await stack.listen(), REPORTFLOW_API_KEY: STACK_API_KEY, REPORTFLOW_HOME: dir });
    const cli = cliRunner(config);
    await mkdir(dir, { recursive: true });
    const { body: _body, ...spec } = TXT_TEMPLATE;
    await writeFile(path.join(dir, 'spec.json'), JSON.stringify({ ...spec, name: 'CLI fixed width' }));
    const created = await cli('templates', 'create', path.join(dir, 'spec.json'), '--body', path.join(FIXTURES, 'fixed-width-lines.txt.hbs'), '--json');
    assert.equal(created.code, 0, created.stderr);
    const { id, body } = JSON.parse(created.stdout) as { id: string; body: string };
    assert.equal(body, TXT_TEMPLATE.body, 'the body is the .hbs file as written');
    assert.equal((await cli('templates', 'list', '--name', 'cli fixed')).stdout, `${id}  v1  invoice_lines TXT  "CLI fixed width"\n`);
    assert.match((await cli('templates', 'get', id)).stdout, /^version +1$/m);

    await writeFile(path.join(dir, 'preview.json'), JSON.stringify({ template_id: id, parameter_values: [...JULY, INSTITUTION], timezone: 'UTC', rows: 2 }));
    const preview = await cli('templates', 'preview', path.join(dir, 'preview.json'));
    assert.equal(preview.code, 0, preview.stderr);
    assert.deepEqual(preview.stdout.split('\n').map((l) => l[0]).filter(Boolean), ['H', 'D', 'D', 'T']);

    await writeFile(path.join(dir, 'v2.hbs'), 'v2 {{rows.length}}');
    const changed = await cli('templates', 'update', id, path.join(dir, 'spec.json'), '--body', path.join(dir, 'v2.hbs'));
    assert.match(changed.stdout, /^version +2$/m);
    const out = path.join(dir, 'july.txt');
    const ran = await cli('generate', '--template', id, '--param', 'from_date=2011-07-01', '--param', 'to_date=2011-07-31', '--param', 'institution_code=12345678', '--timezone', 'UTC', '--wait', '--out', out, '--json');
    assert.equal(ran.code, 0, ran.stderr);
    assert.deepEqual([JSON.parse(ran.stdout).template_id, JSON.parse(ran.stdout).template_version, JSON.parse(ran.stdout).format], [id, 2, 'TXT'], 'the template\'s own format');
    assert.equal(await readFile(out, 'utf8'), `v2 ${(await julyBySql()).count}`);

    await writeFile(path.join(dir, 'bad.hbs'), 'header\n{{#each rows}}{{amount}}{{/each}}');
    const refused = await cli('templates', 'update', id, path.join(dir, 'spec.json'), '--body', path.join(dir, 'bad.hbs'));
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /TEMPLATE_FIELD_UNKNOWN/);
    assert.match(refused.stderr, /Line 2: "amount"/);
    assert.equal((await cli('templates', 'delete', id)).code, 0);
    const gone = await cli('generate', '--template', id);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /TEMPLATE_NOT_FOUND/);
  });
});
