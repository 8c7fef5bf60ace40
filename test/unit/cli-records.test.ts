/**
 * `reportflow cancel`, `list`, `reports list`, `reports delete` and `download-url` against a fake API:
 * the exact requests they send (method, path, query, headers, body), their tables and texts, `--all`
 * following `next_cursor`, and API errors printed with each field and code under the usual exit codes.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { table } from '../../src/cli/format.js';
import { FAKE_API_KEY, startFakeApiCli, type FakeApiCli, type RecordedRequest } from '../helpers/cli-fixture.js';
import { freePort } from '../helpers/free-port.js';

let api: FakeApiCli;
before(async () => {
  api = await startFakeApiCli();
});
after(async () => {
  await api.close();
});
beforeEach(() => api.reset());

const A = '0193c5e2-7a1b-7c3d-9e4f-00000000000a';
const B = '0193c5e2-7a1b-7c3d-9e4f-00000000000b';
const C = '0193c5e2-7a1b-7c3d-9e4f-00000000000c';

function view(id: string, status: string, stage: string | null, reportCode = 'INVOICE', createdAt = '2026-03-01T05:00:00.000Z') {
  return {
    id, status, stage, report_code: reportCode, parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'PDF', language: 'en', timezone: 'UTC',
    customer_id: null, metadata: {}, generate_at: null, created_at: createdAt, updated_at: createdAt,
    links: { self: `/v1/report-generate-requests/${id}`, download: `/v1/reports/${id}/download`, cancel: `/v1/report-generate-requests/${id}/cancel` },
  };
}

function report(id: string, fileName: string, sizeBytes: number, deletedAt: string | null = null) {
  return {
    id, request_id: id, report_code: 'SALES_SUMMARY', customer_id: null, file_name: fileName, content_type: 'text/csv; charset=utf-8',
    size_bytes: sizeBytes, sha256: 'ab'.repeat(32), rows: 12, created_at: '2026-03-02T07:00:00.000Z', deleted_at: deletedAt,
  };
}

/** Method, path, query, API key and body of a recorded request. */
const sent = (r: RecordedRequest | undefined) => ({ method: r?.method, path: r?.path, search: r?.search, key: r?.headers['x-api-key'], body: r?.body });

const notFound = (id: string) => ({
  status: 404,
  body: { error: { code: 'NOT_FOUND', message: `No report request ${id}.`, errors: [{ field: 'id', code: 'NOT_FOUND', message: 'No such request for this tenant.' }] } },
});

void test('cancel POSTs to /cancel with no body and prints the status the API answered with', async () => {
  api.on(`POST /v1/report-generate-requests/${A}/cancel`, { status: 202, body: view(A, 'RUNNING', 'RENDER') });
  const res = await api.run(['cancel', A]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, `${A} RUNNING (stage RENDER): cancellation requested\n`);
  assert.deepEqual(sent(api.requests[0]), { method: 'POST', path: `/v1/report-generate-requests/${A}/cancel`, search: '', key: FAKE_API_KEY, body: undefined });
  assert.equal(api.requests[0]!.headers['content-type'], undefined, 'no JSON body announced');

  api.on(`POST /v1/report-generate-requests/${B}/cancel`, { status: 202, body: view(B, 'CANCELLED', 'QUERY_DATA') });
  assert.equal((await api.run(['cancel', B])).stdout, `${B} CANCELLED\n`);
  const json = await api.run(['cancel', B, '--json']);
  assert.deepEqual(JSON.parse(json.stdout), view(B, 'CANCELLED', 'QUERY_DATA'));
});

void test('cancel of a finished run prints the API\'s code and field error and exits 2; an unknown id too', async () => {
  api.on(`POST /v1/report-generate-requests/${A}/cancel`, {
    status: 409,
    body: { error: { code: 'RUN_FINISHED', message: 'The run has already finished (SUCCEEDED); there is nothing to cancel.', errors: [{ field: 'id', code: 'RUN_FINISHED', message: 'Status is SUCCEEDED.' }] } },
  });
  const res = await api.run(['cancel', A]);
  assert.equal(res.code, 2);
  assert.equal(res.stdout, '');
  assert.equal(res.stderr, 'RUN_FINISHED: The run has already finished (SUCCEEDED); there is nothing to cancel.\n  id: RUN_FINISHED Status is SUCCEEDED.\n');
  api.on(`POST /v1/report-generate-requests/${C}/cancel`, notFound(C));
  const unknown = await api.run(['cancel', C]);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, `NOT_FOUND: No report request ${C}.\n  id: NOT_FOUND No such request for this tenant.\n`);
});

