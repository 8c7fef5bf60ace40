/**
 * GET /v1/reports/{id}/download streams the finished file with its headers; before that it is 409,
 * and for another tenant (or an unknown id) 404.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { auth, startTestApi, TEST_API_CONFIG, type TestApi } from '../helpers/api-fixture.js';
import { buildApiServer } from '../../src/api/server.js';
import { ApiKeys } from '../../src/api/auth.js';
import { LocalDestination } from '../../src/destinations/local-destination.js';
import { pino } from 'pino';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api.close();
});

const PDF = Buffer.from('%PDF-1.7\n% a tiny stand-in for a report\n%%EOF\n');
const SHA = createHash('sha256').update(PDF).digest('hex');

async function succeededRun(uri = 'file:///reports/acme/INVOICE/1/INVOICE_536365.pdf'): Promise<string> {
  const res = await api.app.inject({
    method: 'POST', url: '/v1/report-generate-requests', headers: auth(),
    payload: { report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: '536365' }] },
  });
  const id = res.json().id as string;
  api.destination.files.set(uri, PDF);
  api.runs.set(id, {
    status: 'SUCCEEDED', stage: 'EXPORT', completedAt: new Date().toISOString(),
    report: { uri, fileName: `INVOICE_536365_${id}.pdf`, contentType: 'application/pdf', sizeBytes: PDF.length, sha256: SHA, rows: 2, pages: 1, destination: 'LOCAL', exportedAt: new Date().toISOString() },
  });
  return id;
}

void test('a finished report downloads with its type, length, file name and checksum', async () => {
  const id = await succeededRun();
  const res = await api.app.inject({ method: 'GET', url: `/v1/reports/${id}/download`, headers: auth() });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.equal(res.headers['content-length'], String(PDF.length));
  assert.equal(res.headers['content-disposition'], `attachment; filename="INVOICE_536365_${id}.pdf"`);
  assert.equal(res.headers['x-checksum-sha256'], SHA);
  assert.deepEqual(res.rawPayload, PDF);
});

void test('a report that is not finished is 409 REPORT_NOT_READY; a cancelled one 409 RUN_CANCELLED', async () => {
  const id = await succeededRun();
  for (const status of ['PENDING', 'RUNNING', 'FAILED'] as const) {
    api.runs.set(id, { status, stage: status === 'PENDING' ? null : 'RENDER' });
    const res = await api.app.inject({ method: 'GET', url: `/v1/reports/${id}/download`, headers: auth() });
    assert.equal(res.statusCode, 409, status);
    assert.equal(res.json().error.code, 'REPORT_NOT_READY');
  }
  api.runs.set(id, { status: 'CANCELLED', stage: 'RENDER' });
  const res = await api.app.inject({ method: 'GET', url: `/v1/reports/${id}/download`, headers: auth() });
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().error.code, 'RUN_CANCELLED');
});

void test('a download URL is asked for as the file is: 409 REPORT_NOT_READY while the run is not done or failed, 409 RUN_CANCELLED once cancelled', async () => {
  const id = await succeededRun();
  for (const status of ['PENDING', 'RUNNING', 'FAILED'] as const) {
    api.runs.set(id, { status, stage: status === 'PENDING' ? null : 'RENDER' });
    for (const route of ['download', 'download-url']) {
      const res = await api.app.inject({ method: 'GET', url: `/v1/reports/${id}/${route}`, headers: auth() });
      assert.equal(res.statusCode, 409, `${route} while ${status}: ${res.body}`);
      assert.equal(res.json().error.code, 'REPORT_NOT_READY', `${route} while ${status}`);
    }
  }
  api.runs.set(id, { status: 'CANCELLED', stage: 'RENDER' });
  for (const route of ['download', 'download-url']) {
    const res = await api.app.inject({ method: 'GET', url: `/v1/reports/${id}/${route}`, headers: auth() });
    assert.equal(res.statusCode, 409, `${route} when cancelled: ${res.body}`);
    assert.equal(res.json().error.code, 'RUN_CANCELLED', route);
  }
  const unknown = await api.app.inject({ method: 'GET', url: '/v1/reports/0190aaaa-0000-7000-8000-000000000000/download-url', headers: auth() });
  assert.equal(unknown.statusCode, 404);
});

void test("another tenant's report is 404, like an unknown one", async () => {
  const id = await succeededRun();
  const res = await api.app.inject({ method: 'GET', url: `/v1/reports/${id}/download`, headers: auth('globex') });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.code, 'NOT_FOUND');
  const unknown = await api.app.inject({ method: 'GET', url: '/v1/reports/0193c5e2-7a1b-7c3d-9e4f-0123456789ab/download', headers: auth() });
  assert.equal(unknown.statusCode, 404);
});

void test('a report whose file is gone is 404, not a broken response', async () => {
  const id = await succeededRun('file:///reports/acme/INVOICE/2/gone.pdf');
  api.destination.files.delete('file:///reports/acme/INVOICE/2/gone.pdf');
  const res = await api.app.inject({ method: 'GET', url: `/v1/reports/${id}/download`, headers: auth() });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.code, 'NOT_FOUND');
});

void test('with the real LOCAL destination over a real port the file streams byte for byte, and a deleted one is 404', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'reportflow-api-reports-'));
  const file = path.join(root, 'acme', 'INVOICE', 'r1', 'INVOICE_536365.pdf');
  const big = Buffer.alloc(3 * 1024 * 1024, 7); // several chunks, to see streaming work end to end
  const { mkdirSync } = await import('node:fs');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, big);
  const real = buildApiServer({
    config: { ...TEST_API_CONFIG, publicUrl: undefined, apiPort: 0 },
    catalog: api.catalog, db: api.db, runs: api.runs, destination: new LocalDestination(root), records: api.records, signer: api.signer,
    logger: pino({ level: 'silent' }), apiKeys: ApiKeys.parse('acme:acme-key-123'),
  });
  try {
    const address = await real.listen({ host: '127.0.0.1', port: 0 });
    const id = await succeededRun(pathToFileURL(file).href);
    const run = api.runs.runs.get(id)!;
    api.runs.set(id, { ...run, report: { ...run.report!, sizeBytes: big.length, sha256: createHash('sha256').update(big).digest('hex') } });
    const res = await fetch(`${address}/v1/reports/${id}/download`, { headers: auth() });
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.length, big.length);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), res.headers.get('x-checksum-sha256'));
    rmSync(file);
    const gone = await fetch(`${address}/v1/reports/${id}/download`, { headers: auth() });
    assert.equal(gone.status, 404);
    assert.equal(((await gone.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  } finally {
    await real.close();
    rmSync(root, { recursive: true, force: true });
  }
});
