/**
 * Permissions: API key entries carry them (`tenant:key:PERM|PERM`, or all of them for `tenant:key`),
 * every /v1 route declares the one it needs, a caller without it gets 403 FORBIDDEN naming it, and a
 * route that declares nothing is refused to everyone (fail closed).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fastify, type FastifyInstance, type RouteOptions } from 'fastify';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { ApiKeys, JwtVerifier, PERMISSIONS, secureRoutes, type SecurityOptions } from '../../src/api/auth.js';
import { buildApiServer, type ApiDeps } from '../../src/api/server.js';
import { UrlSigner } from '../../src/downloads/signed-url.js';
import type { RecordStore } from '../../src/records/records.js';
import type { SubscriptionService } from '../../src/subscriptions/subscription-service.js';
import type { ReportConfigurationStore } from '../../src/configurations/report-configuration-store.js';
import type { TemplateStore } from '../../src/templates/template-store.js';
import { authStackApp } from '../helpers/auth-stack.js';
import { MemoryRecordStore } from '../helpers/memory-record-store.js';
import { BASE_URL, FakeDatabase, FakeDestination, FakeRuns, fixtureCatalog, type JsonBody } from '../helpers/api-fixture.js';

const RUN_ID = '0193c5e2-7a1b-7c3d-9e4f-0123456789ab';
const SECRET = randomBytes(32).toString('base64url');

describe('API key entries', () => {
  void test('tenant:key grants every permission; tenant:key:A|B grants A and B only', () => {
    const keys = ApiKeys.parse('acme:full-key,globex:viewer-key:REPORT.VIEW|REPORT_GENERATE_REQUEST.VIEW\ninitech:spaced-key: REPORT.DELETE | SUBSCRIPTION.VIEW ');
    assert.equal(keys.size, 3);
    assert.deepEqual([...keys.principalFor('full-key')!.permissions], [...PERMISSIONS]);
    const viewer = keys.principalFor('viewer-key')!;
    assert.equal(viewer.tenantId, 'globex');
    assert.equal(viewer.kind, 'api_key');
    assert.deepEqual([...viewer.permissions].sort(), ['REPORT.VIEW', 'REPORT_GENERATE_REQUEST.VIEW']);
    assert.deepEqual([...keys.principalFor('spaced-key')!.permissions].sort(), ['REPORT.DELETE', 'SUBSCRIPTION.VIEW']);
    assert.equal(keys.principalFor('viewer-key:REPORT.VIEW|REPORT_GENERATE_REQUEST.VIEW'), undefined, 'the list is not part of the key');
  });

  void test('keys containing colons keep working when their last part is no permission list', () => {
    const keys = ApiKeys.parse('globex:other:with:colons,acme:a:b:');
    assert.equal(keys.tenantFor('other:with:colons'), 'globex');
    assert.equal(keys.principalFor('other:with:colons')!.permissions.size, PERMISSIONS.length);
    assert.equal(keys.tenantFor('a:b:'), 'acme');
  });

  void test('the principal id is key:<first 12 hex digits of the key\'s SHA-256>, never the key', () => {
    const principal = ApiKeys.parse('acme:s3cret-value').principalFor('s3cret-value')!;
    assert.equal(principal.id, `key:${createHash('sha256').update('s3cret-value').digest('hex').slice(0, 12)}`);
    assert.match(principal.id, /^key:[0-9a-f]{12}$/);
  });

  void test('an unknown permission, a lower-case name or a repeated key is a startup error that never echoes the key', () => {
    const secret = 'top-secret-key-987';
    const refused = (spec: string, expected: RegExp) => assert.throws(() => ApiKeys.parse(spec, 'REPORTFLOW_API_KEYS'), (err: Error) => {
      assert.match(err.message, expected);
      assert.equal(err.message.includes(secret), false, err.message);
      return true;
    });
    refused(`acme:x,acme:${secret}:REPORT.VIEW|REPORT.VEIW`, /REPORTFLOW_API_KEYS: entry 2 \(tenant acme\): permission "REPORT.VEIW" is unknown; permissions are REPORT_GENERATE_REQUEST.CREATE, /);
    refused(`acme:${secret}:report.view`, /entry 1 \(tenant acme\): permission number 1 is unknown/);
    refused(`acme:${secret},globex:${secret}`, /entry 2 repeats the key of entry 1/);
    refused(`acme:${secret}:REPORT.VIEW,globex:${secret}`, /entry 2 repeats the key of entry 1/);
    refused('acme::REPORT.VIEW', /entry 1 is not "tenant:key"/);
  });

  void test('a key listed both in the setting and in the file is refused', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'reportflow-keys-'));
    try {
      const file = path.join(dir, 'keys');
      writeFileSync(file, '# restricted keys\nglobex:file-key:REPORT.VIEW\n');
      const keys = ApiKeys.fromConfig({ apiKeys: 'acme:env-key', apiKeysFile: file });
      assert.deepEqual([...keys.principalFor('file-key')!.permissions], ['REPORT.VIEW']);
      assert.throws(() => ApiKeys.fromConfig({ apiKeys: 'acme:file-key', apiKeysFile: file }), (err: Error) => /listed both/.test(err.message) && !err.message.includes('file-key'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The /v1 auth stack as the server mounts it, over probe routes with each kind of declaration. */
