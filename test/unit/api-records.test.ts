/**
 * The record endpoints over the in-memory store and a fake run gateway: Idempotency-Key replay and
 * conflict, list and search with cursors, cancel, reports with delete tombstones, signed download
 * URLs (valid, tampered, expired, deleted), and generate_at checks. The same store contract is
 * tested against PostgreSQL in test/integration/records-store.test.ts, and the whole API against the
 * real service in test/e2e/client-api.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ReportError } from '../../src/domain/errors.js';
import { auth, BASE_URL, startTestApi, type JsonBody, type TestApi } from '../helpers/api-fixture.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api.close();
});

const BODY = { report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: '536365' }] };
const PDF = Buffer.from('%PDF-1.7\n% stand-in\n%%EOF\n');
const SHA = createHash('sha256').update(PDF).digest('hex');

async function inject(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = auth()) {
  const res = await api.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, headers: res.headers, body: (res.body ? res.json() : {}) as JsonBody, raw: res.rawPayload };
}

/** A request whose run succeeded and whose report the export recorded. */
async function finishedReport(tenant: 'acme' | 'globex' = 'acme'): Promise<string> {
  const created = await inject('POST', '/v1/report-generate-requests', BODY, auth(tenant));
  const id = String(created.body.id);
  const uri = `local:///${tenant}/INVOICE/${id}/INVOICE_536365.pdf`;
  api.destination.files.set(uri, PDF);
  const request = (await api.records.getRequest(tenant, id))!.request;
  await api.records.upsertReport({ id, requestId: id, tenantId: tenant, reportCode: 'INVOICE', fileName: 'INVOICE_536365.pdf', contentType: 'application/pdf', sizeBytes: PDF.length, sha256: SHA, rows: 2, pages: 1, uri, createdAt: new Date().toISOString() });
  await api.records.recordRunState(request, { status: 'SUCCEEDED', stage: 'EXPORT', completedAt: new Date().toISOString() });
  api.runs.set(id, { status: 'SUCCEEDED', stage: 'EXPORT' });
  return id;
}

void test('Idempotency-Key: a repeat replays the original without starting a run; another body is 409', async () => {
  const headers = { ...auth(), 'idempotency-key': 'order-1' };
  const first = await inject('POST', '/v1/report-generate-requests', { ...BODY, metadata: { a: '1', b: '2' } }, headers);
  assert.equal(first.status, 201);
  assert.equal(first.headers['x-idempotency-replayed'], undefined);
  const startedBefore = api.runs.runs.size;
  // The same body with its keys in another order is the same body.
  const again = await inject('POST', '/v1/report-generate-requests', { metadata: { b: '2', a: '1' }, parameter_values: BODY.parameter_values, format: 'PDF', report_code: 'INVOICE' }, headers);
  assert.equal(again.status, 201);
  assert.equal(again.headers['x-idempotency-replayed'], 'true');
  assert.equal(again.body.id, first.body.id);
  assert.equal(api.runs.runs.size, startedBefore, 'no second run');

  const other = await inject('POST', '/v1/report-generate-requests', { ...BODY, format: 'HTML' }, headers);
  assert.equal(other.status, 409);
  assert.equal(other.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
  assert.equal(other.body.error.errors[0].field, 'Idempotency-Key');
  // Keys are per tenant.
  const globex = await inject('POST', '/v1/report-generate-requests', BODY, { ...auth('globex'), 'idempotency-key': 'order-1' });
  assert.equal(globex.status, 201);
  assert.notEqual(globex.body.id, first.body.id);

  const bad = await inject('POST', '/v1/report-generate-requests', BODY, { ...auth(), 'idempotency-key': 'x'.repeat(256) });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.errors[0].field, 'Idempotency-Key');
});

void test('a run that Temporal refuses to start is recorded FAILED and its key freed for a retry', async () => {
  const headers = { ...auth(), 'idempotency-key': 'start-fails' };
  api.runs.failWith = Object.assign(new Error('down'), { code: 'UNAVAILABLE' });
  let failedId: string;
  try {
    const res = await inject('POST', '/v1/report-generate-requests', BODY, headers);
    assert.ok(res.status >= 500);
    failedId = (await api.records.searchRequests({ tenantId: 'acme', limit: 1 })).items[0]!.request.id;
    assert.equal((await api.records.getRequest('acme', failedId))?.status, 'FAILED');
  } finally {
    api.runs.failWith = undefined;
  }
  const retry = await inject('POST', '/v1/report-generate-requests', BODY, headers);
  assert.equal(retry.status, 201);
  assert.equal(retry.headers['x-idempotency-replayed'], undefined);
  assert.notEqual(retry.body.id, failedId);
});

