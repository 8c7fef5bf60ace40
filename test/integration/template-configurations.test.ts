/**
 * Report configurations and subscriptions that run a tenant template, through the real thing: the
 * HTTP API (inject) over a real PostgreSQL holding the Online Retail sample, runs by the real worker
 * activities on a Temporal test server, subscriptions as real Temporal Schedules. What a client would
 * check: a configuration naming a template runs it (the file is the template's output over SQL's
 * rows) and the run records the template version and the configuration id and version; a PUT of the
 * template is taken by the next run while earlier runs keep theirs; a subscription naming the template
 * (or following such a configuration) renders the version current at each run; bad presets, another
 * tenant's template and both `report_code` and `template_id` are refused; a template something names
 * cannot be deleted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../src/config/settings.js';
import { cliRunner } from '../helpers/cli-runner.js';
import { OTHER_TENANT_API_KEY, realStack, STACK_API_KEY, type RealStack } from '../helpers/real-stack.js';
import { useRetailDatabase } from '../helpers/retail-database.js';
import { useTemporalTestServer } from '../helpers/temporal.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');
const temporal = useTemporalTestServer();
const retail = useRetailDatabase('template-configurations');

const JULY = [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-31' }];
const INSTITUTION = { name: 'institution_code', value: '12345678' };
const OTHER_TENANT = { 'x-api-key': OTHER_TENANT_API_KEY };

/** A TXT template printing its version, the institution code, the period and the count and sum of the period's lines. */
function countTemplate(version: string) {
  return {
    name: 'Line count',
    format: 'TXT',
    dataset: 'invoice_lines',
    parameters: { type: 'object', properties: { institution_code: { type: 'string', pattern: '^[0-9]{8}$' } }, required: ['institution_code'] },
    filters: { country: { type: 'string' } },
    body: `${version} {{parameters.institution_code}} {{period.fromDate}}..{{period.toDate}} {{rows.length}} {{sum rows 'line_total'}}`,
  };
}

/** Count and sum of the lines of `[from, to)` (UTC), by SQL. */
async function linesBySql(from: string, to: string, country?: string): Promise<{ count: number; total: string }> {
  const [row] = await retail.db.query<{ n: number; total: string }>(
    `SELECT count(*)::int AS n, sum(quantity * unit_price)::text AS total FROM retail.invoice_line WHERE invoice_date >= $1::timestamptz AND invoice_date < $2::timestamptz AND ($3::text IS NULL OR country = $3)`,
    [`${from}T00:00:00Z`, `${to}T00:00:00Z`, country ?? null],
  );
  return { count: row!.n, total: row!.total };
}

async function upload(stack: RealStack, template: object): Promise<string> {
  const created = await stack.call('POST', '/v1/templates', template);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return String(created.body.id);
}

/** Waits for run `id` to succeed; returns its view and its file's text. */
async function succeeded(stack: RealStack, id: string): Promise<{ run: Record<string, unknown>; text: string }> {
  const run = await stack.finished(id, 120_000);
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
  const file = await stack.download(`/v1/reports/${id}/download`);
  assert.equal(file.status, 200);
  return { run, text: file.bytes.toString('utf8') };
}

