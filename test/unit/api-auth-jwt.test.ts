/**
 * Bearer JWTs, checked with real jose-signed tokens against the real server: HS256 with a shared
 * secret, RS256 with a PEM public key file and with a JWKS served over HTTP. Each key type accepts
 * only its own algorithm; expiry, issuer, audience and tenant are enforced; the caller learns which
 * kind of problem it was, never the internals.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { ApiKeys, CLOCK_TOLERANCE_SECONDS, JwtVerifier } from '../../src/api/auth.js';
import type { Config } from '../../src/config/settings.js';
import { KEYS, leaksInternals, type JsonBody } from '../helpers/api-fixture.js';
import { authStackApp } from '../helpers/auth-stack.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'reportflow';
const SECRET = randomBytes(32).toString('base64url');
const ALL = ['REPORT_GENERATE_REQUEST.CREATE', 'REPORT_GENERATE_REQUEST.VIEW', 'REPORT.VIEW'];

type JwtSettings = Pick<Config, 'jwtHs256Secret' | 'jwtPublicKeyFile' | 'jwtJwksUrl' | 'jwtIssuer' | 'jwtAudience' | 'jwtTenantClaim'>;

function jwtSettings(overrides: Partial<JwtSettings>): JwtSettings {
  return { jwtHs256Secret: undefined, jwtPublicKeyFile: undefined, jwtJwksUrl: undefined, jwtIssuer: ISSUER, jwtAudience: [AUDIENCE], jwtTenantClaim: 'tenant_id', ...overrides };
}

interface Api {
  app: FastifyInstance;
  logs: string[];
  close(): Promise<void>;
}

/**
 * The /v1 auth stack exactly as the server mounts it (`secureRoutes` + the one error handler), over
 * probe routes that echo the principal, so these tests do not depend on what the report routes do.
 * Tenant `acme`'s API key is valid too.
 */
async function startApi(jwt: JwtVerifier | undefined): Promise<Api> {
  const logs: string[] = [];
  const app = await authStackApp({ apiKeys: ApiKeys.parse(`acme:${KEYS.acme}`), jwt }, (v1) => {
    v1.get('/whoami', { config: { permission: null } }, async (req) => {
      req.log.info('probe called');
      return { tenant_id: req.tenantId, kind: req.principal?.kind, id: req.principal?.id, permissions: [...(req.principal?.permissions ?? [])] };
    });
    v1.post('/probe/create', { config: { permission: 'REPORT_GENERATE_REQUEST.CREATE' } }, async (req) => ({ tenant_id: req.tenantId }));
    v1.get('/probe/view', { config: { permission: 'REPORT_GENERATE_REQUEST.VIEW' } }, async (req) => ({ tenant_id: req.tenantId }));
  }, logs);
  return { app, logs, close: () => app.close() };
}

interface SignOptions {
  alg?: string;
  kid?: string;
  claims?: JWTPayload;
  sub?: string | null;
  iss?: string;
  aud?: string;
  /** Expiry in seconds from now; `null`: no `exp`. */
  expIn?: number | null;
}

async function sign(key: CryptoKey | Uint8Array, o: SignOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ tenant_id: 'acme', permissions: ALL, ...o.claims })
    .setProtectedHeader({ alg: o.alg ?? 'HS256', ...(o.kid ? { kid: o.kid } : {}) })
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? AUDIENCE)
    .setIssuedAt();
  if (o.sub !== null) jwt.setSubject(o.sub ?? 'user-1');
  if (o.expIn !== null) jwt.setExpirationTime(now + (o.expIn ?? 300));
  return jwt.sign(key);
}

const hsKey = new TextEncoder().encode(SECRET);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function whoami(api: Api, token: string) {
  const res = await api.app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(token) });
  return { status: res.statusCode, body: res.json() as JsonBody, headers: res.headers, raw: res.body };
}