void test('list and search: newest first, filtered, paged by cursor with a total, scoped to the tenant', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await inject('POST', '/v1/report-generate-requests', { ...BODY, customer_id: 'cust-page', metadata: { run: String(i % 2) } });
    ids.push(String(res.body.id));
  }
  await inject('POST', '/v1/report-generate-requests', { ...BODY, customer_id: 'cust-page' }, auth('globex'));
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: JsonBody } = await inject('GET', `/v1/report-generate-requests?customer_id=cust-page&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200);
    assert.equal(page.body.total, 5);
    seen.push(...page.body.items.map((r: JsonBody) => r.id));
    cursor = page.body.next_cursor;
  } while (cursor);
  assert.deepEqual(seen, [...ids].reverse());

  const search = await inject('POST', '/v1/report-generate-requests/search', { customer_id: 'cust-page', metadata: { run: '1' }, status: ['PENDING'] });
  assert.equal(search.status, 200);
  assert.deepEqual(search.body.items.map((r: JsonBody) => r.id).sort(), [ids[1], ids[3]].sort());
  assert.deepEqual(search.body.items[0].metadata, { run: '1' });

  for (const url of ['/v1/report-generate-requests?limit=0', '/v1/report-generate-requests?limit=101', '/v1/report-generate-requests?status=DONE', '/v1/report-generate-requests?cursor=!!', '/v1/report-generate-requests?created_from=yesterday', '/v1/report-generate-requests?colour=red']) {
    const res = await inject('GET', url);
    assert.equal(res.status, 400, url);
    assert.equal(res.body.error.code, 'REQUEST_INVALID', url);
  }
  const forged = await inject('GET', `/v1/report-generate-requests?cursor=${Buffer.from('["x","y"]').toString('base64url')}`);
  assert.equal(forged.status, 400);
  assert.equal(forged.body.error.errors[0].field, 'cursor');
});

void test('cancel: 202 while running (the run is asked to cancel), 409 RUN_FINISHED once final, 404 for another tenant', async () => {
  const created = await inject('POST', '/v1/report-generate-requests', BODY);
  const id = String(created.body.id);
  api.runs.set(id, { status: 'RUNNING', stage: 'RENDER' });
  assert.equal((await inject('POST', `/v1/report-generate-requests/${id}/cancel`, undefined, auth('globex'))).status, 404);
  const res = await inject('POST', `/v1/report-generate-requests/${id}/cancel`);
  assert.equal(res.status, 202);
  assert.equal(res.body.id, id);
  assert.deepEqual(api.runs.cancelled, [id]);

  const done = await finishedReport();
  const late = await inject('POST', `/v1/report-generate-requests/${done}/cancel`);
  assert.equal(late.status, 409);
  assert.equal(late.body.error.code, 'RUN_FINISHED');
});

void test('reports: get, list, signed URL without credentials, tampering and expiry refused, delete leaves a tombstone', async () => {
  const id = await finishedReport();
  const other = await finishedReport('globex');

  const report = await inject('GET', `/v1/reports/${id}`);
  assert.equal(report.status, 200);
  assert.equal(report.body.sha256, SHA);
  assert.equal(report.body.deleted_at, null);
  assert.equal(JSON.stringify(report.body).includes('local:'), false, 'storage keys stay internal');
  assert.equal((await inject('GET', `/v1/reports/${other}`)).status, 404);
  const listed = await inject('GET', '/v1/reports?limit=100');
  assert.ok(listed.body.items.some((r: JsonBody) => r.id === id));
  assert.ok(!listed.body.items.some((r: JsonBody) => r.id === other));

  const signed = await inject('GET', `/v1/reports/${id}/download-url`);
  assert.equal(signed.status, 200);
  const url = new URL(signed.body.url);
  assert.equal(url.origin, BASE_URL);
  assert.ok(Math.abs(Date.parse(signed.body.expires_at) - (Date.now() + 900_000)) < 5_000, 'default lifetime 15 minutes');
  const path = url.pathname + url.search;
  const file = await api.app.inject({ method: 'GET', url: path });
  assert.equal(file.statusCode, 200);
  assert.equal(createHash('sha256').update(file.rawPayload).digest('hex'), SHA);

  const expires = url.searchParams.get('expires')!;
  const signature = url.searchParams.get('signature')!;
  const flipped = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
  for (const tampered of [
    `/v1/reports/${id}/file?expires=${Number(expires) + 60}&signature=${signature}`,
    `/v1/reports/${id}/file?expires=${expires}&signature=${flipped}`,
    `/v1/reports/${other}/file?expires=${expires}&signature=${signature}`,
    `/v1/reports/${id}/file?expires=${expires}`,
    `/v1/reports/${id}/file`,
  ]) {
    const res = await api.app.inject({ method: 'GET', url: tampered });
    assert.equal(res.statusCode, 403, tampered);
    assert.equal(res.json().error.code, 'SIGNED_URL_INVALID', tampered);
  }
  const past = api.signer.sign(BASE_URL, { tenantId: 'acme', reportId: id, sha256: SHA }, 60, Date.now() - 120_000);
  const expired = await api.app.inject({ method: 'GET', url: new URL(past.url).pathname + new URL(past.url).search });
  assert.equal(expired.statusCode, 403);
  assert.equal(expired.json().error.code, 'SIGNED_URL_EXPIRED');

  assert.equal((await inject('DELETE', `/v1/reports/${id}`, undefined, auth('globex'))).status, 404);
  const deleted = await inject('DELETE', `/v1/reports/${id}`);
  assert.equal(deleted.status, 200);
  assert.ok(deleted.body.deleted_at);
  assert.equal((await inject('DELETE', `/v1/reports/${id}`)).body.deleted_at, deleted.body.deleted_at, 'repeatable');
  assert.equal(api.destination.files.has(`local:///acme/INVOICE/${id}/INVOICE_536365.pdf`), false, 'the file is gone');
  const gone = await api.app.inject({ method: 'GET', url: path });
  assert.equal(gone.statusCode, 410);
  assert.equal(gone.json().error.code, 'REPORT_DELETED');
  assert.equal((await inject('GET', `/v1/reports/${id}/download`)).body.error.code, 'REPORT_DELETED');
  assert.equal((await inject('GET', `/v1/reports/${id}/download-url`)).status, 410);
  assert.equal((await inject('GET', `/v1/reports/${id}`)).body.deleted_at, deleted.body.deleted_at);
  assert.ok(!(await inject('GET', '/v1/reports?limit=100')).body.items.some((r: JsonBody) => r.id === id));
  assert.ok((await inject('POST', '/v1/reports/search', { include_deleted: true, limit: 100 })).body.items.some((r: JsonBody) => r.id === id));
});

