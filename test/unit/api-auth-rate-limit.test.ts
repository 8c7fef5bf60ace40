/**
 * Rate limit per caller: each API key (and each JWT subject) has its own budget of
 * `REPORTFLOW_RATE_LIMIT_PER_MINUTE` requests; over it the answer is 429 RATE_LIMITED in the one
 * error shape with `Retry-After`. Other callers, health checks and (with 0) everyone are unaffected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { fastify, type FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { ApiKeys, JwtVerifier, secureRoutes } from '../../src/api/auth.js';
import { replyForError } from '../../src/api/errors.js';
import { buildApiServer } from '../../src/api/server.js';
import { UrlSigner } from '../../src/downloads/signed-url.js';
import type { RecordStore } from '../../src/records/records.js';
import { BASE_URL, FakeDatabase, FakeDestination, FakeRuns, fixtureCatalog } from '../helpers/api-fixture.js';

const SECRET = randomBytes(32).toString('base64url');

/** Records are never reached here: the tests call report definitions and health checks only. */
const noRecords = new Proxy({}, { get: () => () => { throw new Error('records are not used by these tests'); } }) as RecordStore;

/** The real server over the fixture fakes: tenants acme (`key-a`) and globex (`key-b`), HS256 JWTs. */
async function realServer(rateLimitPerMinute: number): Promise<FastifyInstance> {
  const { catalog, dir } = fixtureCatalog();
  const app = buildApiServer({
    config: { maxBodyBytes: 65536, publicUrl: BASE_URL, apiHost: '127.0.0.1', apiPort: 8080, downloadUrlTtlSeconds: 900, idempotencyTtlHours: 24, rateLimitPerMinute },
    catalog, db: new FakeDatabase(), runs: new FakeRuns(), destination: new FakeDestination(),
    logger: pino({ level: 'silent' }),
    apiKeys: ApiKeys.parse('acme:key-a,globex:key-b'),
    jwt: await JwtVerifier.fromConfig({ jwtHs256Secret: SECRET, jwtPublicKeyFile: undefined, jwtJwksUrl: undefined, jwtIssuer: 'idp', jwtAudience: undefined, jwtTenantClaim: 'tenant_id' }),
    records: noRecords,
    signer: new UrlSigner(SECRET),
  });
  app.addHook('onClose', async () => rmSync(dir, { recursive: true, force: true }));
  await app.ready();
  return app;
}

const definitions = (app: FastifyInstance, headers: Record<string, string>) => app.inject({ method: 'GET', url: '/v1/report-definitions', headers });

const token = (sub: string) =>
  new SignJWT({ tenant_id: 'acme' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('idp').setSubject(sub).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));

void test('over its budget a key gets 429 RATE_LIMITED with Retry-After; another key is not affected', async () => {
  const app = await realServer(3);
  try {
    for (let i = 0; i < 3; i++) {
      const ok = await definitions(app, { 'x-api-key': 'key-a' });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.headers['x-ratelimit-limit'], '3');
      assert.equal(ok.headers['x-ratelimit-remaining'], String(2 - i));
    }
    const limited = await definitions(app, { 'x-api-key': 'key-a' });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.deepEqual(Object.keys(limited.json()), ['error']);
    assert.deepEqual(limited.json().error.errors, []);
    assert.match(limited.json().error.message, /at most 3 a minute/);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers['retry-after']}`);
    // The same key sent as a bearer value shares the budget; the other tenant's key has its own.
    assert.equal((await definitions(app, { authorization: 'Bearer key-a' })).statusCode, 429);
    assert.equal((await definitions(app, { 'x-api-key': 'key-b' })).statusCode, 200);
  } finally {
    await app.close();
  }
});

void test('each JWT subject has its own budget; refused credentials and health checks do not count', async () => {
  const app = await realServer(2);
  try {
    const alice = { authorization: `Bearer ${await token('alice')}` };
    const bob = { authorization: `Bearer ${await token('bob')}` };
    for (let i = 0; i < 5; i++) assert.equal((await definitions(app, { 'x-api-key': 'wrong' })).statusCode, 401);
    assert.equal((await definitions(app, alice)).statusCode, 200);
    assert.equal((await definitions(app, alice)).statusCode, 200);
    assert.equal((await definitions(app, alice)).statusCode, 429);
    assert.equal((await definitions(app, bob)).statusCode, 200);
    for (let i = 0; i < 5; i++) {
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
      assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    }
  } finally {
    await app.close();
  }
});

void test('REPORTFLOW_RATE_LIMIT_PER_MINUTE=0 turns the limit off', async () => {
  const app = await realServer(0);
  try {
    for (let i = 0; i < 20; i++) {
      const res = await definitions(app, { 'x-api-key': 'key-a' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-ratelimit-limit'], undefined);
    }
  } finally {
    await app.close();
  }
});

void test('public routes are limited per client IP', async () => {
  const app = fastify();
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = replyForError(err, req.log);
    return reply.code(status).send(body);
  });
  await app.register(async (v1) => {
    await secureRoutes(v1, { apiKeys: ApiKeys.parse('acme:key-a'), rateLimitPerMinute: 2 });
    v1.get('/file', { config: { public: true } }, async () => ({ ok: true }));
  }, { prefix: '/v1' });
  try {
    const from = (remoteAddress: string) => app.inject({ method: 'GET', url: '/v1/file', remoteAddress });
    assert.equal((await from('203.0.113.7')).statusCode, 200);
    assert.equal((await from('203.0.113.7')).statusCode, 200);
    const limited = await from('203.0.113.7');
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.ok(limited.headers['retry-after']);
    assert.equal((await from('203.0.113.8')).statusCode, 200);
  } finally {
    await app.close();
  }
});
