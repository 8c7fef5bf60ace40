/**
 * Authentication and permissions of the HTTP API (details in src/api/auth/): API keys and JWTs
 * prove a principal (tenant + permissions), each /v1 route declares the permission it needs, and
 * callers are rate limited per principal.
 */
export { ApiKeys } from './auth/api-keys.js';
export { JwtVerifier, TokenRejectedError, CLOCK_TOLERANCE_SECONDS, type JwtVerifierOptions } from './auth/jwt.js';
export { PERMISSIONS, ALL_PERMISSIONS, isPermission, type Permission } from './auth/permissions.js';
export { TENANT_PATTERN, type Principal } from './auth/principal.js';
export { authenticate, presentedCredential, presentedKey, type Authenticators, type Credential } from './auth/authenticate.js';
export { secureRoutes, type SecurityOptions } from './auth/secure-routes.js';
export { registerRateLimit } from './auth/rate-limit.js';