void test('a configuration naming a template runs it: the file is the template\'s output, the run records the template version and the configuration id and version, and a PUT is taken by the next run only', { timeout: 240_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'runs'), templatesDir: TEMPLATES });
  await stack.run(async () => {
    const templateId = await upload(stack, countTemplate('v1'));
    const saved = await stack.call('POST', '/v1/report-configurations', { name: 'July count', template_id: templateId, timezone: 'UTC', parameter_values: [...JULY, INSTITUTION] });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    const configurationId = String(saved.body.id);
    assert.deepEqual([saved.body.template_id, saved.body.report_code, saved.body.version], [templateId, `TEMPLATE_${templateId}`, 1]);
    assert.deepEqual((await stack.call('GET', `/v1/report-configurations/${configurationId}`)).body, saved.body);

    const sql = await linesBySql('2011-07-01', '2011-08-01');
    assert.ok(sql.count > 20, `July has lines in the sample (${sql.count})`);
    const created = await stack.call('POST', '/v1/report-generate-requests', { report_configuration_id: configurationId });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const first = await succeeded(stack, String(created.body.id));
    assert.equal(first.text, `v1 12345678 2011-07-01..2011-07-31 ${sql.count} ${sql.total}`);
    assert.deepEqual(
      [first.run.template_id, first.run.template_version, first.run.report_configuration_id, first.run.report_configuration_version, first.run.format],
      [templateId, 1, configurationId, 1, 'TXT'],
      'the template\'s format, since the configuration names none',
    );

    // A request's fields replace the configuration's: its filter narrows the file.
    const uk = await linesBySql('2011-07-01', '2011-08-01', 'United Kingdom');
    const filtered = await stack.call('POST', '/v1/report-generate-requests', { report_configuration_id: configurationId, filters: { country: { eq: 'United Kingdom' } } });
    assert.equal(filtered.status, 201, JSON.stringify(filtered.body));
    assert.equal((await succeeded(stack, String(filtered.body.id))).text, `v1 12345678 2011-07-01..2011-07-31 ${uk.count} ${uk.total}`);

    const put = await stack.call('PUT', `/v1/templates/${templateId}`, countTemplate('v2'));
    assert.deepEqual([put.status, put.body.version], [200, 2]);
    const next = await stack.call('POST', '/v1/report-generate-requests', { report_configuration_id: configurationId });
    const second = await succeeded(stack, String(next.body.id));
    assert.equal(second.text, `v2 12345678 2011-07-01..2011-07-31 ${sql.count} ${sql.total}`, 'the configuration follows the template\'s current version');
    assert.deepEqual([second.run.template_version, second.run.report_configuration_version], [2, 1]);
    const before = (await stack.call('GET', `/v1/report-generate-requests/${String(first.run.id)}`)).body;
    assert.equal(before.template_version, 1, 'the first run keeps the version it rendered');
    assert.equal((await stack.download(`/v1/reports/${String(first.run.id)}/download`)).bytes.toString(), first.text);

    // A PATCH naming a report code replaces the template (and the other way round); the version goes up.
    const toReport = await stack.call('PATCH', `/v1/report-configurations/${configurationId}`, { report_code: 'INVOICE_LINES', format: 'CSV', parameter_values: JULY });
    assert.equal(toReport.status, 200, JSON.stringify(toReport.body));
    assert.deepEqual([toReport.body.report_code, toReport.body.template_id, toReport.body.version], ['INVOICE_LINES', undefined, 2]);
    const back = await stack.call('PATCH', `/v1/report-configurations/${configurationId}`, { template_id: templateId, format: 'TXT', parameter_values: [...JULY, INSTITUTION] });
    assert.deepEqual([back.status, back.body.template_id, back.body.report_code, back.body.version], [200, templateId, `TEMPLATE_${templateId}`, 3], JSON.stringify(back.body));

    // While a configuration names the template it cannot be deleted; once none does, it can.
    const refused = await stack.call('DELETE', `/v1/templates/${templateId}`);
    assert.deepEqual([refused.status, refused.body.error?.code, refused.body.error?.errors?.[0]?.field], [409, 'TEMPLATE_IN_USE', `report-configurations/${configurationId}`], JSON.stringify(refused.body));
    assert.equal((await stack.call('GET', `/v1/templates/${templateId}`)).status, 200);
    assert.equal((await stack.call('DELETE', `/v1/report-configurations/${configurationId}`)).status, 204);
    assert.equal((await stack.call('DELETE', `/v1/templates/${templateId}`)).status, 204);
  });
});