function probeApp(options: SecurityOptions, logs: string[] = []): Promise<FastifyInstance> {
  return authStackApp(options, (v1) => {
    v1.get('/any', { config: { permission: null } }, async (req) => ({ tenant_id: req.tenantId }));
    v1.get('/view', { config: { permission: 'REPORT.VIEW' } }, async (req) => ({ tenant_id: req.tenantId }));
    v1.get('/public', { config: { public: true } }, async (req) => ({ principal: req.principal }));
    v1.get('/forgotten', async () => ({ opened: true }));
    v1.get('/forgotten-too', { config: { permission: undefined } }, async () => ({ opened: true }));
  }, logs);
}

describe('route declarations', () => {
  const keys = ApiKeys.parse('acme:full,globex:viewer:REPORT.VIEW,initech:nothing:SUBSCRIPTION.VIEW');

  void test('a caller lacking the declared permission gets 403 FORBIDDEN naming it; permission null lets any caller in', async () => {
    const app = await probeApp({ apiKeys: keys });
    try {
      const denied = await app.inject({ method: 'GET', url: '/v1/view', headers: { 'x-api-key': 'nothing' } });
      assert.equal(denied.statusCode, 403);
      assert.deepEqual(denied.json(), {
        error: {
          code: 'FORBIDDEN',
          message: 'This API key or token lacks the permission REPORT.VIEW.',
          errors: [{ field: 'permission', code: 'FORBIDDEN', message: 'REPORT.VIEW is required.' }],
        },
      });
      assert.deepEqual((await app.inject({ method: 'GET', url: '/v1/view', headers: { 'x-api-key': 'viewer' } })).json(), { tenant_id: 'globex' });
      assert.equal((await app.inject({ method: 'GET', url: '/v1/view', headers: { 'x-api-key': 'full' } })).statusCode, 200);
      assert.deepEqual((await app.inject({ method: 'GET', url: '/v1/any', headers: { 'x-api-key': 'nothing' } })).json(), { tenant_id: 'initech' });
      assert.equal((await app.inject({ method: 'GET', url: '/v1/view' })).statusCode, 401, 'authentication comes first');
    } finally {
      await app.close();
    }
  });

  void test('a route that declares no permission is refused to every caller and logged at registration', async () => {
    const logs: string[] = [];
    const app = await probeApp({ apiKeys: keys }, logs);
    try {
      for (const url of ['/v1/forgotten', '/v1/forgotten-too']) {
        const res = await app.inject({ method: 'GET', url, headers: { 'x-api-key': 'full' } });
        assert.equal(res.statusCode, 403, url);
        assert.equal(res.json().error.code, 'FORBIDDEN');
        assert.equal(res.body.includes('opened'), false);
        assert.equal((await app.inject({ method: 'GET', url })).statusCode, 401);
      }
      const registered = logs.map((l) => JSON.parse(l) as JsonBody).filter((l) => /every request to it will be refused/.test(l.msg));
      assert.deepEqual(registered.filter((l) => l.method === 'GET').map((l) => l.url), ['/v1/forgotten', '/v1/forgotten-too']);
    } finally {
      await app.close();
    }
  });

  void test('a public route needs no credentials and ignores bad ones', async () => {
    const app = await probeApp({ apiKeys: keys });
    try {
      for (const headers of [{}, { 'x-api-key': 'wrong' }, { authorization: 'Bearer a.b.c' }]) {
        const res = await app.inject({ method: 'GET', url: '/v1/public', headers });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), { principal: null });
      }
    } finally {
      await app.close();
    }
  });

  void test('declaring a permission that does not exist fails at start', async () => {
    const app = fastify();
    void app.register(async (v1) => {
      await secureRoutes(v1, { apiKeys: keys });
      // @ts-expect-error the compiler refuses unknown permission names too
      v1.get('/typo', { config: { permission: 'REPORT.VEIW' } }, async () => ({}));
    }, { prefix: '/v1' });
    await assert.rejects(async () => { await app.ready(); }, /GET \/v1\/typo: unknown permission "REPORT.VEIW"/);
  });
});

/** Records (unless given) and subscriptions are never reached here: requests end in auth, or in routes that read neither. */
const untouched = <T extends object>(what: string) => new Proxy({}, { get: () => () => { throw new Error(`${what} is not used by these tests`); } }) as T;