describe('HS256 tokens', () => {
  let api: Api;
  before(async () => {
    api = await startApi(await JwtVerifier.fromConfig(jwtSettings({ jwtHs256Secret: SECRET })));
  });
  after(() => api.close());

  void test('a valid token proves its tenant, subject and permissions', async () => {
    const token = await sign(hsKey, { sub: 'user-7' });
    const res = await whoami(api, token);
    assert.equal(res.status, 200, res.raw);
    assert.deepEqual(res.body, { tenant_id: 'acme', kind: 'jwt', id: `jwt:${ISSUER}:user-7`, permissions: ALL });
    const globex = await whoami(api, await sign(hsKey, { claims: { tenant_id: 'globex' } }));
    assert.equal((globex.body as { tenant_id?: string }).tenant_id, 'globex');
    const created = await api.app.inject({ method: 'POST', url: '/v1/probe/create', headers: bearer(token) });
    assert.equal(created.statusCode, 200);
  });

  void test('the principal id (jwt:<iss>:<sub>) is logged, the token never is', async () => {
    const token = await sign(hsKey, { sub: 'svc-42' });
    await api.app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(token) });
    const line = api.logs.find((l) => l.includes('"probe called"') && l.includes('svc-42'));
    assert.ok(line, 'a log line of the route carries the principal');
    assert.equal(JSON.parse(line).principal, `jwt:${ISSUER}:svc-42`);
    await whoami(api, await sign(hsKey, { expIn: -3600 }));
    assert.equal(api.logs.some((l) => l.includes(token) || l.includes(token.split('.')[2]!)), false);
    assert.equal(api.logs.some((l) => l.includes(SECRET)), false);
  });

  void test('an expired token is 401 "The token has expired"; a little clock skew is tolerated', async () => {
    const expired = await whoami(api, await sign(hsKey, { expIn: -(CLOCK_TOLERANCE_SECONDS + 60) }));
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error?.code, 'UNAUTHENTICATED');
    assert.equal(expired.body.error?.message, 'The token has expired.');
    assert.match(String(expired.headers['www-authenticate']), /^Bearer error="invalid_token"/);
    assert.equal((await whoami(api, await sign(hsKey, { expIn: -5 }))).status, 200);
  });

  void test('a token without exp, without sub or without a valid tenant is 401', async () => {
    const cases: [SignOptions, RegExp][] = [
      [{ expIn: null }, /expiry/],
      [{ sub: null }, /subject/],
      [{ claims: { tenant_id: undefined } }, /tenant claim "tenant_id"/],
      [{ claims: { tenant_id: '../etc' } }, /tenant claim/],
      [{ claims: { tenant_id: 42 } }, /tenant claim/],
    ];
    for (const [options, message] of cases) {
      const res = await whoami(api, await sign(hsKey, options));
      assert.equal(res.status, 401, JSON.stringify(options));
      assert.match(res.body.error?.message ?? '', message);
    }
  });

  void test('a bad signature, wrong issuer or wrong audience is 401 saying which', async () => {
    const cases: [Promise<string>, string][] = [
      [sign(new TextEncoder().encode(randomBytes(32).toString('base64url'))), 'The token signature is not valid.'],
      [sign(hsKey, { iss: 'https://evil.example.test/' }), 'The token\'s issuer is not accepted.'],
      [sign(hsKey, { aud: 'someone-else' }), 'The token\'s audience is not accepted.'],
      [sign(hsKey, { claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } }), 'The token is not valid yet.'],
    ];
    for (const [token, message] of cases) {
      const res = await whoami(api, await token);
      assert.equal(res.status, 401, message);
      assert.equal(res.body.error?.message, message);
      assert.equal(leaksInternals(res.raw), false);
    }
    // A token whose payload was changed after signing.
    const [h, , s] = (await sign(hsKey)).split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ tenant_id: 'globex', sub: 'x', exp: 9999999999, iss: ISSUER, aud: AUDIENCE })).toString('base64url')}.${s}`;
    assert.equal((await whoami(api, forged)).body.error?.message, 'The token signature is not valid.');
  });

  void test('alg "none" and algorithms other than HS256 are refused', async () => {
    const unsecured = new UnsecuredJWT({ tenant_id: 'acme', permissions: ALL }).setSubject('u').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').encode();
    const none = await whoami(api, unsecured);
    assert.equal(none.status, 401);
    assert.equal(none.body.error?.message, 'The token\'s signing algorithm is not accepted.');
    const hs512 = await whoami(api, await sign(new TextEncoder().encode(SECRET + SECRET), { alg: 'HS512' }));
    assert.equal(hs512.status, 401);
    assert.equal(hs512.body.error?.message, 'The token\'s signing algorithm is not accepted.');
    const rsa = await generateKeyPair('RS256');
    const rs256 = await whoami(api, await sign(rsa.privateKey, { alg: 'RS256' }));
    assert.equal(rs256.status, 401, 'no RS256 key configured');
  });

  void test('permissions come from the scope claim too; names reportflow does not know are ignored', async () => {
    const token = await sign(hsKey, { claims: { permissions: undefined, scope: 'openid profile REPORT_GENERATE_REQUEST.VIEW' } });
    const res = await api.app.inject({ method: 'POST', url: '/v1/probe/create', headers: bearer(token) });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'FORBIDDEN');
    assert.deepEqual(res.json().error.errors, [{ field: 'permission', code: 'FORBIDDEN', message: 'REPORT_GENERATE_REQUEST.CREATE is required.' }]);
    assert.equal((await api.app.inject({ method: 'GET', url: '/v1/probe/view', headers: bearer(token) })).statusCode, 200);
    const both = await sign(hsKey, { claims: { permissions: ['REPORT_GENERATE_REQUEST.CREATE', 42, 'NOPE.NOPE'], scope: 'REPORT_GENERATE_REQUEST.VIEW' } });
    assert.deepEqual((await whoami(api, both)).body.permissions, ['REPORT_GENERATE_REQUEST.CREATE'], 'the permissions claim wins over scope');
  });

  void test('API keys still work next to JWTs; a malformed token is 401', async () => {
    assert.equal((await api.app.inject({ method: 'GET', url: '/v1/whoami', headers: { 'x-api-key': KEYS.acme } })).json().kind, 'api_key');
    assert.equal((await whoami(api, KEYS.acme)).body.kind, 'api_key');
    const malformed = await whoami(api, 'eyJub3QganNvbg.e30.c2ln');
    assert.equal(malformed.status, 401);
    assert.equal(malformed.body.error?.message, 'The token is malformed.');
  });
});

describe('RS256 tokens with a PEM public key file', () => {
  let api: Api;
  let dir: string;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'reportflow-jwt-'));
    keys = await generateKeyPair('RS256', { extractable: true });
    writeFileSync(path.join(dir, 'public.pem'), await exportSPKI(keys.publicKey));
    api = await startApi(await JwtVerifier.fromConfig(jwtSettings({ jwtPublicKeyFile: path.join(dir, 'public.pem') })));
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void test('a token signed with the private key is accepted; another key pair\'s is not', async () => {
    assert.equal((await whoami(api, await sign(keys.privateKey, { alg: 'RS256' }))).status, 200);
    const other = await generateKeyPair('RS256');
    const res = await whoami(api, await sign(other.privateKey, { alg: 'RS256' }));
    assert.equal(res.status, 401);
    assert.equal(res.body.error?.message, 'The token signature is not valid.');
  });

  void test('HS/RS confusion: an HS256 token keyed with the public key PEM is refused', async () => {
    const pem = await exportSPKI(keys.publicKey);
    const res = await whoami(api, await sign(new TextEncoder().encode(pem), { alg: 'HS256' }));
    assert.equal(res.status, 401);
    assert.equal(res.body.error?.message, 'The token\'s signing algorithm is not accepted.');
  });

  void test('with an HS256 secret configured as well, the PEM-keyed HS256 token still fails its signature', async () => {
    const both = await startApi(await JwtVerifier.fromConfig(jwtSettings({ jwtHs256Secret: SECRET, jwtPublicKeyFile: path.join(dir, 'public.pem') })));
    try {
      const pem = await exportSPKI(keys.publicKey);
      const res = await whoami(both, await sign(new TextEncoder().encode(pem), { alg: 'HS256' }));
      assert.equal(res.status, 401);
      assert.equal(res.body.error?.message, 'The token signature is not valid.');
      assert.equal((await whoami(both, await sign(hsKey))).status, 200);
      assert.equal((await whoami(both, await sign(keys.privateKey, { alg: 'RS256' }))).status, 200);
    } finally {
      await both.close();
    }
  });

  void test('a PEM that is not an RSA public key is a startup error', async () => {
    const ec = await generateKeyPair('ES256', { extractable: true });
    const file = path.join(dir, 'ec.pem');
    writeFileSync(file, await exportSPKI(ec.publicKey));
    await assert.rejects(JwtVerifier.fromConfig(jwtSettings({ jwtPublicKeyFile: file })), /not an RSA public key/);
    writeFileSync(file, 'garbage');
    await assert.rejects(JwtVerifier.fromConfig(jwtSettings({ jwtPublicKeyFile: file })), /not an RSA public key/);
  });
});

describe('RS256 tokens with a JWKS URL', () => {
  let api: Api;
  let server: Server;
  let fetches = 0;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  before(async () => {
    keys = await generateKeyPair('RS256', { extractable: true });
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] });
    server = createServer((req, res) => {
      fetches += 1;
      res.writeHead(req.url === '/.well-known/jwks.json' ? 200 : 404, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    api = await startApi(await JwtVerifier.fromConfig(jwtSettings({ jwtJwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json` })));
  });
  after(async () => {
    await api.close();
    await new Promise((resolve) => server.close(resolve));
  });

  void test('a token whose kid is in the key set is accepted; the key set is fetched once and cached', async () => {
    const token = await sign(keys.privateKey, { alg: 'RS256', kid: 'k1' });
    assert.equal((await whoami(api, token)).status, 200);
    assert.equal((await whoami(api, token)).status, 200);
    assert.equal(fetches, 1);
  });

  void test('a token signed by a key outside the set is 401; HS256 is refused', async () => {
    const other = await generateKeyPair('RS256');
    const unknownKid = await whoami(api, await sign(other.privateKey, { alg: 'RS256', kid: 'k2' }));
    assert.equal(unknownKid.status, 401);
    assert.equal(unknownKid.body.error?.message, 'The token is not signed by a known key.');
    const sameKid = await whoami(api, await sign(other.privateKey, { alg: 'RS256', kid: 'k1' }));
    assert.equal(sameKid.status, 401);
    assert.equal(sameKid.body.error?.message, 'The token signature is not valid.');
    assert.equal((await whoami(api, await sign(hsKey, { kid: 'k1' }))).status, 401);
  });

  void test('an unreachable key set is 503 UNAVAILABLE (our outage, not the caller\'s fault), without internals', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const down = await startApi(await JwtVerifier.fromConfig(jwtSettings({ jwtJwksUrl: `http://127.0.0.1:${port}/jwks.json` })));
    try {
      const res = await whoami(down, await sign(keys.privateKey, { alg: 'RS256', kid: 'k1' }));
      assert.equal(res.status, 503);
      assert.equal(res.body.error?.code, 'UNAVAILABLE');
      assert.equal(leaksInternals(res.raw), false, res.raw);
    } finally {
      await down.close();
    }
  });
});