void test('a template configuration is checked against the template at create and PATCH: both or neither of report_code and template_id, bad parameters and filters are 400 naming the field; another tenant\'s template is 404', { timeout: 120_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'checks'), templatesDir: TEMPLATES });
  await stack.run(async () => {
    const templateId = await upload(stack, countTemplate('v1'));
    const preset = { name: 'checked', template_id: templateId, timezone: 'UTC', parameter_values: [...JULY, INSTITUTION] };
    const refusals: [string, object, number, string, string][] = [
      ['both', { ...preset, report_code: 'INVOICE_LINES' }, 400, 'REQUEST_INVALID', 'template_id'],
      ['neither', { name: 'nothing to run', format: 'CSV' }, 400, 'REQUEST_INVALID', 'report_code'],
      ['a report code without a format', { name: 'no format', report_code: 'INVOICE_LINES', parameter_values: JULY }, 400, 'REQUEST_INVALID', 'format'],
      ['a bad template parameter', { ...preset, parameter_values: [...JULY, { name: 'institution_code', value: 'ACME' }] }, 400, 'PARAMETER_INVALID', 'parameter_values.institution_code'],
      ['a filter the template does not allow', { ...preset, filters: { quantity: { gte: 1 } } }, 400, 'FILTER_INVALID', 'filters.quantity'],
      ['a format the template does not make', { ...preset, format: 'PDF' }, 400, 'FORMAT_UNSUPPORTED', 'format'],
      ['an unknown template', { ...preset, template_id: '0193c5e2-7a1b-7c3d-9e4f-0123456789ab' }, 404, 'TEMPLATE_NOT_FOUND', 'template_id'],
    ];
    for (const [what, body, status, code, field] of refusals) {
      const res = await stack.call('POST', '/v1/report-configurations', body);
      assert.deepEqual([res.status, res.body.error?.code, res.body.error?.errors?.[0]?.field], [status, code, field], `${what}: ${JSON.stringify(res.body)}`);
    }
    // Another tenant's template is unknown to this one, in a configuration as in a run.
    const foreign = await stack.call('POST', '/v1/report-configurations', preset, OTHER_TENANT);
    assert.deepEqual([foreign.status, foreign.body.error?.code, foreign.body.error?.errors?.[0]?.field], [404, 'TEMPLATE_NOT_FOUND', 'template_id']);

    const saved = await stack.call('POST', '/v1/report-configurations', preset);
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    const id = String(saved.body.id);
    const badPatch = await stack.call('PATCH', `/v1/report-configurations/${id}`, { parameter_values: JULY });
    assert.deepEqual([badPatch.status, badPatch.body.error?.code], [400, 'PARAMETER_MISSING'], JSON.stringify(badPatch.body));
    const bothPatch = await stack.call('PATCH', `/v1/report-configurations/${id}`, { report_code: 'INVOICE_LINES', template_id: templateId });
    assert.deepEqual([bothPatch.status, bothPatch.body.error?.errors?.[0]?.field], [400, 'template_id']);
    const foreignPatch = await stack.call('PATCH', `/v1/report-configurations/${id}`, { template_id: await upload(stack, countTemplate('other')) }, OTHER_TENANT);
    assert.equal(foreignPatch.status, 404, 'another tenant cannot see the configuration');
    assert.equal((await stack.call('GET', `/v1/report-configurations/${id}`)).body.version, 1, 'nothing refused was stored');
    const otherTenantsTemplate = String((await stack.call('POST', '/v1/templates', countTemplate('globex'), OTHER_TENANT)).body.id);
    const toForeign = await stack.call('PATCH', `/v1/report-configurations/${id}`, { template_id: otherTenantsTemplate });
    assert.deepEqual([toForeign.status, toForeign.body.error?.code], [404, 'TEMPLATE_NOT_FOUND']);
  });
});