/** The real server over the fixture fakes, with the given keys, JWTs and rate limit. */
function realServer(options: { apiKeys: ApiKeys; jwt?: JwtVerifier; subscriptions?: SubscriptionService; configurations?: ReportConfigurationStore; templates?: TemplateStore; records?: RecordStore }): FastifyInstance {
  const { catalog, dir } = fixtureCatalog();
  const deps: ApiDeps = {
    config: { maxBodyBytes: 65536, publicUrl: BASE_URL, apiHost: '127.0.0.1', apiPort: 8080, downloadUrlTtlSeconds: 900, idempotencyTtlHours: 24 },
    catalog, db: new FakeDatabase(), runs: new FakeRuns(), destination: new FakeDestination(),
    logger: pino({ level: 'silent' }),
    apiKeys: options.apiKeys,
    jwt: options.jwt,
    records: options.records ?? untouched<RecordStore>('records'),
    signer: new UrlSigner(SECRET),
    subscriptions: options.subscriptions,
    configurations: options.configurations,
    templates: options.templates,
  };
  const app = buildApiServer(deps);
  app.addHook('onClose', async () => rmSync(dir, { recursive: true, force: true }));
  return app;
}

/** Every /v1 route the server registers, with its config. */
async function v1Routes(app: FastifyInstance): Promise<RouteOptions[]> {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => void routes.push(route));
  await app.ready();
  return routes.filter((r) => r.url.startsWith('/v1/') && r.method !== 'HEAD');
}

const undeclared = (routes: RouteOptions[]) =>
  routes.filter((r) => r.config?.permission === undefined && r.config?.public !== true).map((r) => `${String(r.method)} ${r.url}`);

