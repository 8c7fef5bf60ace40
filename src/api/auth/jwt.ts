/**
 * JWTs (`Authorization: Bearer <jwt>`), checked with `jose`. Two key types, each pinned to one
 * algorithm so that neither `none` nor HS/RS confusion can get through:
 * - HS256 with a shared secret (`REPORTFLOW_JWT_HS256_SECRET`);
 * - RS256 with an RSA public key from a PEM file (`REPORTFLOW_JWT_PUBLIC_KEY_FILE`) or from a JWKS
 *   URL (`REPORTFLOW_JWT_JWKS_URL`, fetched on demand and cached by jose).
 * Claims: `exp` and `sub` are required; `iss` and `aud` are checked when configured; the tenant is
 * the string claim named by `REPORTFLOW_JWT_TENANT_CLAIM` (default `tenant_id`); permissions are the
 * `permissions` array claim, else the space-separated `scope` claim (names that are not reportflow
 * permissions, such as `openid`, are ignored). Clocks may differ by `CLOCK_TOLERANCE_SECONDS`.
 */
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, decodeProtectedHeader, importSPKI, importX509, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../../config/settings.js';
import { ReportError } from '../../domain/errors.js';
import { isPermission, type Permission } from './permissions.js';
import { TENANT_PATTERN, type Principal } from './principal.js';

/** Seconds by which `exp`, `nbf` and `iat` may be off, for clock skew between issuer and API. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash. */
const MIN_HS256_SECRET_BYTES = 32;

/**
 * A token that is not accepted. `message` is safe to send to the caller (it says which kind of
 * problem, never the token or jose's internals).
 */
export class TokenRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRejectedError';
  }
}

/** How tokens are checked; at least one of `hs256Secret` and `rs256Key` must be given. */
export interface JwtVerifierOptions {
  /** Shared HS256 secret (UTF-8 bytes, at least 32). */
  hs256Secret?: string;
  /** RS256 verification key: an imported RSA public key, or a key set such as `createRemoteJWKSet(url)`. */
  rs256Key?: CryptoKey | JWTVerifyGetKey;
  /** Required `iss`. Unset: not checked. */
  issuer?: string;
  /** Accepted `aud` values (one match suffices). Unset or empty: not checked. */
  audience?: string | string[];
  /** Name of the claim holding the tenant id. @default 'tenant_id' */
  tenantClaim?: string;
}

/** Checks bearer JWTs and turns them into principals. */
export class JwtVerifier {
  private readonly hs256Secret: Uint8Array | undefined;
  private readonly tenantClaim: string;

  /** @throws Error when no key is given or the HS256 secret is shorter than 32 bytes. */
  constructor(private readonly options: JwtVerifierOptions) {
    if (options.hs256Secret === undefined && options.rs256Key === undefined) throw new Error('JWT verifier: give an HS256 secret or an RS256 key');
    this.hs256Secret = options.hs256Secret === undefined ? undefined : new TextEncoder().encode(options.hs256Secret);
    if (this.hs256Secret && this.hs256Secret.length < MIN_HS256_SECRET_BYTES) {
      throw new Error(`REPORTFLOW_JWT_HS256_SECRET must be at least ${MIN_HS256_SECRET_BYTES} bytes long`);
    }
    this.tenantClaim = options.tenantClaim ?? 'tenant_id';
  }

  /**
   * The verifier the JWT settings describe, or `undefined` when none of
   * `REPORTFLOW_JWT_HS256_SECRET`, `REPORTFLOW_JWT_PUBLIC_KEY_FILE`, `REPORTFLOW_JWT_JWKS_URL` is set.
   * @throws Error when both the key file and the JWKS URL are set (mutually exclusive), the file
   *   cannot be read or holds no RSA public key (SPKI or X.509 PEM), the JWKS URL is not https (http
   *   is allowed for loopback hosts only), or the secret is too short.
   */
  static async fromConfig(config: Pick<Config, 'jwtHs256Secret' | 'jwtPublicKeyFile' | 'jwtJwksUrl' | 'jwtIssuer' | 'jwtAudience' | 'jwtTenantClaim'>): Promise<JwtVerifier | undefined> {
    if (config.jwtPublicKeyFile && config.jwtJwksUrl) {
      throw new Error('REPORTFLOW_JWT_PUBLIC_KEY_FILE and REPORTFLOW_JWT_JWKS_URL are mutually exclusive; set one');
    }
    let rs256Key: CryptoKey | JWTVerifyGetKey | undefined;
    if (config.jwtPublicKeyFile) rs256Key = await readRsaPublicKey(config.jwtPublicKeyFile);
    if (config.jwtJwksUrl) rs256Key = createRemoteJWKSet(jwksUrl(config.jwtJwksUrl));
    if (!config.jwtHs256Secret && !rs256Key) return undefined;
    return new JwtVerifier({
      hs256Secret: config.jwtHs256Secret || undefined,
      rs256Key,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      tenantClaim: config.jwtTenantClaim,
    });
  }

