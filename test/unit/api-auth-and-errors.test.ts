/**
 * Every /v1 route needs an API key; health checks do not. Every error, fastify's own included,
 * has the one shape and no internals.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { ApiKeys, presentedKey } from '../../src/api/auth.js';
import { fieldPath } from '../../src/api/errors.js';
import { auth, leaksInternals, startTestApi, type TestApi } from '../helpers/api-fixture.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api.close();
});

const V1_ROUTES: [string, string][] = [
  ['POST', '/v1/report-generate-requests'],
  ['GET', '/v1/report-generate-requests/0193c5e2-7a1b-7c3d-9e4f-0123456789ab'],
  ['GET', '/v1/reports/0193c5e2-7a1b-7c3d-9e4f-0123456789ab/download'],
  ['GET', '/v1/report-definitions'],
  ['GET', '/v1/report-definitions/INVOICE'],
];

void test('every /v1 route answers 401 UNAUTHENTICATED without a key, with a bad key, or with a malformed header', async () => {
  const attempts: Record<string, string>[] = [
    {},
    { 'x-api-key': 'wrong' },
    { authorization: 'Bearer wrong' },
    { authorization: 'Basic YWNtZTphY21lLWtleS0xMjM=' },
    { 'x-api-key': 'acme-key-12' },
    { 'x-api-key': 'acme-key-1234' },
  ];
  for (const [method, url] of V1_ROUTES) {
    for (const headers of attempts) {
      const res = await api.app.inject({ method: method as 'GET', url, headers, ...(method === 'POST' ? { payload: {} } : {}) });
      assert.equal(res.statusCode, 401, `${method} ${url} ${JSON.stringify(headers)}`);
      assert.equal(res.json().error.code, 'UNAUTHENTICATED');
      assert.deepEqual(res.json().error.errors, []);
      assert.equal(res.headers['www-authenticate'], 'Bearer');
    }
  }
});

void test('unauthenticated requests learn nothing about ids or bodies (auth runs before validation)', async () => {
  const res = await api.app.inject({ method: 'POST', url: '/v1/report-generate-requests', headers: { 'content-type': 'application/json' }, payload: '{bad json' });
  assert.equal(res.statusCode, 401);
});

void test('healthz needs no key; readyz checks Temporal, the database and the report storage', async () => {
  assert.deepEqual((await api.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
  const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ready', checks: { temporal: 'ok', database: 'ok', storage: 'ok' } });

  api.db.failWith = new Error('connection refused');
  try {
    const res = await api.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.code, 'UNAVAILABLE');
    assert.deepEqual(res.json().error.errors.map((e: { field: string }) => e.field), ['database']);
    assert.equal(leaksInternals(res.body), false);
  } finally {
    api.db.failWith = undefined;
  }
  api.runs.failWith = new Error('14 UNAVAILABLE: No connection established');
  try {
    const res = await api.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json().error.errors.map((e: { field: string }) => e.field), ['temporal']);
  } finally {
    api.runs.failWith = undefined;
  }
  api.destination.failWith = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  try {
    const res = await api.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json().error.errors.map((e: { field: string }) => e.field), ['storage']);
    assert.equal(leaksInternals(res.body), false);
  } finally {
    api.destination.failWith = undefined;
  }
});

void test('unknown routes are 404 NOT_FOUND in the one error shape', async () => {
  for (const url of ['/', '/v2/things', '/v1/report-generate-requests/x/y']) {
    const res = await api.app.inject({ method: 'GET', url, headers: auth() });
    assert.equal(res.statusCode, 404, url);
    assert.deepEqual(Object.keys(res.json()), ['error']);
    assert.equal(res.json().error.code, 'NOT_FOUND');
    assert.ok(Array.isArray(res.json().error.errors));
  }
  const wrongMethodOnUnknownPath = await api.app.inject({ method: 'PUT', url: '/v2/things', headers: auth() });
  assert.equal(wrongMethodOnUnknownPath.statusCode, 404);
});

void test('a method a known path does not take is 405 METHOD_NOT_ALLOWED with Allow, before auth and body parsing; OPTIONS is 204 with Allow', async () => {
  const cases: { method: InjectOptions['method']; url: string; allow: string; headers?: Record<string, string>; payload?: string }[] = [
    { method: 'DELETE', url: '/v1/report-definitions', allow: 'GET, HEAD' },
    { method: 'PUT', url: '/v1/reports/0190aaaa-0000-7000-8000-000000000000', allow: 'DELETE, GET, HEAD' },
    { method: 'PATCH', url: '/v1/reports/search', allow: 'POST' },
    { method: 'POST', url: '/v1/reports/x/download', allow: 'GET, HEAD', headers: { 'content-type': 'text/plain' }, payload: 'not json' },
    { method: 'TRACE', url: '/healthz', allow: 'GET, HEAD' },
    { method: 'PUT', url: '/v1/report-generate-requests', allow: 'GET, HEAD, POST' },
  ];
  for (const c of cases) {
    for (const headers of [auth(), {}]) {
      const res = await api.app.inject({ method: c.method, url: c.url, headers: { ...headers, ...c.headers }, ...(c.payload ? { payload: c.payload } : {}) });
      const where = `${String(c.method)} ${c.url}${Object.keys(headers).length ? '' : ' (no credentials)'}`;
      assert.equal(res.statusCode, 405, `${where}: ${res.body}`);
      assert.equal(res.headers.allow, c.allow, where);
      assert.deepEqual(Object.keys(res.json()), ['error'], where);
      assert.equal(res.json().error.code, 'METHOD_NOT_ALLOWED', where);
      assert.deepEqual(res.json().error.errors.map((e: { field: string }) => e.field), ['method'], where);
    }
  }
  const options = await api.app.inject({ method: 'OPTIONS', url: '/v1/reports/0190aaaa-0000-7000-8000-000000000000' });
  assert.equal(options.statusCode, 204);
  assert.equal(options.headers.allow, 'DELETE, GET, HEAD');
  assert.equal(options.body, '');
});

void test('no error body ever carries a stack trace or internals', async () => {
  const bodies: string[] = [];
  const cases: InjectOptions[] = [
    { method: 'POST', url: '/v1/report-generate-requests', headers: { ...auth(), 'content-type': 'application/json' }, payload: '{"a":' },
    { method: 'POST', url: '/v1/report-generate-requests', headers: { ...auth(), 'content-type': 'application/json' }, payload: '' },
    { method: 'POST', url: '/v1/report-generate-requests', headers: { ...auth(), 'content-type': 'application/json' }, payload: '{"__proto__": {"x": 1}}' },
    { method: 'POST', url: '/v1/report-generate-requests', headers: { ...auth(), 'content-type': 'text/plain' }, payload: 'hello' },
    { method: 'POST', url: '/v1/report-generate-requests', headers: auth(), payload: { report_code: 'INVOICE', format: 'PDF', parameter_values: 5 } },
    { method: 'GET', url: '/v1/report-generate-requests/%E0%A4%A', headers: auth() },
  ];
  for (const c of cases) {
    const res = await api.app.inject(c);
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
    assert.equal(typeof res.json().error.code, 'string');
    bodies.push(res.body);
  }
  for (const body of bodies) assert.equal(leaksInternals(body), false, body);
});

void test('API keys: tenant:key pairs from the setting and from a file; bad entries are refused at start', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'reportflow-keys-'));
  try {
    const file = path.join(dir, 'keys');
    writeFileSync(file, '# tenants\nacme:from-file\n\nglobex:other:with:colons\n');
    const keys = ApiKeys.fromConfig({ apiKeys: 'initech:from-env', apiKeysFile: file });
    assert.equal(keys.size, 3);
    assert.equal(keys.tenantFor('from-env'), 'initech');
    assert.equal(keys.tenantFor('from-file'), 'acme');
    assert.equal(keys.tenantFor('other:with:colons'), 'globex');
    assert.equal(keys.tenantFor('nope'), undefined);
    assert.equal(ApiKeys.fromConfig({ apiKeys: undefined, apiKeysFile: undefined }).size, 0);
    assert.throws(() => ApiKeys.parse('no-colon-here', 'REPORTFLOW_API_KEYS'), (err: Error) => /REPORTFLOW_API_KEYS: entry 1/.test(err.message) && !err.message.includes('no-colon-here'));
    assert.throws(() => ApiKeys.parse('../evil:key'), /entry 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('the key is read from X-API-KEY or a Bearer Authorization header', () => {
  assert.equal(presentedKey({ 'x-api-key': ' k1 ' }), 'k1');
  assert.equal(presentedKey({ authorization: 'Bearer k2' }), 'k2');
  assert.equal(presentedKey({ authorization: 'bearer k3' }), 'k3');
  assert.equal(presentedKey({ authorization: 'Basic k4' }), undefined);
  assert.equal(presentedKey({}), undefined);
});

void test('field paths are snake_case JSON paths', () => {
  assert.equal(fieldPath('/parameter_values/0/name'), 'parameter_values[0].name');
  assert.equal(fieldPath('', 'format'), 'format');
  assert.equal(fieldPath('/notify', 'webhook_url'), 'notify.webhook_url');
  assert.equal(fieldPath(''), 'body');
});
