/**
 * API keys: each key belongs to one tenant, and that tenant scopes every call made with it.
 * Keys are held only as SHA-256 digests and compared in constant time; the keys themselves are
 * never stored, logged or echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/settings.js';
import { errorReply } from './errors.js';

/** Tenant ids become path segments (export folders) and search attribute values: keep them plain. */
const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

interface KeyEntry {
  tenantId: string;
  digest: Buffer;
}

/** The set of valid API keys. */
export class ApiKeys {
  private constructor(private readonly entries: readonly KeyEntry[]) {}

  /**
   * Parses `tenant:key` pairs separated by commas or newlines; blank lines and `#` comments are
   * skipped. `source` names where they came from in error messages (never the key itself).
   * @throws Error when a pair has no key, or a tenant id is not `[A-Za-z0-9_-]{1,64}`.
   */
  static parse(spec: string, source = 'API keys'): ApiKeys {
    const entries: KeyEntry[] = [];
    const items = spec.split(/[,\n]/).map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
    items.forEach((item, i) => {
      const colon = item.indexOf(':');
      const tenantId = colon > 0 ? item.slice(0, colon).trim() : '';
      const key = colon > 0 ? item.slice(colon + 1).trim() : '';
      if (!TENANT_PATTERN.test(tenantId) || !key) {
        throw new Error(`${source}: entry ${i + 1} is not "tenant:key" with a tenant of letters, digits, _ or -`);
      }
      entries.push({ tenantId, digest: digest(key) });
    });
    return new ApiKeys(entries);
  }

  /**
   * Keys from `REPORTFLOW_API_KEYS` and the file named by `REPORTFLOW_API_KEYS_FILE` (both may be set).
   * @throws Error when the file cannot be read or an entry is malformed.
   */
  static fromConfig(config: Pick<Config, 'apiKeys' | 'apiKeysFile'>): ApiKeys {
    const parts: KeyEntry[] = [];
    if (config.apiKeys) parts.push(...ApiKeys.parse(config.apiKeys, 'REPORTFLOW_API_KEYS').entries);
    if (config.apiKeysFile) parts.push(...ApiKeys.parse(readFileSync(config.apiKeysFile, 'utf8'), config.apiKeysFile).entries);
    return new ApiKeys(parts);
  }

  /** Number of keys. */
  get size(): number {
    return this.entries.length;
  }

  /** The tenant owning `presented`, or `undefined`. Every entry is compared, so timing says nothing about which. */
  tenantFor(presented: string): string | undefined {
    const candidate = digest(presented);
    let found: string | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, candidate) && found === undefined) found = entry.tenantId;
    }
    return found;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The key a request presents: `X-API-KEY: <key>` or `Authorization: Bearer <key>`. */
export function presentedKey(headers: FastifyRequest['headers']): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const auth = headers.authorization;
  const match = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return match?.[1];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant of the request's API key; set by the auth hook on every /v1 route. */
    tenantId: string;
  }
}

/** An `onRequest` hook that sets `request.tenantId`, or answers 401 `UNAUTHENTICATED`. */
export function authenticate(keys: ApiKeys) {
  return async function onRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const key = presentedKey(request.headers);
    const tenantId = key === undefined ? undefined : keys.tenantFor(key);
    if (tenantId === undefined) {
      const { status, body } = errorReply('UNAUTHENTICATED', key === undefined
        ? 'Send an API key in the X-API-KEY header or as Authorization: Bearer <key>.'
        : 'The API key is not valid.');
      await reply.code(status).header('www-authenticate', 'Bearer').send(body);
      return;
    }
    request.tenantId = tenantId;
  };
}
