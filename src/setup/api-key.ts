/**
 * Development secrets: when no keys are configured, `npm start` creates one random API key for tenant
 * `default` in `<var>/api-key` and a URL-signing key in `<var>/url-signing-key` (both mode 0600) and
 * reuses them on later starts. The CLI reads the same API key file.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** Tenant of the generated development key. */
export const DEV_TENANT = 'default';

/** Path of the development key file under `varDir`. */
export function devApiKeyPath(varDir: string): string {
  return path.join(varDir, 'api-key');
}

/** Reads the development key, creating it (32 random bytes, base64url) on first use. */
export function ensureDevApiKey(varDir: string): Promise<string> {
  return ensureSecretFile(devApiKeyPath(varDir));
}

/** Path of the development URL-signing key under `varDir` (used when `REPORTFLOW_URL_SIGNING_KEY` is unset). */
export function devUrlSigningKeyPath(varDir: string): string {
  return path.join(varDir, 'url-signing-key');
}

/** Reads the development URL-signing key, creating it (32 random bytes, base64url) on first use. */
export function ensureDevUrlSigningKey(varDir: string): Promise<string> {
  return ensureSecretFile(devUrlSigningKeyPath(varDir));
}

/** Reads a secret from `file` (mode 0600), creating it with 32 random bytes (base64url) when missing or empty. */
async function ensureSecretFile(file: string): Promise<string> {
  const varDir = path.dirname(file);
  try {
    const key = (await readFile(file, 'utf8')).trim();
    if (key) return key;
  } catch {
    // first start
  }
  await mkdir(varDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  await writeFile(file, key + '\n', { mode: 0o600 });
  return key;
}
