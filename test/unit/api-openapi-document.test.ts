/**
 * /openapi.json tells what the server does: each operation lists the statuses it answers with (no
 * `4XX`/`5XX` catch-all), downloads their real media types (the renderers'), 410 where a deleted
 * report's file is asked for, 503 with `Retry-After`, the patterns and bounds the server enforces on
 * ids, limits and text, and which bodies may be left out. Schemathesis checks the live service
 * against the same document (test/e2e/openapi-fuzz.test.ts); this pins the rules it relies on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { loadConfig } from '../../src/config/settings.js';
import { ReportConfigurationStore } from '../../src/configurations/report-configuration-store.js';
import { TemplateStore } from '../../src/templates/template-store.js';
import { createRenderers } from '../../src/render/index.js';
import { SubscriptionService } from '../../src/subscriptions/subscription-service.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import type { SubscriptionScheduler } from '../../src/temporal/schedules.js';
import { FakeDatabase, fixtureCatalog, startTestApi, type JsonBody, type TestApi } from '../helpers/api-fixture.js';

/** The document is generated from the routes only: nothing here is ever called. */
const notCalled = new Proxy({}, { get: () => () => Promise.reject(new Error('not used by this test')) }) as SubscriptionScheduler;

let api: TestApi;
let catalogDir: string;
let doc: JsonBody;
before(async () => {
  const { catalog, dir } = fixtureCatalog();
  catalogDir = dir;
  api = await startTestApi({
    catalog,
    subscriptions: new SubscriptionService({ store: new SubscriptionStore(new FakeDatabase()), scheduler: notCalled, catalog, config: { subscriptionCatchupDays: 7, subscriptionBackfillMaxRuns: 366 }, newId: () => 'unused' }),
    configurations: new ReportConfigurationStore(new FakeDatabase()),
    templates: new TemplateStore(new FakeDatabase()),
  });
  doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
after(async () => {
  await api.close();
  rmSync(catalogDir, { recursive: true, force: true });
});

function operations(): [string, JsonBody][] {
  return Object.entries(doc.paths as Record<string, JsonBody>).flatMap(([p, item]) => Object.entries(item).map(([m, op]) => [`${m.toUpperCase()} ${p}`, op as JsonBody] as [string, JsonBody]));
}

void test('every operation lists its statuses one by one, each error in the one shape, every 503 with Retry-After', () => {
  const wrong: string[] = [];
  for (const [key, op] of operations()) {
    const statuses = Object.keys(op.responses);
    if (statuses.some((s) => /X/i.test(s))) wrong.push(`${key}: a catch-all (${statuses.join(', ')})`);
    for (const must of ['400', '408', '431', '500', '503']) if (!statuses.includes(must)) wrong.push(`${key}: no ${must}`);
    if (!op.responses['503']?.headers?.['Retry-After']) wrong.push(`${key}: 503 without Retry-After`);
    for (const status of statuses.filter((s) => Number(s) >= 400)) {
      const schema = op.responses[status].content?.['application/json']?.schema;
      if (!schema?.properties?.error) wrong.push(`${key}: ${status} not in the error shape`);
    }
  }
  assert.deepEqual(wrong, []);
});

void test('downloads are documented with the media types the renderers produce, and 409 and 410 where the file is not there', async () => {
  const rendering = await createRenderers(loadConfig({}));
  try {
    const produced = Object.values(rendering.renderers).map((r) => r.contentType.split(';')[0]!.trim()).sort();
    for (const key of ['GET /v1/reports/{id}/download', 'GET /v1/reports/{id}/file']) {
      const op = operations().find(([k]) => k === key)![1];
      assert.deepEqual(Object.keys(op.responses['200'].content).sort(), produced, key);
      assert.ok(op.responses['200'].headers['X-Checksum-Sha256'], key);
      assert.ok(op.responses['410'], `${key} documents 410 REPORT_DELETED`);
    }
    for (const key of ['GET /v1/reports/{id}/download', 'GET /v1/reports/{id}/download-url']) {
      const op = operations().find(([k]) => k === key)![1];
      assert.match(op.responses['409'].description, /REPORT_NOT_READY/, key);
      assert.match(op.responses['410'].description, /REPORT_DELETED/, key);
    }
  } finally {
    await rendering.close();
  }
});

void test('ids, limits and free text carry the bounds the server enforces', () => {
  const param = (key: string, name: string) => (operations().find(([k]) => k === key)![1].parameters as JsonBody[]).find((p) => p.name === name)!.schema;
  assert.equal(param('GET /v1/reports/{id}', 'id').pattern, '^[A-Za-z0-9._:-]{1,200}$');
  assert.equal(param('GET /v1/report-subscriptions/{id}', 'id').pattern, '^[A-Za-z0-9-]{1,64}$');
  assert.equal(param('GET /v1/report-definitions/{code}', 'code').pattern, '^[A-Z][A-Z0-9_]{1,63}$');
  assert.deepEqual([param('GET /v1/report-subscriptions', 'limit').minimum, param('GET /v1/report-subscriptions', 'limit').maximum], [1, 500]);
  assert.deepEqual([param('GET /v1/reports', 'limit').minimum, param('GET /v1/reports', 'limit').maximum], [1, 100]);
  assert.ok(param('GET /v1/report-subscriptions', 'report_code').pattern);
  const body = (key: string) => operations().find(([k]) => k === key)![1].requestBody;
  for (const [key, field] of [['POST /v1/report-subscriptions/{id}/pause', 'note'], ['PATCH /v1/report-subscriptions/{id}', 'name'], ['POST /v1/report-generate-requests', 'customer_id']] as const) {
    assert.equal(body(key).content['application/json'].schema.properties[field].pattern, '^[^\\u0000]*$', `${key} ${field}`);
  }
  for (const key of ['POST /v1/report-subscriptions/{id}/pause', 'POST /v1/report-subscriptions/{id}/resume', 'POST /v1/report-subscriptions/{id}/trigger']) {
    assert.equal(body(key).required, false, `${key}: the body may be left out`);
  }
  assert.equal(body('POST /v1/report-generate-requests').required, true);
});

void test('report configurations are documented: their five operations, the ids they take, and a request that may name one instead of a report code', () => {
  const op = (key: string) => operations().find(([k]) => k === key)?.[1];
  for (const key of ['POST /v1/report-configurations', 'GET /v1/report-configurations', 'GET /v1/report-configurations/{id}', 'PATCH /v1/report-configurations/{id}', 'DELETE /v1/report-configurations/{id}']) {
    assert.ok(op(key), `${key} is documented`);
  }
  assert.ok(op('POST /v1/report-configurations')!.responses['201'].headers.Location, 'a new configuration\'s URL');
  assert.deepEqual(Object.keys(op('DELETE /v1/report-configurations/{id}')!.responses).filter((s) => s < '400'), ['204']);
  for (const key of ['GET /v1/report-configurations/{id}', 'PATCH /v1/report-configurations/{id}', 'DELETE /v1/report-configurations/{id}']) {
    assert.equal((op(key)!.parameters as JsonBody[]).find((p) => p.name === 'id')!.schema.pattern, '^[A-Za-z0-9-]{1,64}$', key);
    assert.ok(op(key)!.responses['404'], `${key}: 404`);
  }
  const saved = op('POST /v1/report-configurations')!.requestBody.content['application/json'].schema;
  assert.deepEqual(saved.required, ['name'], 'report_code and format, or template_id: checked by the route, with the field named');
  assert.equal(saved.properties.template_id.pattern, '^[A-Za-z0-9-]{1,64}$', 'a configuration may run a template');
  assert.match(op('POST /v1/report-configurations')!.responses['404'].description, /TEMPLATE_NOT_FOUND/);
  assert.match(op('DELETE /v1/templates/{id}')!.responses['409'].description, /TEMPLATE_IN_USE/);
  const subscription = op('POST /v1/report-subscriptions')!;
  assert.equal(subscription.requestBody.content['application/json'].schema.properties.template_id.pattern, '^[A-Za-z0-9-]{1,64}$', 'a subscription may run a template');
  assert.match(subscription.responses['404'].description, /TEMPLATE_NOT_FOUND/);
  assert.deepEqual(subscription.responses['201'].content['application/json'].schema.properties.template_id.type, ['string', 'null']);
  for (const runOnly of ['generate_at', 'data_from', 'data_to', 'invoice_id', 'report_configuration_id']) assert.equal(saved.properties[runOnly], undefined, `${runOnly} belongs to a request only`);
  const generate = op('POST /v1/report-generate-requests')!;
  const body = generate.requestBody.content['application/json'].schema;
  assert.equal(body.required, undefined, 'report_code may be left out when report_configuration_id is given');
  assert.equal(body.properties.report_configuration_id.pattern, '^[A-Za-z0-9-]{1,64}$');
  assert.match(generate.responses['404'].description, /REPORT_CONFIGURATION_NOT_FOUND/);
  const view = generate.responses['201'].content['application/json'].schema.properties;
  assert.deepEqual([view.report_configuration_id.type, view.report_configuration_version.type], ['string', 'integer']);
});

void test('templates are documented: their six operations, the preview\'s file types, and a request that may name a template instead of a report code', () => {
  const op = (key: string) => operations().find(([k]) => k === key)?.[1];
  for (const key of ['POST /v1/templates', 'GET /v1/templates', 'GET /v1/templates/{id}', 'PUT /v1/templates/{id}', 'DELETE /v1/templates/{id}', 'POST /v1/templates/preview']) {
    assert.ok(op(key), `${key} is documented`);
  }
  assert.ok(op('POST /v1/templates')!.responses['201'].headers.Location);
  const upload = op('POST /v1/templates')!.requestBody.content['application/json'].schema;
  assert.deepEqual(upload.required, ['name', 'format', 'dataset', 'body']);
  assert.deepEqual(upload.properties.format.enum, ['PDF', 'HTML', 'TXT', 'CSV', 'XML']);
  assert.deepEqual(Object.keys(op('POST /v1/templates/preview')!.responses['200'].content).sort(), ['application/xml', 'text/csv', 'text/html', 'text/plain']);
  assert.ok(op('GET /v1/templates/{id}')!.responses['404']);
  const generate = op('POST /v1/report-generate-requests')!;
  assert.equal(generate.requestBody.content['application/json'].schema.properties.template_id.pattern, '^[A-Za-z0-9-]{1,64}$');
  assert.match(generate.responses['404'].description, /TEMPLATE_NOT_FOUND/);
  const view = generate.responses['201'].content['application/json'].schema.properties;
  assert.deepEqual([view.template_id.type, view.template_version.type], ['string', 'integer']);
});