void test('JWT settings: none set → no verifier; conflicting or unsafe settings are startup errors', async () => {
  assert.equal(await JwtVerifier.fromConfig(jwtSettings({})), undefined);
  await assert.rejects(JwtVerifier.fromConfig(jwtSettings({ jwtHs256Secret: 'too-short' })), /at least 32 bytes/);
  await assert.rejects(JwtVerifier.fromConfig(jwtSettings({ jwtPublicKeyFile: '/x.pem', jwtJwksUrl: 'https://idp.example.test/jwks' })), /mutually exclusive/);
  await assert.rejects(JwtVerifier.fromConfig(jwtSettings({ jwtJwksUrl: 'http://idp.example.test/jwks' })), /must be https/);
  await assert.rejects(JwtVerifier.fromConfig(jwtSettings({ jwtJwksUrl: 'not a url' })), /not a URL/);
  assert.ok(await JwtVerifier.fromConfig(jwtSettings({ jwtJwksUrl: 'https://idp.example.test/jwks' })));
});

void test('the tenant claim name is configurable', async () => {
  const api = await startApi(await JwtVerifier.fromConfig(jwtSettings({ jwtHs256Secret: SECRET, jwtTenantClaim: 'org' })));
  try {
    assert.equal((await whoami(api, await sign(hsKey, { claims: { org: 'initech' } }))).status, 200);
    const res = await whoami(api, await sign(hsKey));
    assert.equal(res.status, 401);
    assert.match(res.body.error?.message ?? '', /tenant claim "org"/);
  } finally {
    await api.close();
  }
});

void test('without JWT settings a bearer JWT is 401 (tokens are not accepted), API keys still work', async () => {
  const api = await startApi(undefined);
  try {
    const res = await whoami(api, await sign(hsKey));
    assert.equal(res.status, 401);
    assert.match(res.body.error?.message ?? '', /Tokens are not accepted/);
    assert.equal((await whoami(api, KEYS.acme)).status, 200);
  } finally {
    await api.close();
  }
});
