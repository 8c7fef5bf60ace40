/**
 * The /v1 `onRequest` hook: reads the caller's credential, proves it (API key or JWT), sets
 * `request.principal` and `request.tenantId`, then checks the permission the route declares in
 * `config.permission`. Routes with `config.public: true` skip all of it. A route that declares no
 * permission is refused (fail closed), so a forgotten annotation cannot open a route.
 *
 * Answers: no credential → 401 `UNAUTHENTICATED` with `WWW-Authenticate: Bearer`; a credential that
 * does not prove anyone → 401 `UNAUTHENTICATED` saying which kind of problem; a missing permission →
 * 403 `FORBIDDEN` naming it. Keys and tokens are never logged.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorReply } from '../errors.js';
import type { ApiKeys } from './api-keys.js';
import { TokenRejectedError, type JwtVerifier } from './jwt.js';
import type { Permission } from './permissions.js';
import type { Principal } from './principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's tenant (`request.principal.tenantId`); set by the auth hook on every non-public /v1 route. */
    tenantId: string;
    /** The authenticated caller; `null` only on public routes. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /**
     * The permission a /v1 route needs; `null` lets any authenticated caller in. Every /v1 route
     * must declare it (or `public`): a route without it answers 403 to everyone.
     */
    permission?: Permission | null;
    /** True: no authentication at all (e.g. a signed download URL that carries its own proof). */
    public?: boolean;
  }
}

/** What proves a caller: the API keys, and the JWT verifier when JWTs are configured. */
export interface Authenticators {
  apiKeys: ApiKeys;
  /** Unset: bearer JWTs are refused with 401. */
  jwt?: JwtVerifier;
}

/** A credential as sent: which kind it is taken for, and its value. */
export interface Credential {
  kind: 'api_key' | 'jwt';
  value: string;
}

/** Three base64url parts (the signature may be empty, as in `alg: none`, so such tokens are named as tokens). */
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The credential a request presents: `X-API-KEY: <key>` (always an API key), else
 * `Authorization: Bearer <value>` — a JWT when the value has the JWS compact shape, else an API key.
 */
export function presentedCredential(headers: FastifyRequest['headers']): Credential | undefined {
  const value = presentedKey(headers);
  if (value === undefined) return undefined;
  const viaHeader = typeof headers['x-api-key'] === 'string' && headers['x-api-key'].trim() !== '';
  return { kind: !viaHeader && JWS_COMPACT.test(value) ? 'jwt' : 'api_key', value };
}

/** The raw credential value: `X-API-KEY: <key>` or `Authorization: Bearer <value>`. */
export function presentedKey(headers: FastifyRequest['headers']): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const auth = headers.authorization;
  const match = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return match?.[1];
}

/**
 * An `onRequest` hook applying the rules in the module comment: on success it sets
 * `request.principal`, `request.tenantId` and a request logger carrying the principal id; otherwise it
 * answers 401/403 itself. Throws (→ the error handler) only ReportError `UNAVAILABLE` when a JWKS
 * cannot be fetched.
 */
export function authenticate(auth: Authenticators) {
  return async function onRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const config = request.routeOptions.config;
    if (config.public === true) return;

    const credential = presentedCredential(request.headers);
    if (credential === undefined) {
      return unauthenticated(reply, 'Send an API key in the X-API-KEY header, or an API key or token as Authorization: Bearer <value>.', 'Bearer');
    }
    let principal: Principal | undefined;
    if (credential.kind === 'api_key') {
      principal = auth.apiKeys.principalFor(credential.value);
      if (!principal) return unauthenticated(reply, 'The API key is not valid.', 'Bearer');
    } else {
      if (!auth.jwt) return unauthenticated(reply, 'Tokens are not accepted by this service; send an API key.', 'Bearer error="invalid_token"');
      try {
        principal = await auth.jwt.verify(credential.value);
      } catch (err) {
        if (!(err instanceof TokenRejectedError)) throw err;
        request.log.info({ reason: err.message }, 'token refused');
        return unauthenticated(reply, err.message, 'Bearer error="invalid_token"');
      }
    }
    request.principal = principal;
    request.tenantId = principal.tenantId;
    request.log = request.log.child({ principal: principal.id, tenantId: principal.tenantId });

    const needed = config.permission;
    if (needed === undefined) {
      request.log.error({ url: config.url, method: config.method }, 'route declares no permission: refused (add config.permission)');
      return forbidden(reply, 'This route is not available: it declares no permission.', 'The route declares no permission.');
    }
    if (needed !== null && !principal.permissions.has(needed)) {
      return forbidden(reply, `This API key or token lacks the permission ${needed}.`, `${needed} is required.`);
    }
  };
}

async function unauthenticated(reply: FastifyReply, message: string, challenge: string): Promise<void> {
  const { status, body } = errorReply('UNAUTHENTICATED', message);
  await reply.code(status).header('www-authenticate', challenge).send(body);
}

async function forbidden(reply: FastifyReply, message: string, fieldMessage: string): Promise<void> {
  const { status, body } = errorReply('FORBIDDEN', message, [{ field: 'permission', code: 'FORBIDDEN', message: fieldMessage }]);
  await reply.code(status).send(body);
}
