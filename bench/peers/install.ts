/**
 * The peers `npm run bench -- --peers` compares reportflow with (jsreport, pg-copy-streams) live in
 * their own package, bench/peers/, with their own lock file, so the project's `npm install` never
 * fetches them. The benchmark installs them on first use with `npm ci`.
 *
 * jsreport's chrome-pdf declares `puppeteer` as a peer dependency, and `puppeteer`'s install script
 * downloads a Chrome (which fails offline). package.json therefore maps `puppeteer` to
 * `npm:puppeteer-core` (no install script, no download), the same version reportflow uses, and the
 * install runs with `PUPPETEER_SKIP_DOWNLOAD=1` all the same. jsreport is told to launch the system
 * Chromium (see ./jsreport.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PEERS_DIR = path.dirname(fileURLToPath(import.meta.url));

/** `require` resolving from bench/peers (its packages are CommonJS, and the project's type-check must not need them). */
export const requirePeer = createRequire(path.join(PEERS_DIR, 'package.json'));

/**
 * Runs `npm ci` in bench/peers unless its node_modules was installed from the current lock file.
 * @throws Error when npm fails (its output is shown).
 */
export function ensurePeersInstalled(log: (line: string) => void): void {
  const lock = path.join(PEERS_DIR, 'package-lock.json');
  const installed = path.join(PEERS_DIR, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing the peers into bench/peers/node_modules (npm ci, once)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], {
    cwd: PEERS_DIR,
    stdio: 'inherit',
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' },
  });
  if (result.status !== 0) throw new Error(`npm ci in ${PEERS_DIR} failed (${result.error?.message ?? `exit ${result.status}`})`);
}
