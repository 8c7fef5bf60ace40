/**
 * Who is calling: the identity an API key or a JWT proves, as the auth hook sets it on
 * `request.principal`.
 */
import type { Permission } from './permissions.js';

/** Tenant ids become path segments (export folders) and search attribute values: keep them plain. */
export const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The authenticated caller of a request. */
export interface Principal {
  /** The tenant every call of this caller is scoped to (`[A-Za-z0-9_-]{1,64}`). */
  tenantId: string;
  /** What the caller may do. */
  permissions: ReadonlySet<Permission>;
  /** How the caller proved who it is. */
  kind: 'api_key' | 'jwt';
  /**
   * A stable identity that reveals no secret, used as the rate-limit bucket and in logs:
   * `key:<first 12 hex digits of the key's SHA-256>` or `jwt:<iss>:<sub>` (`-` when there is no `iss`).
   */
  id: string;
}