void test('generate_at: a future instant is kept and handed to the run; the past or more than a year ahead is 400', async () => {
  const at = new Date(Date.now() + 3_600_000).toISOString();
  const ok = await inject('POST', '/v1/report-generate-requests', { ...BODY, generate_at: at });
  assert.equal(ok.status, 201);
  assert.equal(ok.body.generate_at, at);
  assert.equal(api.runs.runs.get(String(ok.body.id))?.request.generateAt, at);
  for (const bad of [new Date(Date.now() - 3_600_000).toISOString(), new Date(Date.now() + 400 * 86_400_000).toISOString()]) {
    const res = await inject('POST', '/v1/report-generate-requests', { ...BODY, generate_at: bad });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'GENERATE_AT_INVALID');
  }
  const garbage = await inject('POST', '/v1/report-generate-requests', { ...BODY, generate_at: 'tomorrow' });
  assert.equal(garbage.status, 400);
  assert.equal(garbage.body.error.errors[0].field, 'generate_at');
});

void test('the OpenAPI document is served without credentials and names every /v1 operation', async () => {
  const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json();
  assert.equal(doc.openapi, '3.1.0');
  for (const p of ['/v1/report-generate-requests', '/v1/report-generate-requests/{id}/cancel', '/v1/reports/{id}/download-url', '/v1/reports/{id}/file']) assert.ok(doc.paths[p], p);
  assert.deepEqual(doc.paths['/v1/reports/{id}/file'].get.security, []);
  const docs = await api.app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(docs.statusCode, 200);
  assert.match(docs.body, /swagger/i);
});

void test('a run Temporal knows before its first record (a subscription run) is read from Temporal and can be cancelled; another tenant gets 404', async () => {
  const id = 'sub-before-record:2025-06-01';
  api.runs.runs.set(id, {
    request: { id, tenantId: 'acme', reportCode: 'INVOICE', parameterValues: [{ name: 'invoice_id', value: '536365' }], format: 'CSV', language: 'en', timezone: 'Europe/Oslo', requestedAt: '2025-06-02T04:00:00.000Z' },
    status: 'RUNNING',
    stage: 'QUERY_DATA',
  });
  assert.equal(await api.records.getRequest('acme', id), undefined, 'no record yet');
  const got = await inject('GET', `/v1/report-generate-requests/${encodeURIComponent(id)}`);
  assert.equal(got.status, 200);
  assert.deepEqual([got.body.id, got.body.status, got.body.stage, got.body.created_at], [id, 'RUNNING', 'QUERY_DATA', '2025-06-02T04:00:00.000Z']);
  assert.equal((await inject('GET', `/v1/report-generate-requests/${encodeURIComponent(id)}`, undefined, auth('globex'))).status, 404);
  assert.equal((await inject('POST', `/v1/report-generate-requests/${encodeURIComponent(id)}/cancel`, undefined, auth('globex'))).status, 404);

  const cancel = await inject('POST', `/v1/report-generate-requests/${encodeURIComponent(id)}/cancel`);
  assert.equal(cancel.status, 202);
  assert.equal(api.runs.cancelled.at(-1), id);
  // Temporal unreachable: a request without a record cannot be answered for, which is not "unknown".
  api.runs.failWith = new ReportError('UNAVAILABLE', 'Temporal is unreachable.');
  try {
    assert.equal((await inject('GET', `/v1/report-generate-requests/${encodeURIComponent(id)}`)).status, 503);
  } finally {
    api.runs.failWith = undefined;
  }
});

