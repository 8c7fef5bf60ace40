/**
 * Saved report configurations through the real thing: the HTTP API (inject) over a real PostgreSQL
 * holding the Online Retail sample, runs by the real worker activities on a Temporal test server, and
 * the files checked against SQL over the same database. What a client would check: a preset runs as
 * saved, a request's fields replace the preset's, a change bumps the version while earlier runs keep
 * theirs, another tenant sees nothing, bad presets are 400 naming the field, and a deleted one is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../src/config/settings.js';
import { cliRunner } from '../helpers/cli-runner.js';
import { OTHER_TENANT_API_KEY, realStack, STACK_API_KEY, type RealStack } from '../helpers/real-stack.js';
import { useRetailDatabase } from '../helpers/retail-database.js';
import { useTemporalTestServer } from '../helpers/temporal.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');
const temporal = useTemporalTestServer();
const retail = useRetailDatabase('report-configurations');

const JULY = [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-31' }];
/** July 2011's invoice lines of 12 items or more, as CSV, in UTC. */
const PRESET = { name: 'July bulk lines', report_code: 'INVOICE_LINES', format: 'CSV', timezone: 'UTC', parameter_values: JULY, filters: { quantity: { gte: 12 } } };
const OTHER_TENANT = { 'x-api-key': OTHER_TENANT_API_KEY };

/** Line numbers of July 2011's lines with at least `minQuantity` items, by SQL, in the report's order. */
async function julyLines(minQuantity: number): Promise<string[]> {
  const rows = await retail.db.query<{ line_no: number }>(
    `SELECT line_no FROM retail.invoice_line WHERE invoice_date >= '2011-07-01T00:00:00Z' AND invoice_date < '2011-08-01T00:00:00Z' AND quantity >= $1 ORDER BY invoice_date, line_no`,
    [minQuantity],
  );
  return rows.map((r) => String(r.line_no));
}

/** Runs configuration `id` with `fields` in place of its own; returns the finished run. */
async function runConfiguration(stack: RealStack, id: string, fields: object = {}): Promise<Record<string, unknown>> {
  const created = await stack.call('POST', '/v1/report-generate-requests', { report_configuration_id: id, ...fields });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const run = await stack.finished(String(created.body.id));
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
  return run;
}

/** The line numbers in a run's CSV file. */
async function csvLines(stack: RealStack, runId: unknown): Promise<string[]> {
  const file = await stack.download(`/v1/reports/${String(runId)}/download`);
  assert.equal(file.status, 200);
  return (parse(file.bytes, { columns: true }) as Record<string, string>[]).map((r) => r.line_no!);
}

void test('a saved configuration runs as saved, a request\'s fields replace its own, and a change bumps the version while earlier runs keep theirs', { timeout: 180_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'runs'), templatesDir: TEMPLATES });
  await stack.run(async () => {
    const saved = await stack.call('POST', '/v1/report-configurations', PRESET);
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    const { id } = saved.body as { id: string };
    assert.equal(saved.body.version, 1);
    assert.deepEqual((await stack.call('GET', `/v1/report-configurations/${id}`)).body, saved.body);

    const bulk = await julyLines(12);
    assert.ok(bulk.length > 0 && bulk.length < (await julyLines(-1_000_000)).length, `the filter keeps some July lines, not all (${bulk.length})`);
    const first = await runConfiguration(stack, id);
    assert.deepEqual([first.report_code, first.format, first.timezone, first.filters], ['INVOICE_LINES', 'CSV', 'UTC', { quantity: { gte: 12 } }]);
    assert.deepEqual([first.report_configuration_id, first.report_configuration_version], [id, 1]);
    assert.deepEqual(await csvLines(stack, first.id), bulk, 'the file holds exactly the preset\'s rows');

    const asXml = await runConfiguration(stack, id, { format: 'XML' });
    assert.equal(asXml.format, 'XML');
    const xml = await stack.download(`/v1/reports/${String(asXml.id)}/download`);
    assert.match(String(xml.headers['content-type']), /^application\/xml/);
    assert.equal((xml.bytes.toString('utf8').match(/<line_no>/g) ?? []).length, bulk.length, 'the same rows, in the other format');

    const changed = await stack.call('PATCH', `/v1/report-configurations/${id}`, { filters: { quantity: { gte: 24 } } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual([changed.body.version, changed.body.name, changed.body.format, changed.body.filters], [2, PRESET.name, 'CSV', { quantity: { gte: 24 } }]);
    const before = (await stack.call('GET', `/v1/report-generate-requests/${String(first.id)}`)).body;
    assert.deepEqual([before.report_configuration_version, before.filters], [1, { quantity: { gte: 12 } }], 'the earlier run still says what it used');

    const second = await runConfiguration(stack, id);
    assert.equal(second.report_configuration_version, 2);
    assert.deepEqual(await csvLines(stack, second.id), await julyLines(24));
  });
});

