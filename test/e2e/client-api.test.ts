/**
 * The client API end to end, as a client sees it: the whole service (`npm start`: Temporal dev
 * server, worker, API) on a real PostgreSQL, two tenants (acme, globex), API keys with and without
 * each permission, HS256 JWTs, and short-lived signed download URLs. Proves the issue's "Tests that
 * must pass": every answer validates against /openapi.json; signed URLs work without credentials
 * until they expire and fail when changed; 20 concurrent POSTs with one Idempotency-Key start one
 * workflow; the auth matrix; and over a thousand generated hostile requests are refused with 4xx,
 * leak nothing and change nothing stored.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { PERMISSIONS, type Permission } from '../../src/api/auth/permissions.js';
import { ApiClient, sendBytes, sendRaw, type RawAnswer } from '../helpers/api-client.js';
import { MALFORMED_HTTP, hostileRead, invalidRequest, wrongAnswerTo, type HostileRequest } from '../helpers/hostile-requests.js';
import { ContractSession, OpenApiContract, type JsonBody as Json } from '../helpers/openapi-contract.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startService, type RunningService } from '../helpers/service.js';

const MAX_BODY_BYTES = 65_536;
const DOWNLOAD_URL_TTL_SECONDS = 3;
const FUZZ_RUNS = 1_200;
const HOSTILE_READ_RUNS = 150;
const JWT_SECRET = `client-api-test-${randomBytes(16).toString('hex')}`;
const SUFFIX = randomBytes(4).toString('hex');
const KEYS = { acme: `acme-full-${SUFFIX}`, globex: `globex-full-${SUFFIX}` };
/** For each permission, an acme key holding every permission but that one. */
const LACKING = Object.fromEntries(PERMISSIONS.map((p) => [p, `acme-no-${p.toLowerCase().replace(/[._]/g, '-')}-${SUFFIX}`])) as Record<Permission, string>;
const API_KEYS = [
  `acme:${KEYS.acme}`,
  `globex:${KEYS.globex}`,
  ...PERMISSIONS.map((p) => `acme:${LACKING[p]}:${PERMISSIONS.filter((q) => q !== p).join('|')}`),
].join(',');
const ACME_CUSTOMER = `acme-cust-${SUFFIX}`;
const GLOBEX_CUSTOMER = `globex-cust-${SUFFIX}`;
const CREATE = '/v1/report-generate-requests';
const CONFIGS = '/v1/report-configurations';
const TEMPLATES = '/v1/templates';
const BULK = '/v1/report-bulk-requests';
/** A saved report configuration: invoice 536365 as HTML. */
const configBody = (name: string) => ({ name, report_code: 'INVOICE', format: 'HTML', parameter_values: [{ name: 'invoice_id', value: '536365' }] });
/** Paths owned by the subscriptions work (issue 4): checked by the todo test below, not by the coverage rule. */
const isSubscriptionOp = (key: string) => key.includes('/v1/report-subscriptions');

/** HS256 token; `expiresInSeconds` < 0 gives one that expired that long ago. */
async function jwt(tenantId: string, permissions: readonly string[], expiresInSeconds = 600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant_id: tenantId, permissions: [...permissions] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(`client-api-test-${tenantId}`)
    .setIssuedAt(now + Math.min(0, expiresInSeconds) - 60)
    .setExpirationTime(now + expiresInSeconds)
    .sign(new TextEncoder().encode(JWT_SECRET));
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const invoiceBody = (invoiceId: string, format: string, extra: Json = {}) => ({ report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: invoiceId }], format, ...extra });