  /**
   * The principal `token` proves: kind `jwt`, id `jwt:<iss>:<sub>`.
   * @throws TokenRejectedError when the token is malformed, uses another algorithm than its key type
   *   allows, has a bad signature, has expired, is not valid yet, lacks `exp` or `sub`, has the
   *   wrong issuer or audience, or has no valid tenant claim.
   * @throws ReportError `UNAVAILABLE` when the JWKS cannot be fetched or is not a key set.
   */
  async verify(token: string): Promise<Principal> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new TokenRejectedError('The token is malformed.');
    }
    const { issuer, audience } = this.options;
    const checks = {
      issuer,
      audience: Array.isArray(audience) && audience.length === 0 ? undefined : audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'sub'],
    };
    let payload: JWTPayload;
    try {
      const rs = this.options.rs256Key;
      // Each key type verifies only its own algorithm: an RSA public key never becomes an HMAC secret.
      if (alg === 'HS256' && this.hs256Secret) payload = (await jwtVerify(token, this.hs256Secret, { ...checks, algorithms: ['HS256'] })).payload;
      else if (alg === 'RS256' && typeof rs === 'function') payload = (await jwtVerify(token, rs, { ...checks, algorithms: ['RS256'] })).payload;
      else if (alg === 'RS256' && rs) payload = (await jwtVerify(token, rs, { ...checks, algorithms: ['RS256'] })).payload;
      else throw new TokenRejectedError('The token\'s signing algorithm is not accepted.');
    } catch (err) {
      throw rejection(err);
    }
    return this.principalOf(payload);
  }

  private principalOf(payload: JWTPayload): Principal {
    const tenantId = payload[this.tenantClaim];
    if (typeof tenantId !== 'string' || !TENANT_PATTERN.test(tenantId)) {
      throw new TokenRejectedError(`The token has no valid tenant claim "${this.tenantClaim}" (letters, digits, _ or -, at most 64).`);
    }
    if (typeof payload.sub !== 'string' || !payload.sub) throw new TokenRejectedError('The token has no subject (sub).');
    return { tenantId, permissions: permissionsOf(payload), kind: 'jwt', id: `jwt:${payload.iss ?? '-'}:${payload.sub}` };
  }
}

/** `permissions` (array of strings) if present, else `scope` (space-separated); unknown names are dropped. */
function permissionsOf(payload: JWTPayload): ReadonlySet<Permission> {
  const { permissions, scope } = payload as { permissions?: unknown; scope?: unknown };
  const names = Array.isArray(permissions) ? permissions : typeof scope === 'string' ? scope.split(/\s+/) : [];
  return new Set(names.filter((n): n is Permission => typeof n === 'string' && isPermission(n)));
}

/** jose's error → what the caller is told; key-set outages are ours, not the caller's. */
function rejection(err: unknown): Error {
  if (err instanceof TokenRejectedError) return err;
  const { code, claim } = err as { code?: unknown; claim?: unknown };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return new TokenRejectedError('The token has expired.');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new TokenRejectedError('The token signature is not valid.');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new TokenRejectedError('The token is not signed by a known key.');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new TokenRejectedError('The token\'s signing algorithm is not accepted.');
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new TokenRejectedError('The token is malformed.');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return new TokenRejectedError(CLAIM_MESSAGES[String(claim)] ?? 'The token\'s claims are not valid.');
  }
  if (typeof code === 'string' && code.startsWith('ERR_JW') && code !== 'ERR_JWKS_TIMEOUT' && code !== 'ERR_JWKS_INVALID' && code !== 'ERR_JWK_INVALID') {
    return new TokenRejectedError('The token is not valid.');
  }
  // The key set could not be fetched (network, timeout, non-200) or is broken: an outage, logged with its cause.
  return Object.assign(new ReportError('UNAVAILABLE', 'The keys that sign tokens could not be fetched; try again.'), { cause: err });
}

const CLAIM_MESSAGES: Record<string, string> = {
  iss: 'The token\'s issuer is not accepted.',
  aud: 'The token\'s audience is not accepted.',
  nbf: 'The token is not valid yet.',
  iat: 'The token\'s issue time is not valid.',
  exp: 'The token has no valid expiry (exp).',
  sub: 'The token has no subject (sub).',
};

async function readRsaPublicKey(file: string): Promise<CryptoKey> {
  const pem = readFileSync(file, 'utf8');
  try {
    return pem.includes('BEGIN CERTIFICATE') ? await importX509(pem, 'RS256') : await importSPKI(pem, 'RS256');
  } catch (err) {
    throw new Error(`${file}: not an RSA public key in PEM (SPKI "BEGIN PUBLIC KEY" or an X.509 certificate)`, { cause: err });
  }
}

function jwksUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('REPORTFLOW_JWT_JWKS_URL is not a URL');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error('REPORTFLOW_JWT_JWKS_URL must be https (http only on localhost), so that the signing keys cannot be swapped in transit');
  }
  return url;
}