describe('the real server', () => {
  void test('every /v1 route declares a permission (or is public)', async () => {
    const app = realServer({ apiKeys: ApiKeys.parse('acme:k') });
    try {
      const routes = await v1Routes(app);
      assert.ok(routes.length >= 5, `${routes.length} routes`);
      assert.deepEqual(undeclared(routes), []);
    } finally {
      await app.close();
    }
  });

  void test('every /v1/report-subscriptions route declares a permission (or is public)', async () => {
    const app = realServer({ apiKeys: ApiKeys.parse('acme:k'), subscriptions: untouched<SubscriptionService>('subscriptions') });
    try {
      assert.deepEqual(undeclared(await v1Routes(app)), []);
    } finally {
      await app.close();
    }
  });

  void test('every /v1/report-configurations route declares a permission: VIEW to read, MANAGE to change, and a key with every permission has both', async () => {
    const app = realServer({ apiKeys: ApiKeys.parse('acme:k,acme:viewer:REPORT_CONFIGURATION.VIEW'), configurations: untouched<ReportConfigurationStore>('configurations') });
    try {
      const routes = await v1Routes(app);
      assert.deepEqual(undeclared(routes), []);
      const configurationRoutes = routes.filter((r) => r.url.startsWith('/v1/report-configurations')).map((r) => `${String(r.method)} ${r.url} ${String(r.config?.permission)}`).sort();
      assert.deepEqual(configurationRoutes, [
        'DELETE /v1/report-configurations/:id REPORT_CONFIGURATION.MANAGE',
        'GET /v1/report-configurations REPORT_CONFIGURATION.VIEW',
        'GET /v1/report-configurations/:id REPORT_CONFIGURATION.VIEW',
        'PATCH /v1/report-configurations/:id REPORT_CONFIGURATION.MANAGE',
        'POST /v1/report-configurations REPORT_CONFIGURATION.MANAGE',
      ]);
      assert.ok(ApiKeys.parse('acme:k').principalFor('k')!.permissions.has('REPORT_CONFIGURATION.MANAGE'));
      const refused = await app.inject({ method: 'POST', url: '/v1/report-configurations', headers: { 'x-api-key': 'viewer' }, payload: { name: 'x' } });
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().error.errors[0].message, 'REPORT_CONFIGURATION.MANAGE is required.');
    } finally {
      await app.close();
    }
  });

  void test('every /v1/templates route declares a permission: VIEW to read, MANAGE to upload, change, delete and preview', async () => {
    const app = realServer({ apiKeys: ApiKeys.parse('acme:k,acme:viewer:TEMPLATE.VIEW'), templates: untouched<TemplateStore>('templates') });
    try {
      const routes = await v1Routes(app);
      assert.deepEqual(undeclared(routes), []);
      const templateRoutes = routes.filter((r) => r.url.startsWith('/v1/templates')).map((r) => `${String(r.method)} ${r.url} ${String(r.config?.permission)}`).sort();
      assert.deepEqual(templateRoutes, [
        'DELETE /v1/templates/:id TEMPLATE.MANAGE',
        'GET /v1/templates TEMPLATE.VIEW',
        'GET /v1/templates/:id TEMPLATE.VIEW',
        'POST /v1/templates TEMPLATE.MANAGE',
        'POST /v1/templates/preview TEMPLATE.MANAGE',
        'PUT /v1/templates/:id TEMPLATE.MANAGE',
      ]);
      for (const [method, url] of [['POST', '/v1/templates'], ['POST', '/v1/templates/preview']] as const) {
        const refused = await app.inject({ method, url, headers: { 'x-api-key': 'viewer' }, payload: { name: 'x' } });
        assert.equal(refused.statusCode, 403);
        assert.equal(refused.json().error.errors[0].message, 'TEMPLATE.MANAGE is required.');
      }
    } finally {
      await app.close();
    }
  });

  void test('a key without the route\'s permission gets 403 naming it, before the body is even validated', async () => {
    const app = realServer({ apiKeys: ApiKeys.parse('acme:viewer:REPORT_GENERATE_REQUEST.VIEW') });
    try {
      const headers = { 'x-api-key': 'viewer' };
      const create = await app.inject({ method: 'POST', url: '/v1/report-generate-requests', headers, payload: { not: 'valid' } });
      assert.equal(create.statusCode, 403);
      assert.equal(create.json().error.code, 'FORBIDDEN');
      assert.deepEqual(create.json().error.errors, [{ field: 'permission', code: 'FORBIDDEN', message: 'REPORT_GENERATE_REQUEST.CREATE is required.' }]);
      const download = await app.inject({ method: 'GET', url: `/v1/reports/${RUN_ID}/download`, headers });
      assert.equal(download.statusCode, 403);
      assert.equal(download.json().error.errors[0].message, 'REPORT.VIEW is required.');
      assert.equal((await app.inject({ method: 'GET', url: '/v1/report-definitions', headers })).statusCode, 200);
      assert.equal((await app.inject({ method: 'GET', url: '/v1/report-definitions/INVOICE', headers })).statusCode, 200);
    } finally {
      await app.close();
    }
  });

  void test('a JWT authenticates against the real server; with JWTs only (no API keys) the API still works', async () => {
    const jwt = await JwtVerifier.fromConfig({ jwtHs256Secret: SECRET, jwtPublicKeyFile: undefined, jwtJwksUrl: undefined, jwtIssuer: undefined, jwtAudience: undefined, jwtTenantClaim: 'tenant_id' });
    const app = realServer({ apiKeys: ApiKeys.parse(''), jwt });
    try {
      const token = await new SignJWT({ tenant_id: 'acme', scope: 'REPORT.VIEW' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setExpirationTime('1m').sign(new TextEncoder().encode(SECRET));
      const headers = { authorization: `Bearer ${token}` };
      assert.equal((await app.inject({ method: 'GET', url: '/v1/report-definitions', headers })).statusCode, 200);
      const create = await app.inject({ method: 'POST', url: '/v1/report-generate-requests', headers, payload: {} });
      assert.equal(create.statusCode, 403);
      assert.equal(create.json().error.errors[0].message, 'REPORT_GENERATE_REQUEST.CREATE is required.');
      const none = await app.inject({ method: 'GET', url: '/v1/report-definitions' });
      assert.equal(none.statusCode, 401);
      assert.equal(none.headers['www-authenticate'], 'Bearer');
    } finally {
      await app.close();
    }
  });

  void test('tenant isolation is unchanged: the tenant comes from the key or the token, and another tenant\'s id is 404', async () => {
    const jwt = await JwtVerifier.fromConfig({ jwtHs256Secret: SECRET, jwtPublicKeyFile: undefined, jwtJwksUrl: undefined, jwtIssuer: undefined, jwtAudience: undefined, jwtTenantClaim: 'tenant_id' });
    const app = realServer({ apiKeys: ApiKeys.parse('acme:acme-key:REPORT_GENERATE_REQUEST.CREATE|REPORT_GENERATE_REQUEST.VIEW'), jwt, records: new MemoryRecordStore() });
    try {
      const created = await app.inject({
        method: 'POST', url: '/v1/report-generate-requests', headers: { 'x-api-key': 'acme-key' },
        payload: { report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: '536365' }] },
      });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id as string;
      const as = async (tenant: string) => {
        const token = await new SignJWT({ tenant_id: tenant, permissions: ['REPORT_GENERATE_REQUEST.VIEW'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('u').setExpirationTime('1m').sign(new TextEncoder().encode(SECRET));
        return app.inject({ method: 'GET', url: `/v1/report-generate-requests/${id}`, headers: { authorization: `Bearer ${token}` } });
      };
      assert.equal((await as('acme')).statusCode, 200);
      const other = await as('globex');
      assert.equal(other.statusCode, 404);
      assert.equal(other.json().error.code, 'NOT_FOUND');
    } finally {
      await app.close();
    }
  });
});