void test('configurations are the tenant\'s own, bad presets are refused naming the field, and a deleted one no longer runs', { timeout: 120_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'rules'), templatesDir: TEMPLATES });
  await stack.run(async () => {
    // A clean slate for the counts below: the other test's configurations go (as a client would remove them).
    for (const c of (await stack.call('GET', '/v1/report-configurations?limit=100')).body.items as { id: string }[]) {
      assert.equal((await stack.call('DELETE', `/v1/report-configurations/${c.id}`)).status, 204);
    }
    const refused = async (body: object, code: string, field: string) => {
      const res = await stack.call('POST', '/v1/report-configurations', { ...PRESET, ...body });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, code);
      assert.ok(res.body.error.errors.some((e: { field: string }) => e.field === field), JSON.stringify(res.body.error));
    };
    await refused({ report_code: 'NO_SUCH_REPORT' }, 'REPORT_CODE_UNKNOWN', 'report_code');
    await refused({ parameter_values: [JULY[0]] }, 'PARAMETER_MISSING', 'parameter_values.to_date');
    await refused({ filters: { quantity: { gte: 'many' } } }, 'FILTER_INVALID', 'filters.quantity.gte');
    await refused({ format: 'DOCX' }, 'FORMAT_UNSUPPORTED', 'format');
    await refused({ notify: { webhook_url: 'http://10.1.2.3/hook' } }, 'WEBHOOK_ADDRESS_REFUSED', 'notify.webhook_url');
    await refused({ generate_at: '2030-01-01T00:00:00Z' }, 'REQUEST_INVALID', 'generate_at');
    assert.equal((await stack.call('GET', '/v1/report-configurations')).body.total, 0, 'nothing refused was saved');

    const id = String((await stack.call('POST', '/v1/report-configurations', PRESET)).body.id);
    const other = await stack.call('POST', '/v1/report-configurations', { ...PRESET, name: 'Weekly sales', report_code: 'SALES_SUMMARY', filters: undefined });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    const badChange = await stack.call('PATCH', `/v1/report-configurations/${id}`, { format: 'DOCX' });
    assert.deepEqual([badChange.status, badChange.body.error?.code], [400, 'FORMAT_UNSUPPORTED']);
    assert.equal((await stack.call('GET', `/v1/report-configurations/${id}`)).body.version, 1, 'a refused change changes nothing');

    const page = async (query: string) => (await stack.call('GET', `/v1/report-configurations?${query}`)).body;
    assert.deepEqual((await page('report_code=INVOICE_LINES')).items.map((c: { id: string }) => c.id), [id]);
    assert.deepEqual((await page('name=WEEKLY')).items.map((c: { id: string }) => c.id), [other.body.id]);
    const one = await page('limit=1');
    assert.deepEqual([one.total, one.items.length, one.items[0].id], [2, 1, id]);
    assert.deepEqual((await page(`limit=1&cursor=${one.next_cursor}`)).items.map((c: { id: string }) => c.id), [other.body.id]);

    for (const [method, url] of [['GET', `/v1/report-configurations/${id}`], ['PATCH', `/v1/report-configurations/${id}`], ['DELETE', `/v1/report-configurations/${id}`]] as const) {
      const res = await stack.call(method, url, method === 'PATCH' ? { name: 'taken' } : undefined, OTHER_TENANT);
      assert.deepEqual([res.status, res.body.error?.code], [404, 'NOT_FOUND'], `${method} as another tenant`);
    }
    assert.equal((await stack.call('GET', '/v1/report-configurations', undefined, OTHER_TENANT)).body.total, 0);
    const stolen = await stack.call('POST', '/v1/report-generate-requests', { report_configuration_id: id }, OTHER_TENANT);
    assert.equal(stolen.status, 404);
    assert.deepEqual(stolen.body.error.errors.map((e: { field: string; code: string }) => [e.field, e.code]), [['report_configuration_id', 'REPORT_CONFIGURATION_NOT_FOUND']]);

    const neither = await stack.call('POST', '/v1/report-generate-requests', { format: 'CSV' });
    assert.deepEqual([neither.status, neither.body.error.errors[0]?.field], [400, 'report_code']);

    assert.equal((await stack.call('DELETE', `/v1/report-configurations/${id}`)).status, 204);
    assert.equal((await stack.call('GET', `/v1/report-configurations/${id}`)).status, 404);
    const gone = await stack.call('POST', '/v1/report-generate-requests', { report_configuration_id: id });
    assert.deepEqual([gone.status, gone.body.error.code], [404, 'REPORT_CONFIGURATION_NOT_FOUND']);
  });
});

void test('the CLI saves a configuration from a JSON file, lists and shows it, runs it and downloads the file, and deletes it', { timeout: 120_000 }, async () => {
  const dir = path.join(retail.root, 'cli');
  const stack = await realStack({ temporal, db: retail.db, root: dir, templatesDir: TEMPLATES });
  await stack.run(async () => {
    const config = loadConfig({ REPORTFLOW_API_URL: await stack.listen(), REPORTFLOW_API_KEY: STACK_API_KEY, REPORTFLOW_HOME: dir });
    const cli = cliRunner(config);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'preset.json');
    await writeFile(file, JSON.stringify({ ...PRESET, name: 'CLI bulk lines' }));
    const created = await cli('configurations', 'create', file, '--json');
    assert.equal(created.code, 0, created.stderr);
    const { id } = JSON.parse(created.stdout) as { id: string };
    assert.match((await cli('configurations', 'list', '--name', 'cli bulk')).stdout, new RegExp(`^${id}  v1  INVOICE_LINES CSV  "CLI bulk lines"\n$`));
    const shown = await cli('configurations', 'get', id);
    assert.match(shown.stdout, /^filters +{"quantity":{"gte":12}}$/m);

    const out = path.join(dir, 'bulk.csv');
    const ran = await cli('generate', '--configuration', id, '--wait', '--out', out, '--json');
    assert.equal(ran.code, 0, ran.stderr);
    assert.deepEqual([JSON.parse(ran.stdout).report_configuration_id, JSON.parse(ran.stdout).format], [id, 'CSV']);
    assert.deepEqual((parse(await readFile(out), { columns: true }) as Record<string, string>[]).map((r) => r.line_no), await julyLines(12));

    assert.equal((await cli('configurations', 'delete', id)).code, 0);
    const gone = await cli('generate', '--configuration', id);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /REPORT_CONFIGURATION_NOT_FOUND/);
  });
});