void test('redeliver: 202 starts a new delivery of the recorded event (same event, fresh link time); 409 without a webhook, before the end or without an event; 404 for another tenant; 503 when Temporal is down', async () => {
  const created = await inject('POST', '/v1/report-generate-requests', { ...BODY, notify: { webhook_url: 'https://hooks.example.test/r' } });
  const id = String(created.body.id);
  const url = `/v1/report-generate-requests/${id}/webhook-deliveries/redeliver`;
  const request = (await api.records.getRequest('acme', id))!.request;
  const running = await inject('POST', url);
  assert.deepEqual([running.status, running.body.error.code], [409, 'WEBHOOK_NOT_REDELIVERABLE']);
  assert.match(running.body.error.message, /has not finished \(PENDING\)/);

  await api.records.recordRunState(request, { status: 'SUCCEEDED', stage: 'NOTIFY', completedAt: new Date().toISOString() });
  const noEvent = await inject('POST', url);
  assert.deepEqual([noEvent.status, noEvent.body.error.message], [409, 'No webhook event was recorded for this run.']);

  const event = { type: 'report.succeeded' as const, status: 'SUCCEEDED' as const, occurredAt: '2026-03-01T10:00:00.000Z' };
  await api.records.recordWebhookDelivery({ deliveryId: 'd-1', tenantId: 'acme', requestId: id, event, redelivery: false, status: 'FAILED', attempt: { number: 33, at: '2026-03-02T09:25:15.000Z', httpStatus: 503 }, error: { code: 'WEBHOOK_UNDELIVERED', message: 'gave up', errors: [] } });
  assert.equal((await inject('POST', url, undefined, auth('globex'))).status, 404);
  api.runs.failWith = new ReportError('UNAVAILABLE', 'Temporal could not be reached; try again.');
  const down = await inject('POST', url);
  api.runs.failWith = undefined;
  assert.deepEqual([down.status, down.body.error.code], [503, 'UNAVAILABLE']);
  assert.equal((await api.records.getRequest('acme', id))!.webhookDeliveries!.length, 1, 'nothing started, nothing recorded');

  const before = Date.now();
  const asked = await inject('POST', url);
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  const started = api.runs.deliveries.at(-1)!;
  assert.deepEqual([started.request.id, started.event, started.redelivery, started.executionId], [id, event, true, undefined]);
  assert.ok(Date.parse(started.linkSignedAt) >= before - 1000, 'the download link is signed from now, not from the event');
  assert.equal(started.schedule.totalMs, 86_400_000);
  assert.deepEqual(asked.body.webhook_deliveries.map((d: JsonBody) => [d.id, d.redelivery, d.status, d.attempts]), [[started.deliveryId, true, 'PENDING', 0], ['d-1', false, 'FAILED', 33]]);
  assert.deepEqual(asked.body.webhook_deliveries[1], {
    id: 'd-1', event_id: `${id}:report.succeeded`, event_type: 'report.succeeded', redelivery: false, status: 'FAILED', attempts: 33,
    last_attempt_at: '2026-03-02T09:25:15.000Z', last_http_status: 503, last_error: null, next_attempt_at: null, delivered_at: null,
    error: { code: 'WEBHOOK_UNDELIVERED', message: 'gave up', errors: [] }, created_at: asked.body.webhook_deliveries[1].created_at,
  });

  const quiet = await inject('POST', '/v1/report-generate-requests', BODY);
  const none = await inject('POST', `/v1/report-generate-requests/${quiet.body.id}/webhook-deliveries/redeliver`);
  assert.deepEqual([none.status, none.body.error.code, none.body.error.errors[0].field], [409, 'WEBHOOK_NOT_REDELIVERABLE', 'id']);
});