void test('list sends every filter in the query and prints id, report code, status and creation time as a table', async () => {
  api.on('GET /v1/report-generate-requests', {
    status: 200,
    body: { items: [view(A, 'RUNNING', 'RENDER', 'SALES_SUMMARY', '2026-03-01T06:00:00.000Z'), view(B, 'PENDING', null, 'INVOICE', '2026-03-01T05:00:00.000Z')], next_cursor: 'c2', total: 5 },
  });
  const res = await api.run([
    'list', '--status', 'running,PENDING', '--report-code', 'SALES_SUMMARY,invoice', '--customer', '12347',
    '--created-from', '2026-03-01T00:00:00Z', '--created-to', '2026-04-01T00:00:00+02:00', '--limit', '2',
  ]);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(sent(api.requests[0]), {
    method: 'GET',
    path: '/v1/report-generate-requests',
    search: 'limit=2&status=RUNNING%2CPENDING&report_code=SALES_SUMMARY%2CINVOICE&customer_id=12347&created_from=2026-03-01T00%3A00%3A00Z&created_to=2026-04-01T00%3A00%3A00%2B02%3A00',
    key: FAKE_API_KEY,
    body: undefined,
  });
  assert.equal(res.stdout, [
    'ID                                    REPORT_CODE    STATUS   CREATED_AT',
    `${A}  SALES_SUMMARY  RUNNING  2026-03-01T06:00:00.000Z`,
    `${B}  INVOICE        PENDING  2026-03-01T05:00:00.000Z`,
    '',
  ].join('\n'));
  assert.equal(res.stderr, '2 of 5 report requests shown; for more, repeat with --cursor c2 or use --all\n');
});

void test('list --all follows next_cursor to the last page and prints one table, no hint; --json gives one page', async () => {
  const pages: Record<string, unknown> = {
    '': { items: [view(A, 'SUCCEEDED', 'EXPORT')], next_cursor: 'p2', total: 3 },
    p2: { items: [view(B, 'FAILED', 'VALIDATE')], next_cursor: 'p3', total: 3 },
    p3: { items: [view(C, 'CANCELLED', 'RENDER')], next_cursor: null, total: 3 },
  };
  api.on('GET /v1/report-generate-requests', (r) => ({ status: 200, body: pages[new URLSearchParams(r.search).get('cursor') ?? ''] }));
  const res = await api.run(['list', '--all', '--limit', '1']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(api.requests.map((r) => r.search), ['limit=1', 'limit=1&cursor=p2', 'limit=1&cursor=p3']);
  assert.deepEqual(res.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/).slice(0, 3).join(' ')), ['ID REPORT_CODE STATUS', `${A} INVOICE SUCCEEDED`, `${B} INVOICE FAILED`, `${C} INVOICE CANCELLED`]);
  assert.equal(res.stderr, '');

  api.reset();
  api.on('GET /v1/report-generate-requests', (r) => ({ status: 200, body: pages[new URLSearchParams(r.search).get('cursor') ?? ''] }));
  const json = JSON.parse((await api.run(['list', '--all', '--json'])).stdout) as { items: { id: string }[]; next_cursor: unknown; total: number };
  assert.deepEqual([json.items.map((i) => i.id), json.next_cursor, json.total], [[A, B, C], null, 3]);
});

void test('list starts at --cursor; an empty listing says so on stderr; a bad --limit exits 2 before sending', async () => {
  api.on('GET /v1/report-generate-requests', { status: 200, body: { items: [], next_cursor: null, total: 0 } });
  const res = await api.run(['list', '--cursor', 'abc']);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(api.requests[0]!.search, 'cursor=abc');
  assert.deepEqual([res.stdout, res.stderr], ['', 'no report requests\n']);

  for (const limit of ['0', '101', 'ten']) {
    const bad = await api.run(['list', '--limit', limit]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /option '--limit <n>' argument '.*' is invalid\. expects a whole number from 1 to 100\./);
  }
  assert.equal(api.requests.length, 1);
});

void test('list refused by the API (a bad filter) prints the field and code and exits 2', async () => {
  api.on('GET /v1/report-generate-requests', {
    status: 400,
    body: { error: { code: 'REQUEST_INVALID', message: 'The query is invalid.', errors: [{ field: 'created_from', code: 'REQUEST_INVALID', message: 'must match format "date-time"' }] } },
  });
  const res = await api.run(['list', '--created-from', 'yesterday']);
  assert.equal(res.code, 2);
  assert.equal(api.requests[0]!.search, 'created_from=yesterday');
  assert.equal(res.stderr, 'REQUEST_INVALID: The query is invalid.\n  created_from: REQUEST_INVALID must match format "date-time"\n');
});