describe('client API of the running service', { timeout: 900_000 }, () => {
  let db: TestPostgres;
  let service: RunningService;
  let sql: pg.Client;
  let temporal: Connection;
  let workflows: Client;
  let contract: OpenApiContract;
  let acme: ApiClient;
  let globex: ApiClient;
  /** Finished runs made in `before`: A (PDF), B and C (HTML) for acme, G for globex. */
  const runs: Record<'A' | 'B' | 'C' | 'G', Json> = { A: {}, B: {}, C: {}, G: {} };
  /** Text only acme may see, and text only globex may see. */
  const secrets = { acme: new Set<string>(), globex: new Set<string>() };

  before(async () => {
    db = await startTestPostgres();
    service = await startService({
      databaseUrl: db.url,
      apiKeys: API_KEYS,
      env: {
        REPORTFLOW_RATE_LIMIT_PER_MINUTE: '0',
        REPORTFLOW_DOWNLOAD_URL_TTL_SECONDS: String(DOWNLOAD_URL_TTL_SECONDS),
        REPORTFLOW_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
        REPORTFLOW_JWT_HS256_SECRET: JWT_SECRET,
      },
    });
    acme = new ApiClient(service.apiUrl, service.apiKey);
    globex = new ApiClient(service.apiUrl, KEYS.globex);
    assert.equal(service.apiKey, KEYS.acme);
    sql = new pg.Client(db.url);
    await sql.connect();
    temporal = await Connection.connect({ address: service.temporalAddress });
    workflows = new Client({ connection: temporal });
    contract = await OpenApiContract.load(service.apiUrl);

    const create = async (client: ApiClient, body: Json) => {
      const res = await client.post(CREATE, body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const { final } = await client.waitForRun(String(res.body.id), { intervalMs: 250 });
      assert.equal(final.status, 'SUCCEEDED', JSON.stringify(final));
      return final;
    };
    [runs.A, runs.B, runs.C, runs.G] = await Promise.all([
      create(acme, invoiceBody('536365', 'PDF', { customer_id: ACME_CUSTOMER, metadata: { order: `A-${SUFFIX}`, campaign: `spring-${SUFFIX}` } })),
      create(acme, invoiceBody('536365', 'HTML', { customer_id: ACME_CUSTOMER, metadata: { order: `B-${SUFFIX}` } })),
      create(acme, invoiceBody('536365', 'HTML', { customer_id: ACME_CUSTOMER, metadata: { order: `C-${SUFFIX}` } })),
      create(globex, invoiceBody('536367', 'HTML', { customer_id: GLOBEX_CUSTOMER, metadata: { secret: `globex-secret-${SUFFIX}` } })),
    ]);
    const secretsOf = (r: Json) => [r.id, r.report.sha256, r.customer_id, ...Object.values(r.metadata as Record<string, string>)];
    for (const r of [runs.A, runs.B, runs.C]) for (const s of secretsOf(r)) secrets.acme.add(s);
    for (const s of secretsOf(runs.G)) secrets.globex.add(s);
    // File names are secret only where the other tenant's differ (both may be INVOICE_….html).
    for (const r of [runs.A, runs.B, runs.C]) if (r.report.file_name !== runs.G.report.file_name) secrets.acme.add(r.report.file_name);
    secrets.globex.add(runs.G.report.file_name);
  });

  after(async () => {
    await temporal?.close();
    await sql?.end();
    const code = await service?.stop();
    await db?.stop();
    assert.equal(code, 0, 'one SIGINT stops the service cleanly with exit code 0');
  });

  test('every answer of every documented operation validates against /openapi.json', async () => {
    const s = new ContractSession(contract, acme);
    const { A, B } = runs;
    // Operations and documentation.
    assert.equal((await s.expect(200, { method: 'GET', path: '/healthz' }, { headers: {} })).body.status, 'ok');
    assert.equal((await s.expect(200, { method: 'GET', path: '/readyz' }, { headers: {} })).body.status, 'ready');
    const docs = await fetch(`${service.apiUrl}/docs`);
    assert.equal(docs.status, 200);
    assert.match(docs.headers.get('content-type') ?? '', /text\/html/);

    // Definitions.
    const defs = await s.expect(200, { method: 'GET', path: '/v1/report-definitions' });
    assert.ok(defs.body.items.some((d: Json) => d.code === 'INVOICE'));
    assert.equal((await s.expect(200, { method: 'GET', path: '/v1/report-definitions/INVOICE' })).body.code, 'INVOICE');
    await s.expect(404, { method: 'GET', path: '/v1/report-definitions/NO_SUCH_REPORT' }, { code: 'NOT_FOUND' });

    // Create: 201, replay, key reuse 409, 400s, 413, 401, 403. D waits an hour, so it can be cancelled.
    const key = `contract-${SUFFIX}`;
    const dBody = invoiceBody('536365', 'PDF', { customer_id: ACME_CUSTOMER, metadata: { order: `D-${SUFFIX}` }, generate_at: new Date(Date.now() + 3_600_000).toISOString() });
    const created = await s.expect(201, { method: 'POST', path: CREATE, headers: { 'idempotency-key': key }, body: dBody });
    const D = created.body;
    assert.equal(D.status, 'PENDING');
    assert.equal(created.headers.get('x-idempotency-replayed'), null);
    assert.equal(created.headers.get('location'), D.links.self);
    const replay = await s.expect(201, { method: 'POST', path: CREATE, headers: { 'idempotency-key': key }, body: dBody });
    assert.equal(replay.body.id, D.id);
    assert.equal(replay.headers.get('x-idempotency-replayed'), 'true');
    await s.expect(409, { method: 'POST', path: CREATE, headers: { 'idempotency-key': key }, body: { ...dBody, format: 'HTML' } }, { code: 'IDEMPOTENCY_KEY_REUSED' });
    const invalid = await s.expect(400, { method: 'POST', path: CREATE, body: { ...dBody, colour: 'blue' } }, { code: 'REQUEST_INVALID' });
    assert.deepEqual(invalid.body.error.errors.map((e: Json) => e.field), ['colour']);
    await s.expect(400, { method: 'POST', path: CREATE, body: { ...dBody, report_code: 'NO_SUCH_REPORT' } }, { code: 'REPORT_CODE_UNKNOWN' });
    await s.expect(400, { method: 'POST', path: CREATE, body: invoiceBody('999999', 'PDF') }, { code: 'INVOICE_NOT_FOUND' });
    await s.expect(413, { method: 'POST', path: CREATE, body: { ...dBody, metadata: { note: 'x'.repeat(MAX_BODY_BYTES) } } }, { code: 'REQUEST_TOO_LARGE' });
    await s.expect(401, { method: 'POST', path: CREATE, body: dBody }, { headers: {}, code: 'UNAUTHENTICATED' });
    await s.expect(403, { method: 'POST', path: CREATE, body: dBody }, { headers: { 'x-api-key': LACKING['REPORT_GENERATE_REQUEST.CREATE'] }, code: 'FORBIDDEN' });

    // Read, list (with pagination) and search requests.
    const a = await s.expect(200, { method: 'GET', path: `${CREATE}/${A.id}` });
    assert.equal(a.body.status, 'SUCCEEDED');
    assert.equal(a.body.report.sha256, A.report.sha256);
    await s.expect(404, { method: 'GET', path: `${CREATE}/0190aaaa-0000-7000-8000-000000000000` }, { code: 'NOT_FOUND' });
    const page1 = await s.expect(200, { method: 'GET', path: `${CREATE}?limit=1&customer_id=${ACME_CUSTOMER}` });
    assert.equal(page1.body.items.length, 1);
    assert.equal(page1.body.total, 4, 'A, B, C and D');
    assert.ok(page1.body.next_cursor);
    const page2 = await s.expect(200, { method: 'GET', path: `${CREATE}?limit=1&customer_id=${ACME_CUSTOMER}&cursor=${page1.body.next_cursor}` });
    assert.notEqual(page2.body.items[0].id, page1.body.items[0].id);
    const since = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    const succeeded = await s.expect(200, { method: 'GET', path: `${CREATE}?status=SUCCEEDED,FAILED&report_code=INVOICE&created_from=${since}&limit=100` });
    assert.ok(succeeded.body.items.every((r: Json) => r.status === 'SUCCEEDED'));
    assert.ok([A.id, B.id].every((id) => succeeded.body.items.some((r: Json) => r.id === id)));
    await s.expect(400, { method: 'GET', path: `${CREATE}?limit=1000` }, { code: 'REQUEST_INVALID' });
    const byMetadata = await s.expect(200, { method: 'POST', path: `${CREATE}/search`, body: { metadata: { order: `A-${SUFFIX}` } } });
    assert.deepEqual(byMetadata.body.items.map((r: Json) => r.id), [A.id]);
    assert.equal(byMetadata.body.total, 1);
    const searched = await s.expect(200, { method: 'POST', path: `${CREATE}/search`, body: { status: ['SUCCEEDED'], report_code: ['INVOICE'], customer_id: ACME_CUSTOMER, created_from: decodeURIComponent(since), limit: 10 } });
    assert.equal(searched.body.total, 3, 'A, B and C');
    await s.expect(400, { method: 'POST', path: `${CREATE}/search`, body: { status: ['DONE'] } }, { code: 'REQUEST_INVALID' });

    // Download before the run ends (409), cancel (202), cancel again (409), download a cancelled run (409).
    await s.expect(409, { method: 'GET', path: `/v1/reports/${D.id}/download` }, { code: 'REPORT_NOT_READY' });
    await s.expect(409, { method: 'GET', path: `/v1/reports/${D.id}/download-url` }, { code: 'REPORT_NOT_READY' });
    const cancelled = await s.expect(202, { method: 'POST', path: `${CREATE}/${D.id}/cancel` });
    assert.ok(['PENDING', 'RUNNING', 'CANCELLED'].includes(cancelled.body.status), cancelled.text);
    const { final } = await acme.waitForRun(String(D.id), { timeoutMs: 60_000, intervalMs: 200 });
    assert.equal(final.status, 'CANCELLED');
    await s.expect(409, { method: 'POST', path: `${CREATE}/${D.id}/cancel` }, { code: 'RUN_FINISHED' });
    await s.expect(409, { method: 'POST', path: `${CREATE}/${A.id}/cancel` }, { code: 'RUN_FINISHED' });
    await s.expect(404, { method: 'POST', path: `${CREATE}/0190aaaa-0000-7000-8000-000000000000/cancel` }, { code: 'NOT_FOUND' });
    await s.expect(409, { method: 'GET', path: `/v1/reports/${D.id}/download` }, { code: 'RUN_CANCELLED' });
    await s.expect(409, { method: 'GET', path: `/v1/reports/${D.id}/download-url` }, { code: 'RUN_CANCELLED' });

    // Reports: read, list, search, download (bytes match the recorded SHA-256), signed URL.
    const report = await s.expect(200, { method: 'GET', path: `/v1/reports/${A.id}` });
    assert.equal(report.body.sha256, A.report.sha256);
    assert.equal(report.body.deleted_at, null);
    await s.expect(404, { method: 'GET', path: `/v1/reports/${D.id}` }, { code: 'NOT_FOUND' });
    const reports = await s.expect(200, { method: 'GET', path: `/v1/reports?customer_id=${ACME_CUSTOMER}&report_code=INVOICE` });
    assert.equal(reports.body.total, 3);
    const reportSearch = await s.expect(200, { method: 'POST', path: '/v1/reports/search', body: { customer_id: ACME_CUSTOMER, report_code: ['INVOICE'], limit: 2 } });
    assert.equal(reportSearch.body.items.length, 2);
    await s.expect(400, { method: 'POST', path: '/v1/reports/search', body: { metadata: {} } }, { code: 'REQUEST_INVALID' });
    const file = await s.expect(200, { method: 'GET', path: `/v1/reports/${A.id}/download` });
    assert.equal(file.contentType, 'application/pdf');
    assert.equal(sha256(file.bytes), A.report.sha256);
    assert.equal(file.headers.get('x-checksum-sha256'), A.report.sha256);
    const signed = await s.expect(200, { method: 'GET', path: `/v1/reports/${A.id}/download-url` });
    const url = new URL(signed.body.url);
    const viaUrl = await s.expect(200, { method: 'GET', path: url.pathname + url.search }, { headers: {} });
    assert.equal(sha256(viaUrl.bytes), A.report.sha256);
    await s.expect(403, { method: 'GET', path: `${url.pathname}?expires=${url.searchParams.get('expires')}&signature=${'0'.repeat(64)}` }, { headers: {}, code: 'SIGNED_URL_INVALID' });

    // Delete: tombstone, repeatable; the file is gone (410), the record stays.
    const deleted = await s.expect(200, { method: 'DELETE', path: `/v1/reports/${B.id}` });
    assert.ok(deleted.body.deleted_at);
    await s.expect(200, { method: 'DELETE', path: `/v1/reports/${B.id}` });
    await s.expect(404, { method: 'DELETE', path: `/v1/reports/${D.id}` }, { code: 'NOT_FOUND' });
    assert.ok((await s.expect(200, { method: 'GET', path: `/v1/reports/${B.id}` })).body.deleted_at);
    await s.expect(410, { method: 'GET', path: `/v1/reports/${B.id}/download` }, { code: 'REPORT_DELETED' });
    await s.expect(410, { method: 'GET', path: `/v1/reports/${B.id}/download-url` }, { code: 'REPORT_DELETED' });
    assert.ok(!(await s.expect(200, { method: 'GET', path: `/v1/reports?customer_id=${ACME_CUSTOMER}` })).body.items.some((r: Json) => r.id === B.id));
    assert.ok((await s.expect(200, { method: 'GET', path: `/v1/reports?customer_id=${ACME_CUSTOMER}&include_deleted=true` })).body.items.some((r: Json) => r.id === B.id));
    assert.ok((await s.expect(200, { method: 'POST', path: '/v1/reports/search', body: { include_deleted: true, customer_id: ACME_CUSTOMER } })).body.items.some((r: Json) => r.id === B.id));
    assert.ok((await s.expect(200, { method: 'GET', path: `${CREATE}/${B.id}` })).body.report.deleted_at);

    // Report configurations: save, read, list, change, run (the request's format in place of the saved one), delete.
    const saved = await s.expect(201, { method: 'POST', path: CONFIGS, body: configBody(`contract-${SUFFIX}`) });
    assert.equal(saved.headers.get('location'), saved.body.links.self);
    const confPath = `${CONFIGS}/${saved.body.id}`;
    assert.equal((await s.expect(200, { method: 'GET', path: confPath })).body.version, 1);
    const listed = await s.expect(200, { method: 'GET', path: `${CONFIGS}?report_code=INVOICE&name=CONTRACT-${SUFFIX}&limit=5` });
    assert.deepEqual([listed.body.total, listed.body.items[0]?.id], [1, saved.body.id]);
    await s.expect(400, { method: 'GET', path: `${CONFIGS}?limit=0` }, { code: 'REQUEST_INVALID' });
    await s.expect(400, { method: 'POST', path: CONFIGS, body: { ...configBody('bad'), parameter_values: [{ name: 'invoice_id', value: '999999' }] } }, { code: 'INVOICE_NOT_FOUND' });
    assert.equal((await s.expect(200, { method: 'PATCH', path: confPath, body: { format: 'PDF' } })).body.version, 2);
    await s.expect(400, { method: 'PATCH', path: confPath, body: { colour: 'blue' } }, { code: 'REQUEST_INVALID' });
    const fromConf = await s.expect(201, { method: 'POST', path: CREATE, body: { report_configuration_id: saved.body.id, format: 'HTML' } });
    assert.deepEqual([fromConf.body.report_code, fromConf.body.format, fromConf.body.report_configuration_id, fromConf.body.report_configuration_version], ['INVOICE', 'HTML', saved.body.id, 2]);
    assert.equal((await acme.waitForRun(String(fromConf.body.id), { intervalMs: 250 })).final.status, 'SUCCEEDED');
    await s.expect(204, { method: 'DELETE', path: confPath });
    for (const method of ['GET', 'PATCH', 'DELETE']) await s.expect(404, { method, path: confPath, ...(method === 'PATCH' ? { body: { name: 'gone' } } : {}) }, { code: 'NOT_FOUND' });
    await s.expect(404, { method: 'POST', path: CREATE, body: { report_configuration_id: saved.body.id } }, { code: 'REPORT_CONFIGURATION_NOT_FOUND' });

    // Templates: upload, read, list, change (a new version), preview, run, delete.
    const oneDay = [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-01' }];
    const template = { name: `contract-${SUFFIX}`, format: 'TXT', dataset: 'invoice_lines', body: '{{#each rows}}{{invoice_no}}\n{{/each}}{{rows.length}}' };
    const uploaded = await s.expect(201, { method: 'POST', path: TEMPLATES, body: template });
    assert.equal(uploaded.headers.get('location'), uploaded.body.links.self);
    const tplPath = `${TEMPLATES}/${uploaded.body.id}`;
    assert.equal((await s.expect(200, { method: 'GET', path: tplPath })).body.version, 1);
    assert.deepEqual((await s.expect(200, { method: 'GET', path: `${TEMPLATES}?dataset=invoice_lines&name=contract-${SUFFIX}&limit=5` })).body.total, 1);
    await s.expect(400, { method: 'POST', path: TEMPLATES, body: { ...template, body: '{{#each rows}}{{amount}}{{/each}}' } }, { code: 'TEMPLATE_FIELD_UNKNOWN' });
    assert.equal((await s.expect(200, { method: 'PUT', path: tplPath, body: { ...template, body: `${template.body} lines` } })).body.version, 2);
    const preview = await s.expect(200, { method: 'POST', path: `${TEMPLATES}/preview`, body: { template_id: uploaded.body.id, parameter_values: oneDay, rows: 3 } });
    assert.match(preview.text, /^(\d{6}\n){3}3 lines$/);
    const fromTemplate = await s.expect(201, { method: 'POST', path: CREATE, body: { template_id: uploaded.body.id, format: 'TXT', parameter_values: oneDay } });
    assert.deepEqual([fromTemplate.body.template_id, fromTemplate.body.template_version], [uploaded.body.id, 2]);
    assert.equal((await acme.waitForRun(String(fromTemplate.body.id), { intervalMs: 250 })).final.status, 'SUCCEEDED');
    await s.expect(204, { method: 'DELETE', path: tplPath });
    for (const method of ['GET', 'PUT', 'DELETE']) await s.expect(404, { method, path: tplPath, ...(method === 'PUT' ? { body: template } : {}) }, { code: 'NOT_FOUND' });
    await s.expect(404, { method: 'POST', path: CREATE, body: { template_id: uploaded.body.id, format: 'TXT' } }, { code: 'TEMPLATE_NOT_FOUND' });

    // 401 from every documented operation that needs credentials.
    for (const op of contract.operations().filter((k) => !isSubscriptionOp(k))) {
      const [method, template] = op.split(' ') as [string, string];
      const { operation } = contract.match(method, template)!;
      if (Array.isArray((operation as Json).security) && (operation as Json).security.length === 0) continue;
      const path = template.replace('{id}', String(A.id)).replace('{code}', 'INVOICE');
      await s.expect(401, { method, path, ...(method === 'POST' ? { body: {} } : {}) }, { headers: {}, code: 'UNAUTHENTICATED' });
    }

    // A method a documented path does not take: 405 in the error shape, with the methods it does take.
    for (const [method, path, allow] of [['PUT', `/v1/reports/${A.id}`, 'DELETE, GET, HEAD'], ['DELETE', CREATE, 'GET, HEAD, POST'], ['PATCH', '/v1/reports/search', 'POST']] as const) {
      const res = await acme.request({ method, path, body: {} });
      assert.equal(res.status, 405, `${method} ${path}: ${res.text}`);
      assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
      assert.equal(contract.errorShapeProblems(res.json), '', res.text);
      assert.equal((res.json as Json).error.code, 'METHOD_NOT_ALLOWED');
    }

    assert.deepEqual(contract.unexercised((k) => !isSubscriptionOp(k)), [], 'documented operations this test never called');
    s.assertContract();
  });

  test('subscription endpoints validate against /openapi.json', async () => {
    const s = new ContractSession(contract, acme);
    const created = await s.send({
      method: 'POST', path: '/v1/report-subscriptions',
      body: { name: 'contract', report_code: 'INVOICE_LINES', format: 'CSV', timezone: 'Europe/Oslo', schedule: { frequency: 'MONTHLY', time_of_day: '06:00', day_of_month: 1 } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = String(created.body.id);
    const path = `/v1/report-subscriptions/${id}`;
    await s.send({ method: 'GET', path: '/v1/report-subscriptions' });
    await s.send({ method: 'GET', path });
    await s.send({ method: 'PATCH', path, body: { schedule: { frequency: 'WEEKLY', time_of_day: '07:00', day_of_week: 'MONDAY' } } });
    await s.send({ method: 'POST', path: `${path}/pause`, body: { note: 'contract test' } });
    await s.send({ method: 'POST', path: `${path}/resume`, body: {} });
    await s.send({ method: 'POST', path: `${path}/trigger`, body: { from: '2011-03-07', to: '2011-03-13' } });
    await s.send({ method: 'POST', path: `${path}/backfill`, body: { from: '2011-03-01T00:00:00Z', to: '2011-03-15T00:00:00Z' } });
    await s.send({ method: 'DELETE', path });
    // Error answers: unknown id, bad body, bad query.
    await s.send({ method: 'GET', path: '/v1/report-subscriptions/no-such-subscription' });
    await s.send({ method: 'POST', path: '/v1/report-subscriptions', body: { colour: 'blue' } });
    await s.send({ method: 'GET', path: '/v1/report-subscriptions?active=maybe' });
    for (const op of contract.operations().filter(isSubscriptionOp)) {
      const [method, template] = op.split(' ') as [string, string];
      await s.send({ method, path: template.replace('{id}', 'no-such-subscription'), ...(['POST', 'PATCH'].includes(method) ? { body: {} } : {}) }, {});
    }
    assert.deepEqual(contract.unexercised(isSubscriptionOp), [], 'subscription operations this test never called');
    s.assertContract();
  });

  test('a signed download URL works without credentials until it expires, and not once changed or deleted', async () => {
    const s = new ContractSession(contract, acme);
    const { A, C, G } = runs;
    const signed = await s.expect(200, { method: 'GET', path: `/v1/reports/${A.id}/download-url` });
    const url = new URL(signed.body.url);
    const expires = url.searchParams.get('expires')!;
    const signature = url.searchParams.get('signature')!;
    assert.equal(url.pathname, `/v1/reports/${A.id}/file`);
    const lifetimeMs = Date.parse(signed.body.expires_at) - Date.now();
    assert.ok(lifetimeMs > 0 && lifetimeMs <= DOWNLOAD_URL_TTL_SECONDS * 1000, `expires_at ${signed.body.expires_at}`);
    assert.equal(Number(expires) * 1000, Date.parse(signed.body.expires_at));

    const file = await s.expect(200, { method: 'GET', path: url.pathname + url.search }, { headers: {} });
    assert.equal(sha256(file.bytes), A.report.sha256, 'the signed URL serves the recorded file');
    const flipped = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
    const tampered = {
      signature: `${url.pathname}?expires=${expires}&signature=${flipped}`,
      expiry: `${url.pathname}?expires=${Number(expires) + 3600}&signature=${signature}`,
      'id (same tenant)': `/v1/reports/${C.id}/file?expires=${expires}&signature=${signature}`,
      'id (other tenant)': `/v1/reports/${G.id}/file?expires=${expires}&signature=${signature}`,
      'id (unknown)': `/v1/reports/0190aaaa-0000-7000-8000-000000000000/file?expires=${expires}&signature=${signature}`,
      'no signature': `${url.pathname}?expires=${expires}`,
      'no expiry': `${url.pathname}?signature=${signature}`,
      'upper-case signature': `${url.pathname}?expires=${expires}&signature=${signature.toUpperCase()}`,
    };
    for (const [what, changed] of Object.entries(tampered)) {
      const res = await s.send({ method: 'GET', path: changed }, {});
      assert.equal(res.status, 403, `changed ${what}: ${res.text}`);
      assert.equal(res.body.error?.code, 'SIGNED_URL_INVALID', `changed ${what}`);
    }

    // A valid link to a file deleted since: 410.
    const toDelete = new URL((await s.expect(200, { method: 'GET', path: `/v1/reports/${C.id}/download-url` })).body.url);
    await s.expect(200, { method: 'DELETE', path: `/v1/reports/${C.id}` });
    await s.expect(410, { method: 'GET', path: toDelete.pathname + toDelete.search }, { headers: {}, code: 'REPORT_DELETED' });

    // Once expired: 403 SIGNED_URL_EXPIRED (the signature itself is still right).
    await new Promise((r) => setTimeout(r, Math.max(0, Number(expires) * 1000 - Date.now()) + 1_100));
    await s.expect(403, { method: 'GET', path: url.pathname + url.search }, { headers: {}, code: 'SIGNED_URL_EXPIRED' });
    s.assertContract();
  });

  test('20 concurrent POSTs with one Idempotency-Key create one request and start one workflow', async () => {
    const customer = `idem-${SUFFIX}`;
    const key = `idem-key-${SUFFIX}`;
    const body = invoiceBody('536365', 'HTML', { customer_id: customer });
    const answers = await Promise.all(Array.from({ length: 20 }, () => acme.request({ method: 'POST', path: CREATE, headers: { 'idempotency-key': key }, body })));
    assert.deepEqual(answers.map((a) => a.status), Array(20).fill(201), answers.map((a) => a.text).join('\n'));
    const ids = new Set(answers.map((a) => (a.json as Json).id));
    assert.equal(ids.size, 1, `ids: ${[...ids].join(', ')}`);
    const [id] = [...ids] as [string];
    const originals = answers.filter((a) => a.headers.get('x-idempotency-replayed') !== 'true');
    assert.equal(originals.length, 1, 'exactly one answer is the original, the others are replays');

    const rows = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM reportflow.report_requests WHERE customer_id = $1', [customer]);
    assert.equal(rows.rows[0]!.n, 1, 'one stored request');
    const keys = await sql.query<{ request_id: string }>('SELECT request_id FROM reportflow.idempotency_keys WHERE tenant_id = $1 AND key = $2', ['acme', key]);
    assert.deepEqual(keys.rows.map((r) => r.request_id), [id]);

    // Visibility is eventually consistent: poll until the count has held still for 2 s.
    const query = `ReportCustomerId = "${customer}"`;
    let count = -1;
    let stableSince = Date.now();
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      const now = (await workflows.workflow.count(query)).count;
      if (now !== count) [count, stableSince] = [now, Date.now()];
      if (count > 0 && Date.now() - stableSince >= 2_000) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(count, 1, `workflows with ${query}`);
    const started: string[] = [];
    for await (const wf of workflows.workflow.list({ query })) started.push(wf.workflowId);
    assert.deepEqual(started, [id]);

    const reused = await acme.request({ method: 'POST', path: CREATE, headers: { 'idempotency-key': key }, body: { ...body, format: 'PDF' } });
    assert.equal(reused.status, 409, reused.text);
    assert.equal((reused.json as Json).error.code, 'IDEMPOTENCY_KEY_REUSED');
    const after = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM reportflow.report_requests WHERE tenant_id = $1 AND request->>\'format\' = $2 AND customer_id = $3', ['acme', 'PDF', customer]);
    assert.equal(after.rows[0]!.n, 0, 'the refused body stored nothing');
    // Let the run finish, so nothing changes stored records while later tests compare them.
    assert.equal((await acme.waitForRun(id, { intervalMs: 250 })).final.status, 'SUCCEEDED');
  });

  test('auth matrix: every endpoint refuses missing, bad and expired credentials, other tenants and missing permissions', async () => {
    const s = new ContractSession(contract, acme);
    const { A, G } = runs;
    const idPath = (p: string) => p.replace('{id}', String(A.id));
    type Scope = 'create' | 'id' | 'list' | 'catalog';
    // A configuration of each tenant: acme's is the one refused to the others, globex's the one its lists show.
    const acmeConf = await s.expect(201, { method: 'POST', path: CONFIGS, body: configBody(`acme-matrix-${SUFFIX}`) });
    const globexConf = await globex.post(CONFIGS, configBody(`globex-matrix-${SUFFIX}`));
    assert.equal(globexConf.status, 201, JSON.stringify(globexConf.body));
    secrets.acme.add(String(acmeConf.body.id));
    const confPath = `${CONFIGS}/${acmeConf.body.id}`;
    // A template of each tenant, likewise.
    const tplBody = (name: string) => ({ name, format: 'TXT', dataset: 'invoice_lines', body: '{{#each rows}}{{invoice_no}}\n{{/each}}' });
    const acmeTpl = await s.expect(201, { method: 'POST', path: TEMPLATES, body: tplBody(`acme-matrix-${SUFFIX}`) });
    const globexTpl = await globex.post(TEMPLATES, tplBody(`globex-matrix-${SUFFIX}`));
    assert.equal(globexTpl.status, 201, JSON.stringify(globexTpl.body));
    secrets.acme.add(String(acmeTpl.body.id));
    const tplPath = `${TEMPLATES}/${acmeTpl.body.id}`;
    const oneDay = [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-01' }];
    // A bulk request of acme's: customer 17850's invoices of one day, as HTML (a handful of small runs), zipped.
    const bulkBody = { zip: true, report_code: 'INVOICE', format: 'HTML', timezone: 'Europe/London', parameter_values: [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2010-12-01' }, { name: 'customer_id', value: 17850 }] };
    const acmeBulk = await s.expect(202, { method: 'POST', path: BULK, body: bulkBody });
    secrets.acme.add(String(acmeBulk.body.id));
    const bulkPath = `${BULK}/${acmeBulk.body.id}`;
    /** `own`: the item another tenant's list must show (default: globex's run G). */
    // `notFound`: the code another tenant's id gets when the body, not the path, names it.
    const endpoints: { method: string; path: string; permission: Permission | null; scope: Scope; body?: Json; own?: string; notFound?: string }[] = [
      { method: 'POST', path: CONFIGS, permission: 'REPORT_CONFIGURATION.MANAGE', scope: 'create', body: configBody(`matrix-${SUFFIX}`) },
      { method: 'GET', path: CONFIGS, permission: 'REPORT_CONFIGURATION.VIEW', scope: 'list', own: String(globexConf.body.id) },
      { method: 'GET', path: confPath, permission: 'REPORT_CONFIGURATION.VIEW', scope: 'id' },
      { method: 'PATCH', path: confPath, permission: 'REPORT_CONFIGURATION.MANAGE', scope: 'id', body: { name: 'taken over' } },
      { method: 'DELETE', path: confPath, permission: 'REPORT_CONFIGURATION.MANAGE', scope: 'id' },
      { method: 'POST', path: CREATE, permission: 'REPORT_GENERATE_REQUEST.CREATE', scope: 'create', body: invoiceBody('536365', 'HTML') },
      { method: 'GET', path: idPath(`${CREATE}/{id}`), permission: 'REPORT_GENERATE_REQUEST.VIEW', scope: 'id' },
      { method: 'GET', path: CREATE, permission: 'REPORT_GENERATE_REQUEST.VIEW', scope: 'list' },
      { method: 'POST', path: `${CREATE}/search`, permission: 'REPORT_GENERATE_REQUEST.VIEW', scope: 'list', body: {} },
      { method: 'POST', path: idPath(`${CREATE}/{id}/cancel`), permission: 'REPORT_GENERATE_REQUEST.CANCEL', scope: 'id' },
      { method: 'POST', path: idPath(`${CREATE}/{id}/webhook-deliveries/redeliver`), permission: 'REPORT_GENERATE_REQUEST.REDELIVER', scope: 'id' },
      { method: 'GET', path: idPath('/v1/reports/{id}'), permission: 'REPORT.VIEW', scope: 'id' },
      { method: 'DELETE', path: idPath('/v1/reports/{id}'), permission: 'REPORT.DELETE', scope: 'id' },
      { method: 'GET', path: '/v1/reports', permission: 'REPORT.VIEW', scope: 'list' },
      { method: 'POST', path: '/v1/reports/search', permission: 'REPORT.VIEW', scope: 'list', body: {} },
      { method: 'GET', path: idPath('/v1/reports/{id}/download'), permission: 'REPORT.VIEW', scope: 'id' },
      { method: 'GET', path: idPath('/v1/reports/{id}/download-url'), permission: 'REPORT.VIEW', scope: 'id' },
      { method: 'POST', path: TEMPLATES, permission: 'TEMPLATE.MANAGE', scope: 'create', body: tplBody(`matrix-${SUFFIX}`) },
      { method: 'GET', path: TEMPLATES, permission: 'TEMPLATE.VIEW', scope: 'list', own: String(globexTpl.body.id) },
      { method: 'GET', path: tplPath, permission: 'TEMPLATE.VIEW', scope: 'id' },
      { method: 'PUT', path: tplPath, permission: 'TEMPLATE.MANAGE', scope: 'id', body: tplBody('taken over') },
      { method: 'DELETE', path: tplPath, permission: 'TEMPLATE.MANAGE', scope: 'id' },
      { method: 'POST', path: `${TEMPLATES}/preview`, permission: 'TEMPLATE.MANAGE', scope: 'id', body: { template_id: acmeTpl.body.id, parameter_values: oneDay, rows: 1 }, notFound: 'TEMPLATE_NOT_FOUND' },
      { method: 'POST', path: BULK, permission: 'REPORT_GENERATE_REQUEST.CREATE', scope: 'create', body: bulkBody },
      { method: 'GET', path: bulkPath, permission: 'REPORT_GENERATE_REQUEST.VIEW', scope: 'id' },
      { method: 'POST', path: `${bulkPath}/cancel`, permission: 'REPORT_GENERATE_REQUEST.CANCEL', scope: 'id' },
      { method: 'GET', path: `${bulkPath}/zip`, permission: 'REPORT.VIEW', scope: 'id' },
      { method: 'GET', path: '/v1/report-definitions', permission: null, scope: 'catalog' },
      { method: 'GET', path: '/v1/report-definitions/INVOICE', permission: null, scope: 'catalog' },
    ];
    const covered = new Set(endpoints.map((e) => contract.match(e.method, e.path)?.key));
    const authenticated = contract.operations().filter((k) => !isSubscriptionOp(k) && !['GET /healthz', 'GET /readyz', 'GET /v1/reports/{id}/file'].includes(k));
    assert.deepEqual(authenticated.filter((k) => !covered.has(k)), [], 'every authenticated operation is in the matrix');

    const expired = await jwt('acme', PERMISSIONS, -3_600);
    const cases: { name: string; headers: Record<string, string>; expect: (e: (typeof endpoints)[number]) => number | 'tenant-list' | undefined; code?: string }[] = [
      { name: 'no credentials', headers: {}, expect: () => 401, code: 'UNAUTHENTICATED' },
      { name: 'bad key (X-API-KEY)', headers: { 'x-api-key': `not-a-key-${SUFFIX}` }, expect: () => 401, code: 'UNAUTHENTICATED' },
      { name: 'bad key (Bearer)', headers: { authorization: `Bearer not-a-key-${SUFFIX}` }, expect: () => 401, code: 'UNAUTHENTICATED' },
      { name: 'expired JWT', headers: { authorization: `Bearer ${expired}` }, expect: () => 401, code: 'UNAUTHENTICATED' },
      { name: 'JWT with a bad signature', headers: { authorization: `Bearer ${(await jwt('acme', PERMISSIONS)).slice(0, -4)}AAAA` }, expect: () => 401, code: 'UNAUTHENTICATED' },
      // A create by another tenant is simply that tenant's own request: not part of this matrix.
      { name: 'wrong tenant (key)', headers: { 'x-api-key': KEYS.globex }, expect: (e) => (e.scope === 'id' ? 404 : e.scope === 'list' ? 'tenant-list' : e.scope === 'catalog' ? 200 : undefined), code: 'NOT_FOUND' },
      { name: 'wrong tenant (JWT)', headers: { authorization: `Bearer ${await jwt('globex', PERMISSIONS)}` }, expect: (e) => (e.scope === 'id' ? 404 : e.scope === 'list' ? 'tenant-list' : undefined), code: 'NOT_FOUND' },
      // Definitions need no permission (any authenticated caller may read the catalog).
      { name: 'missing permission (key)', headers: {}, expect: (e) => (e.permission ? 403 : undefined), code: 'FORBIDDEN' },
      { name: 'missing permission (JWT)', headers: {}, expect: (e) => (e.permission ? 403 : undefined), code: 'FORBIDDEN' },
    ];
    const leaks: string[] = [];
    let checked = 0;
    for (const c of cases) {
      for (const e of endpoints) {
        const expected = c.expect(e);
        if (expected === undefined) continue;
        let headers = c.headers;
        if (c.name === 'missing permission (key)') headers = { 'x-api-key': LACKING[e.permission!] };
        if (c.name === 'missing permission (JWT)') headers = { authorization: `Bearer ${await jwt('acme', PERMISSIONS.filter((p) => p !== e.permission))}` };
        const res = await s.send({ method: e.method, path: e.path, ...(e.body ? { body: e.body } : {}) }, headers);
        checked++;
        const where = `${c.name}: ${e.method} ${e.path}`;
        const status = expected === 'tenant-list' ? 200 : expected;
        assert.equal(res.status, status, `${where} → ${res.status} ${res.text.slice(0, 300)}`);
        if (status >= 400) {
          assert.equal(contract.errorShapeProblems(res.body), '', `${where}: ${res.text}`);
          assert.equal(res.body.error.code, c.code === 'NOT_FOUND' ? (e.notFound ?? c.code) : c.code, `${where}: ${res.text}`);
          if (status === 401) assert.ok(res.headers.get('www-authenticate'), `${where}: WWW-Authenticate`);
          if (status === 403) assert.match(res.body.error.message, new RegExp(e.permission!.replace('.', '\\.')), where);
        }
        if (expected === 'tenant-list') assert.ok(res.body.items.some((i: Json) => i.id === (e.own ?? G.id)), `${where}: globex sees its own item`);
        // The only acme text allowed in the answer is what the caller itself sent.
        const sent = `${e.path} ${JSON.stringify(e.body ?? {})}`;
        for (const secret of secrets.acme) if (!sent.includes(secret) && res.text.includes(secret)) leaks.push(`${where}: answer contains acme's ${secret}`);
      }
    }
    assert.deepEqual(leaks, [], leaks.join('\n'));
    assert.ok(checked > 90, `${checked} combinations checked`);

    // The refused DELETE and cancel changed nothing, nor the refused changes of acme's configuration.
    const stillThere = await s.expect(200, { method: 'GET', path: `/v1/reports/${A.id}` });
    assert.equal(stillThere.body.deleted_at, null);
    const confAfter = await s.expect(200, { method: 'GET', path: confPath });
    assert.deepEqual([confAfter.body.version, confAfter.body.name], [1, `acme-matrix-${SUFFIX}`]);
    const tplAfter = await s.expect(200, { method: 'GET', path: tplPath });
    assert.deepEqual([tplAfter.body.version, tplAfter.body.name], [1, `acme-matrix-${SUFFIX}`]);
    // The refused cancels left acme's bulk request to end on its own (and it ends before the next test counts what is stored).
    let bulk = await s.expect(200, { method: 'GET', path: bulkPath });
    for (const deadline = Date.now() + 120_000; bulk.body.status === 'RUNNING' && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      bulk = await s.expect(200, { method: 'GET', path: bulkPath });
    }
    assert.deepEqual([bulk.body.status, bulk.body.failed, bulk.body.cancelled], ['SUCCEEDED', 0, 0], JSON.stringify(bulk.body));
    // Valid credentials do work: a JWT for acme, and acme's key sees none of globex's records.
    const token = await jwt('acme', ['REPORT_GENERATE_REQUEST.VIEW', 'REPORT.VIEW']);
    assert.equal((await s.expect(200, { method: 'GET', path: `${CREATE}/${A.id}` }, { headers: { authorization: `Bearer ${token}` } })).body.id, A.id);
    const viaJwt = await s.expect(200, { method: 'GET', path: `/v1/reports/${A.id}/download` }, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(sha256(viaJwt.bytes), A.report.sha256);
    for (const req of [{ method: 'GET', path: `${CREATE}?limit=100` }, { method: 'POST', path: `${CREATE}/search`, body: { limit: 100 } }, { method: 'GET', path: '/v1/reports?limit=100&include_deleted=true' }, { method: 'POST', path: '/v1/reports/search', body: { include_deleted: true } }]) {
      const res = await s.expect(200, req);
      assert.ok(res.body.items.length > 0, `${req.method} ${req.path}`);
      for (const secret of secrets.globex) assert.ok(!res.text.includes(secret), `acme's ${req.method} ${req.path} shows globex's ${secret}`);
    }
    await s.expect(404, { method: 'GET', path: `/v1/reports/${G.id}` }, { code: 'NOT_FOUND' });
    s.assertContract();
  });

  test('1,000+ generated hostile requests get 4xx in the error shape, leak nothing and change nothing stored', async () => {
    const target = await acme.post('/v1/report-subscriptions', { name: 'nul-probe', report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'HTML', timezone: 'UTC', schedule: { frequency: 'DAILY' }, active: false });
    assert.equal(target.status, 201, JSON.stringify(target.body));
    subscriptionId = String(target.body.id);
    const ctx = { apiKey: KEYS.acme, maxBodyBytes: MAX_BODY_BYTES, subscriptionId };
    const before = await storedState();
    console.log(`  stored before: ${before.tables.map((t) => `${String(t.t)} ${String(t.n)} rows`).join(', ')}; workflows ${JSON.stringify(before.workflows)}; ${before.files.length} report files`);
    // Wrong answers grouped by kind (what went wrong × what was sent), each with a count and one example.
    const violations = new Map<string, { count: number; example: string }>();
    const violation = (problem: string, req: { why: string; method: string; path: string; body?: unknown }) => {
      const key = `${problem.split(/[:(]/)[0]!.trim()} — ${req.why.split(/[:(]/)[0]!.trim()}`;
      const seen = violations.get(key) ?? { count: 0, example: `${problem} — ${req.why}: ${req.method} ${req.path.slice(0, 200)} ${typeof req.body === 'string' ? req.body.slice(0, 200) : ''}` };
      violations.set(key, { ...seen, count: seen.count + 1 });
    };
    const byStatus = new Map<number, number>();
    let sent = 0;
    const check = async (req: { why: string; method: string; path: string; body?: unknown }, answer: () => Promise<RawAnswer>, mayAnswer: boolean, expectStatus?: number) => {
      let res: RawAnswer;
      try {
        res = await answer();
      } catch (err) {
        violation(`no answer (${(err as Error).message})`, req);
        return;
      } finally {
        sent++;
      }
      byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
      const problem = wrongAnswerTo(req, res, contract, { mayAnswer, expectStatus });
      if (problem) violation(problem, req);
    };
    const run = (req: HostileRequest, mayAnswer: boolean) => check(req, () => sendRaw(service.apiUrl, req), mayAnswer, req.expectStatus);
    await fc.assert(fc.asyncProperty(invalidRequest(ctx), (req) => run(req, false)), { numRuns: FUZZ_RUNS });
    await fc.assert(fc.asyncProperty(hostileRead(ctx), (req) => run(req, true)), { numRuns: HOSTILE_READ_RUNS });
    console.log(`  fuzz: ${sent} requests sent (${FUZZ_RUNS} generated invalid, ${HOSTILE_READ_RUNS} generated hostile reads); statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort(([a], [b]) => a - b)))}`);
    assert.ok(sent >= 1_000);
    // Visibility lags: give a workflow the fuzz might have started time to show up.
    await new Promise((r) => setTimeout(r, 2_000));
    const summary = [...violations].map(([kind, v]) => `${v.count}× ${kind}\n      e.g. ${v.example}`);
    assert.deepEqual({ wrongAnswers: summary, stored: await storedState() }, { wrongAnswers: [], stored: before }, `wrong answers:\n${summary.join('\n')}`);
  });

  test('requests that Node\'s HTTP parser refuses before routing are answered in the error shape too', async () => {
    const wrong: string[] = [];
    for (const m of MALFORMED_HTTP) {
      const res = await sendBytes(service.apiUrl, m.bytes);
      const problem = wrongAnswerTo({ method: 'GET', path: '' }, res, contract);
      if (problem) wrong.push(`${m.why}: ${problem}`);
    }
    assert.deepEqual(wrong, [], wrong.join('\n'));
  });

  /** The subscription the hostile requests aim their NUL probes at. */
  let subscriptionId: string | undefined;

  /** Row counts and checksums of the record and subscription tables, workflows per tenant, the probed schedule's state, and the report files. */
  async function storedState() {
    const tables = await sql.query(`
      SELECT 'report_requests' AS t, count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x.id), '')) AS sum FROM reportflow.report_requests x
      UNION ALL SELECT 'reports', count(*)::int, md5(coalesce(string_agg(x::text, '|' ORDER BY x.id), '')) FROM reportflow.reports x
      UNION ALL SELECT 'idempotency_keys', count(*)::int, md5(coalesce(string_agg(x::text, '|' ORDER BY x.tenant_id, x.key), '')) FROM reportflow.idempotency_keys x
      UNION ALL SELECT 'subscriptions', count(*)::int, md5(coalesce(string_agg(x::text, '|' ORDER BY x.id), '')) FROM reportflow.subscriptions x`);
    const schedule = subscriptionId ? (await workflows.schedule.getHandle(`subscription-${subscriptionId}`).describe()).state : undefined;
    const workflowCounts: Record<string, number> = {};
    for (const tenant of ['acme', 'globex']) workflowCounts[tenant] = (await workflows.workflow.count(`ReportTenant = "${tenant}"`)).count;
    return { tables: tables.rows, workflows: workflowCounts, schedule, files: await listFiles(path.join(service.varDir, 'reports')) };
  }
});

/** Every file under `dir` with its size, sorted; [] when `dir` does not exist. */
async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  const files = await Promise.all(entries.filter((e) => e.isFile()).map(async (e) => {
    const full = path.join(e.parentPath, e.name);
    return `${path.relative(dir, full)} ${(await stat(full)).size}`;
  }));
  return files.sort();
}
