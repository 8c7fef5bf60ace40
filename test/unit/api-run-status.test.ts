/**
 * GET /v1/report-generate-requests/{id} shows each status in one shape, and another tenant's id
 * looks exactly like an unknown one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auth, BASE_URL, leaksInternals, startTestApi, type TestApi } from '../helpers/api-fixture.js';
import type { JsonBody } from '../helpers/api-fixture.js';
import type { ExportedReport } from '../../src/domain/artifacts.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api.close();
});

async function create(tenant: 'acme' | 'globex' = 'acme'): Promise<string> {
  const res = await api.app.inject({
    method: 'POST', url: '/v1/report-generate-requests', headers: auth(tenant),
    payload: { report_code: 'INVOICE', format: 'PDF', language: 'no', timezone: 'Europe/Oslo', parameter_values: [{ name: 'invoice_id', value: '536365' }] },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id as string;
}

async function get(id: string, tenant: 'acme' | 'globex' = 'acme') {
  const res = await api.app.inject({ method: 'GET', url: `/v1/report-generate-requests/${id}`, headers: auth(tenant) });
  return { status: res.statusCode, body: res.json() as JsonBody, raw: res.body };
}

const REPORT: ExportedReport = {
  uri: 'local:///acme/INVOICE/x/INVOICE_536365_x.pdf',
  fileName: 'INVOICE_536365_x.pdf',
  contentType: 'application/pdf',
  sizeBytes: 12_345,
  sha256: 'a'.repeat(64),
  rows: 3,
  pages: 1,
  destination: 'LOCAL',
  exportedAt: '2026-01-02T03:04:05.000Z',
};

void test('a new run shows PENDING with no stage, and echoes its request', async () => {
  const id = await create();
  const { status, body } = await get(id);
  assert.equal(status, 200);
  assert.deepEqual(body, {
    id,
    status: 'PENDING',
    stage: null,
    report_code: 'INVOICE',
    parameter_values: [{ name: 'invoice_id', value: '536365' }],
    format: 'PDF',
    language: 'no',
    timezone: 'Europe/Oslo',
    customer_id: null,
    metadata: {},
    generate_at: null,
    run_type: 'MANUAL',
    report_subscription_id: null,
    created_at: body.created_at,
    updated_at: body.updated_at,
    links: {
      self: `${BASE_URL}/v1/report-generate-requests/${id}`,
      download: `${BASE_URL}/v1/reports/${id}/download`,
      cancel: `${BASE_URL}/v1/report-generate-requests/${id}/cancel`,
    },
  });
});

void test('a running run shows its stage', async () => {
  const id = await create();
  api.runs.set(id, { status: 'RUNNING', stage: 'RENDER' });
  const { body } = await get(id);
  assert.equal(body.status, 'RUNNING');
  assert.equal(body.stage, 'RENDER');
  assert.equal(body.report, undefined);
  assert.equal(body.completed_at, undefined);
});

void test('a succeeded run shows its report with a download URL, and when it completed', async () => {
  const id = await create();
  api.runs.set(id, { status: 'SUCCEEDED', stage: 'EXPORT', completedAt: '2026-01-02T03:04:06.000Z', report: REPORT });
  const { body } = await get(id);
  assert.equal(body.status, 'SUCCEEDED');
  assert.equal(body.completed_at, '2026-01-02T03:04:06.000Z');
  assert.deepEqual(body.report, {
    id,
    file_name: 'INVOICE_536365_x.pdf',
    content_type: 'application/pdf',
    size_bytes: 12_345,
    sha256: 'a'.repeat(64),
    rows: 3,
    pages: 1,
    download_url: `${BASE_URL}/v1/reports/${id}/download`,
  });
  assert.equal(body.error, undefined);
  assert.equal(JSON.stringify(body).includes('local:'), false, 'the storage key stays internal');
});

void test('a succeeded run whose webhook failed still shows its report, and the webhook error', async () => {
  const id = await create();
  api.runs.set(id, {
    status: 'SUCCEEDED', stage: 'NOTIFY', completedAt: '2026-01-02T03:04:06.000Z', report: REPORT,
    notifyError: { code: 'WEBHOOK_REJECTED', message: 'The webhook answered 404.', errors: [] },
  });
  const { body } = await get(id);
  assert.equal(body.status, 'SUCCEEDED');
  assert.equal(body.report.file_name, REPORT.fileName);
  assert.deepEqual(body.notify_error, { code: 'WEBHOOK_REJECTED', message: 'The webhook answered 404.', errors: [] });
});

void test('a failed run shows its error code, message and field errors', async () => {
  const id = await create();
  api.runs.set(id, {
    status: 'FAILED', stage: 'QUERY_DATA', completedAt: '2026-01-02T03:04:06.000Z',
    error: { code: 'REPORT_TOO_LARGE', message: 'The report has 25000 rows; PDF allows 20000.', errors: [{ field: 'format', code: 'REPORT_TOO_LARGE', message: 'Use CSV or XML.' }] },
  });
  const { body, raw } = await get(id);
  assert.equal(body.status, 'FAILED');
  assert.equal(body.stage, 'QUERY_DATA');
  assert.deepEqual(body.error, { code: 'REPORT_TOO_LARGE', message: 'The report has 25000 rows; PDF allows 20000.', errors: [{ field: 'format', code: 'REPORT_TOO_LARGE', message: 'Use CSV or XML.' }] });
  assert.equal(body.report, undefined);
  assert.equal(leaksInternals(raw), false);
});

void test('a cancelled run shows CANCELLED with RUN_CANCELLED', async () => {
  const id = await create();
  api.runs.set(id, { status: 'CANCELLED', stage: 'RENDER', completedAt: '2026-01-02T03:04:06.000Z', error: { code: 'RUN_CANCELLED', message: 'The run was cancelled before it finished.', errors: [] } });
  const { body } = await get(id);
  assert.equal(body.status, 'CANCELLED');
  assert.equal(body.error.code, 'RUN_CANCELLED');
});

void test("another tenant's id is answered 404 exactly like an unknown id", async () => {
  const id = await create('acme');
  assert.equal((await get(id, 'acme')).status, 200);
  const other = await get(id, 'globex');
  const unknown = await get('0193c5e2-7a1b-7c3d-9e4f-0123456789ab', 'globex');
  assert.equal(other.status, 404);
  assert.equal(other.body.error.code, 'NOT_FOUND');
  assert.deepEqual(other.body.error.errors, unknown.body.error.errors);
  assert.equal(other.body.error.message.replace(id, '<id>'), unknown.body.error.message.replace('0193c5e2-7a1b-7c3d-9e4f-0123456789ab', '<id>'));
});

void test('an id with characters no run id has is 404, without asking Temporal', async () => {
  const res = await api.app.inject({ method: 'GET', url: `/v1/report-generate-requests/${encodeURIComponent('a b/../c')}`, headers: auth() });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.code, 'NOT_FOUND');
});