void test('reports list sends its filters and prints id, code, file, size, creation and deletion', async () => {
  api.on('GET /v1/reports', {
    status: 200,
    body: { items: [report(A, 'SALES_SUMMARY_2011-01.csv', 12_345), report(B, 'SALES_SUMMARY_2010-12.csv', 532, '2026-03-03T08:00:00.000Z')], next_cursor: null, total: 2 },
  });
  const res = await api.run(['reports', 'list', '--report-code', 'sales_summary', '--customer', '12347', '--created-from', '2026-03-01T00:00:00Z', '--created-to', '2026-04-01T00:00:00Z', '--include-deleted', '--limit', '50']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(sent(api.requests[0]), {
    method: 'GET',
    path: '/v1/reports',
    search: 'limit=50&report_code=SALES_SUMMARY&customer_id=12347&created_from=2026-03-01T00%3A00%3A00Z&created_to=2026-04-01T00%3A00%3A00Z&include_deleted=true',
    key: FAKE_API_KEY,
    body: undefined,
  });
  assert.equal(res.stdout, table(['id', 'report_code', 'file_name', 'size', 'created_at', 'deleted_at'], [
    [A, 'SALES_SUMMARY', 'SALES_SUMMARY_2011-01.csv', '12.3 kB', '2026-03-02T07:00:00.000Z', '-'],
    [B, 'SALES_SUMMARY', 'SALES_SUMMARY_2010-12.csv', '532 B', '2026-03-02T07:00:00.000Z', '2026-03-03T08:00:00.000Z'],
  ]));
  assert.equal(res.stdout.split('\n')[0], 'ID                                    REPORT_CODE    FILE_NAME                  SIZE     CREATED_AT                DELETED_AT');
  assert.equal(res.stderr, '');

  api.reset();
  api.on('GET /v1/reports', { status: 200, body: { items: [], next_cursor: null, total: 0 } });
  await api.run(['reports', 'list']);
  assert.equal(api.requests[0]!.search, '', 'no filters, no query');
});

void test('reports list --all follows next_cursor', async () => {
  api.on('GET /v1/reports', (r) => {
    const cursor = new URLSearchParams(r.search).get('cursor');
    return { status: 200, body: cursor ? { items: [report(B, 'b.csv', 2)], next_cursor: null, total: 2 } : { items: [report(A, 'a.csv', 1)], next_cursor: 'n2', total: 2 } };
  });
  const res = await api.run(['reports', 'list', '--all']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(api.requests.map((r) => r.search), ['', 'cursor=n2']);
  assert.deepEqual(res.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/)[2]), ['a.csv', 'b.csv']);
});

void test('reports delete sends DELETE and prints the file and when it was deleted; --json gives the view', async () => {
  const deleted = report(A, 'SALES_SUMMARY_2011-01.csv', 12_345, '2026-03-03T08:00:00.000Z');
  api.on(`DELETE /v1/reports/${A}`, { status: 200, body: deleted });
  const res = await api.run(['reports', 'delete', A]);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(sent(api.requests[0]), { method: 'DELETE', path: `/v1/reports/${A}`, search: '', key: FAKE_API_KEY, body: undefined });
  assert.equal(res.stdout, `deleted SALES_SUMMARY_2011-01.csv (report ${A}) at 2026-03-03T08:00:00.000Z\n`);
  assert.deepEqual(JSON.parse((await api.run(['reports', 'delete', A, '--json'])).stdout), deleted);

  api.on(`DELETE /v1/reports/${B}`, notFound(B));
  const missing = await api.run(['reports', 'delete', B]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, `NOT_FOUND: No report request ${B}.\n  id: NOT_FOUND No such request for this tenant.\n`);
});

void test('download-url prints the signed URL alone on stdout and its expiry on stderr; --json gives both', async () => {
  const link = { url: `https://reports.example.test/v1/files/${A}?expires=1772352000&signature=abc`, expires_at: '2026-03-01T08:00:00.000Z' };
  api.on(`GET /v1/reports/${A}/download-url`, { status: 200, body: link });
  const res = await api.run(['download-url', A]);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(sent(api.requests[0]), { method: 'GET', path: `/v1/reports/${A}/download-url`, search: '', key: FAKE_API_KEY, body: undefined });
  assert.equal(res.stdout, `${link.url}\n`);
  assert.equal(res.stderr, `expires ${link.expires_at}\n`);
  assert.deepEqual(JSON.parse((await api.run(['download-url', A, '--json'])).stdout), link);

  api.on(`GET /v1/reports/${B}/download-url`, {
    status: 409,
    body: { error: { code: 'REPORT_DELETED', message: 'The report was deleted.', errors: [{ field: 'id', code: 'REPORT_DELETED', message: 'Deleted at 2026-03-03T08:00:00.000Z.' }] } },
  });
  const gone = await api.run(['download-url', B]);
  assert.equal(gone.code, 2);
  assert.equal(gone.stderr, 'REPORT_DELETED: The report was deleted.\n  id: REPORT_DELETED Deleted at 2026-03-03T08:00:00.000Z.\n');
});

void test('a 5xx or a non-API error page exits 1, as does an unreachable API', async () => {
  api.on('GET /v1/reports', { status: 503, body: { error: { code: 'DATABASE_UNAVAILABLE', message: 'The database cannot be reached.', errors: [] } } });
  const down = await api.run(['reports', 'list']);
  assert.deepEqual([down.code, down.stderr], [1, 'DATABASE_UNAVAILABLE: The database cannot be reached.\n']);

  api.on(`POST /v1/report-generate-requests/${A}/cancel`, { status: 502, text: '<html>Bad Gateway</html>' });
  const proxy = await api.run(['cancel', A]);
  assert.equal(proxy.code, 1);
  assert.match(proxy.stderr, /^HTTP_502: the server answered 502/);

  const port = await freePort();
  const unreachable = await api.run(['download-url', A], { REPORTFLOW_API_URL: `http://127.0.0.1:${port}` });
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, new RegExp(`cannot reach the API at http://127.0.0.1:${port}: ECONNREFUSED`));
});
