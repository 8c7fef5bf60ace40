/**
 * The development API key: when no keys are configured, `npm start` creates one random key for tenant
 * `default` in `<var>/api-key` (mode 0600) and reuses it on later starts. The CLI reads the same file.
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
export async function ensureDevApiKey(varDir: string): Promise<string> {
  const file = devApiKeyPath(varDir);
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
