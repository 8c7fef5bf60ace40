/**
 * API keys: each key belongs to one tenant, which scopes every call made with it, and carries a set
 * of permissions. Keys are held only as SHA-256 digests and compared in constant time; the keys
 * themselves are never stored, logged or echoed (not even in startup errors).
 *
 * Entry syntax, entries separated by commas or newlines (blank lines and `#` comments skipped):
 * - `tenant:key` — every permission (the original form, unchanged);
 * - `tenant:key:PERM|PERM…` — only the listed permissions, e.g.
 *   `acme:s3cret:REPORT.VIEW|REPORT_GENERATE_REQUEST.VIEW`.
 * A key may itself contain colons: the part after the last colon is read as a permission list only
 * when every `|`-separated item has the shape of a permission name (`WORD.WORD`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../../config/settings.js';
import { ALL_PERMISSIONS, PERMISSIONS, isPermission, type Permission } from './permissions.js';
import { TENANT_PATTERN, type Principal } from './principal.js';

/** The shape of a permission name, case-insensitively, so a lower-case typo is reported, not taken as key. */
const PERMISSION_SHAPE = /^[A-Za-z_]+\.[A-Za-z_]+$/;

interface KeyEntry {
  tenantId: string;
  digest: Buffer;
  permissions: ReadonlySet<Permission>;
}

/** The set of valid API keys. */
export class ApiKeys {
  private constructor(private readonly entries: readonly KeyEntry[]) {}

  /**
   * Parses entries (syntax in the module comment). `source` names where they came from in error
   * messages, which name the entry by number and tenant, never by key.
   * @throws Error when an entry has no key, a tenant id is not `[A-Za-z0-9_-]{1,64}`, a permission
   *   name is unknown, or a key appears twice.
   */
  static parse(spec: string, source = 'API keys'): ApiKeys {
    const entries: KeyEntry[] = [];
    const items = spec.split(/[,\n]/).map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
    items.forEach((item, i) => {
      const at = `${source}: entry ${i + 1}`;
      const colon = item.indexOf(':');
      const tenantId = colon > 0 ? item.slice(0, colon).trim() : '';
      let key = colon > 0 ? item.slice(colon + 1).trim() : '';
      let permissions = ALL_PERMISSIONS;
      const last = key.lastIndexOf(':');
      const names = last >= 0 ? key.slice(last + 1).split('|').map((s) => s.trim()) : [];
      if (names.length > 0 && names.every((n) => PERMISSION_SHAPE.test(n))) {
        permissions = new Set(names.map((name, n) => {
          if (isPermission(name)) return name;
          const shown = /^[A-Z_]+\.[A-Z_]+$/.test(name) ? `"${name}"` : `number ${n + 1}`;
          throw new Error(`${at} (tenant ${tenantId || '?'}): permission ${shown} is unknown; permissions are ${PERMISSIONS.join(', ')}`);
        }));
        key = key.slice(0, last).trim();
      }
      if (!TENANT_PATTERN.test(tenantId) || !key) {
        throw new Error(`${at} is not "tenant:key" or "tenant:key:PERMISSION|…" with a tenant of letters, digits, _ or -`);
      }
      const entry = { tenantId, digest: digest(key), permissions };
      const twin = entries.findIndex((e) => e.digest.equals(entry.digest));
      if (twin >= 0) throw new Error(`${at} repeats the key of entry ${twin + 1}; each key must be listed once`);
      entries.push(entry);
    });
    return new ApiKeys(entries);
  }

  /**
   * Keys from `REPORTFLOW_API_KEYS` and the file named by `REPORTFLOW_API_KEYS_FILE` (both may be set).
   * @throws Error when the file cannot be read, an entry is malformed, or a key is listed twice.
   */
  static fromConfig(config: Pick<Config, 'apiKeys' | 'apiKeysFile'>): ApiKeys {
    const parts: KeyEntry[] = [];
    if (config.apiKeys) parts.push(...ApiKeys.parse(config.apiKeys, 'REPORTFLOW_API_KEYS').entries);
    if (config.apiKeysFile) parts.push(...ApiKeys.parse(readFileSync(config.apiKeysFile, 'utf8'), config.apiKeysFile).entries);
    const twin = parts.findIndex((e, i) => parts.findIndex((o) => o.digest.equals(e.digest)) !== i);
    if (twin >= 0) throw new Error(`A key of tenant ${parts[twin]!.tenantId} is listed both in REPORTFLOW_API_KEYS and in ${config.apiKeysFile}`);
    return new ApiKeys(parts);
  }

  /** Number of keys. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * The principal `presented` proves, or `undefined` when it is no valid key. Every entry is
   * compared, so timing says nothing about which one matched.
   */
  principalFor(presented: string): Principal | undefined {
    const candidate = digest(presented);
    let found: KeyEntry | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, candidate) && found === undefined) found = entry;
    }
    if (!found) return undefined;
    return { tenantId: found.tenantId, permissions: found.permissions, kind: 'api_key', id: `key:${found.digest.toString('hex', 0, 6)}` };
  }

  /** The tenant owning `presented`, or `undefined` (see `principalFor`). */
  tenantFor(presented: string): string | undefined {
    return this.principalFor(presented)?.tenantId;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