void test('a subscription naming a template, or following a template configuration, renders the version current at each run and records it; changes are checked against followers; the template cannot be deleted meanwhile', { timeout: 300_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'subscriptions'), templatesDir: TEMPLATES, subscriptions: true });
  await stack.run(async () => {
    const templateId = await upload(stack, countTemplate('v1'));
    const created = await stack.call('POST', '/v1/report-subscriptions', {
      name: 'Monthly count', template_id: templateId, timezone: 'UTC', parameter_values: [INSTITUTION],
      schedule: { frequency: 'MONTHLY', day_of_month: 1, time_of_day: '06:00' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const subscriptionId = String(created.body.id);
    assert.deepEqual([created.body.template_id, created.body.report_code, created.body.format], [templateId, `TEMPLATE_${templateId}`, 'TXT']);

    // Each run takes the period's days as from_date/to_date (the dataset's period parameters).
    const july = await stack.call('POST', `/v1/report-subscriptions/${subscriptionId}/trigger`, { from: '2011-07-01', to: '2011-08-01' });
    assert.equal(july.status, 202, JSON.stringify(july.body));
    const first = await succeeded(stack, String(july.body.run_id));
    const julySql = await linesBySql('2011-07-01', '2011-08-01');
    assert.equal(first.text, `v1 12345678 2011-07-01..2011-07-31 ${julySql.count} ${julySql.total}`);
    assert.deepEqual([first.run.template_id, first.run.template_version, first.run.report_subscription_id], [templateId, 1, subscriptionId]);

    assert.equal((await stack.call('PUT', `/v1/templates/${templateId}`, countTemplate('v2'))).body.version, 2);
    const june = await stack.call('POST', `/v1/report-subscriptions/${subscriptionId}/trigger`, { from: '2011-06-01', to: '2011-07-01' });
    const second = await succeeded(stack, String(june.body.run_id));
    const juneSql = await linesBySql('2011-06-01', '2011-07-01');
    assert.equal(second.text, `v2 12345678 2011-06-01..2011-06-30 ${juneSql.count} ${juneSql.total}`, 'the version current at the run');
    assert.equal(second.run.template_version, 2);
    assert.equal((await stack.call('GET', `/v1/report-generate-requests/${String(first.run.id)}`)).body.template_version, 1);

    // A subscription following a template configuration, with its own filter.
    const configuration = await stack.call('POST', '/v1/report-configurations', { name: 'count', template_id: templateId, timezone: 'UTC', parameter_values: [...JULY, INSTITUTION] });
    assert.equal(configuration.status, 201, JSON.stringify(configuration.body));
    const configurationId = String(configuration.body.id);
    const follower = await stack.call('POST', '/v1/report-subscriptions', { report_configuration_id: configurationId, filters: { country: { eq: 'United Kingdom' } }, schedule: { frequency: 'MONTHLY', day_of_month: 1 } });
    assert.equal(follower.status, 201, JSON.stringify(follower.body));
    const followerId = String(follower.body.id);
    assert.deepEqual([follower.body.template_id, follower.body.report_configuration_id], [templateId, configurationId]);
    const triggered = await stack.call('POST', `/v1/report-subscriptions/${followerId}/trigger`, { from: '2011-07-01', to: '2011-08-01' });
    const followed = await succeeded(stack, String(triggered.body.run_id));
    const uk = await linesBySql('2011-07-01', '2011-08-01', 'United Kingdom');
    assert.equal(followed.text, `v2 12345678 2011-07-01..2011-07-31 ${uk.count} ${uk.total}`);
    assert.deepEqual([followed.run.template_version, followed.run.report_configuration_id, followed.run.report_configuration_version], [2, configurationId, 1]);

    // Switching the configuration to a template that does not allow the follower's filter changes nothing.
    const noFilters = await upload(stack, { ...countTemplate('nf'), filters: {} });
    const breaking = await stack.call('PATCH', `/v1/report-configurations/${configurationId}`, { template_id: noFilters });
    assert.deepEqual([breaking.status, breaking.body.error?.code, breaking.body.error?.errors?.[0]?.field], [409, 'REPORT_CONFIGURATION_IN_USE', `subscriptions/${followerId}`], JSON.stringify(breaking.body));
    assert.equal((await stack.call('GET', `/v1/report-configurations/${configurationId}`)).body.template_id, templateId);

    // Another tenant cannot subscribe to the template.
    const foreign = await stack.call('POST', '/v1/report-subscriptions', { template_id: templateId, timezone: 'UTC', parameter_values: [INSTITUTION], schedule: { frequency: 'DAILY' } }, OTHER_TENANT);
    assert.deepEqual([foreign.status, foreign.body.error?.code], [404, 'TEMPLATE_NOT_FOUND']);
    const both = await stack.call('POST', '/v1/report-subscriptions', { template_id: templateId, report_code: 'INVOICE_LINES', timezone: 'UTC', schedule: { frequency: 'DAILY' } });
    assert.deepEqual([both.status, both.body.error?.code, both.body.error?.errors?.[0]?.field], [400, 'REQUEST_INVALID', 'template_id']);

    const refused = await stack.call('DELETE', `/v1/templates/${templateId}`);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.deepEqual(refused.body.error.errors.map((e: { field: string }) => e.field).sort(), [`report-configurations/${configurationId}`, `subscriptions/${followerId}`, `subscriptions/${subscriptionId}`].sort());
    for (const id of [subscriptionId, followerId]) assert.equal((await stack.call('DELETE', `/v1/report-subscriptions/${id}`)).status, 204);
    assert.equal((await stack.call('DELETE', `/v1/report-configurations/${configurationId}`)).status, 204);
    assert.equal((await stack.call('DELETE', `/v1/templates/${templateId}`)).status, 204);
  });
});

void test('the CLI saves a configuration and subscribes with --template, and lists them by template', { timeout: 180_000 }, async () => {
  const dir = path.join(retail.root, 'cli');
  const stack = await realStack({ temporal, db: retail.db, root: dir, templatesDir: TEMPLATES, subscriptions: true });
  await stack.run(async () => {
    const cli = cliRunner(loadConfig({ REPORTFLOW_API_URL: await stack.listen(), REPORTFLOW_API_KEY: STACK_API_KEY, REPORTFLOW_HOME: dir }));
    const templateId = await upload(stack, countTemplate('v1'));
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'preset.json');
    await writeFile(file, JSON.stringify({ name: 'CLI count', report_code: 'INVOICE_LINES', timezone: 'UTC', parameter_values: [...JULY, INSTITUTION] }));
    const saved = await cli('configurations', 'create', file, '--template', templateId, '--json');
    assert.equal(saved.code, 0, saved.stderr);
    const { id } = JSON.parse(saved.stdout) as { id: string };
    assert.equal(JSON.parse(saved.stdout).template_id, templateId, '--template replaces the file\'s report code');
    assert.match((await cli('configurations', 'list', '--template', templateId)).stdout, new RegExp(`^${id}  v1  template ${templateId}   "CLI count"\n$`));
    const out = path.join(dir, 'count.txt');
    const ran = await cli('generate', '--configuration', id, '--wait', '--out', out, '--json');
    assert.equal(ran.code, 0, ran.stderr);
    const sql = await linesBySql('2011-07-01', '2011-08-01');
    assert.equal(await readFile(out, 'utf8'), `v1 12345678 2011-07-01..2011-07-31 ${sql.count} ${sql.total}`);

    const v2 = await upload(stack, countTemplate('other'));
    const switched = await cli('configurations', 'update', id, '--template', v2, '--json');
    assert.equal(switched.code, 0, switched.stderr);
    assert.deepEqual([JSON.parse(switched.stdout).template_id, JSON.parse(switched.stdout).version], [v2, 2]);
    const usage = await cli('configurations', 'update', id);
    assert.equal(usage.code, 2);

    const subscribed = await cli('subscriptions', 'create', '--template', templateId, '-p', 'institution_code=12345678', '-t', 'UTC', '--frequency', 'MONTHLY', '--day-of-month', '1', '--json');
    assert.equal(subscribed.code, 0, subscribed.stderr);
    const subscription = JSON.parse(subscribed.stdout) as { id: string; template_id: string; format: string };
    assert.deepEqual([subscription.template_id, subscription.format], [templateId, 'TXT']);
    assert.match((await cli('subscriptions', 'list', '--template', templateId)).stdout, new RegExp(`^${subscription.id}  active  template ${templateId} TXT`));
    assert.equal((await cli('subscriptions', 'create', 'INVOICE_LINES', '--template', templateId, '-t', 'UTC', '--frequency', 'DAILY')).code, 2, 'a report code and a template: a usage error');
    assert.equal((await cli('subscriptions', 'delete', subscription.id)).code, 0);
  });
});
