/**
 * Makes sure a Chromium is available for PDF rendering before the worker starts.
 *
 * Order (README "Chromium"): a configured or system browser found by `findChromium` (PUPPETEER_EXECUTABLE_PATH,
 * CHROMIUM_PATH, /usr/bin/chromium, …, Puppeteer's cache); else, on Debian/Ubuntu as root, `apt-get install
 * chromium`; else Puppeteer's own download (`npx puppeteer browsers install chrome-headless-shell`), which
 * needs internet access.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config/settings.js';
import { findChromium, type FoundChromium } from '../render/pdf/find-chromium.js';
import { runCommand, whichOnPath } from './run-command.js';

/**
 * @returns the browser to use and how it was found.
 * @throws Error with instructions when no browser could be found or installed.
 */
export async function ensureChromium(config: Config, pathEnv: string | undefined, log: (msg: string) => void): Promise<FoundChromium> {
  const found = findChromium(config);
  if (found) return found;
  const apt = await whichOnPath('apt-get', pathEnv);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (apt && existsSync('/etc/debian_version') && isRoot) {
    log('No Chromium found: installing Debian\'s chromium package with apt-get');
    const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // A fresh machine has no package lists yet: update once and try again.
    if ((await runCommand(apt, ['install', '-y', '--no-install-recommends', 'chromium'], { env: aptEnv })) !== 0) {
      await runCommand(apt, ['update']);
      await runCommand(apt, ['install', '-y', '--no-install-recommends', 'chromium'], { env: aptEnv });
    }
    const after = findChromium(config);
    if (after) return after;
  } else {
    log('No Chromium found: downloading Puppeteer\'s chrome-headless-shell (needs internet access)');
    await runCommand('npx', ['--yes', 'puppeteer', 'browsers', 'install', 'chrome-headless-shell'], { cwd: config.home });
    const after = findChromium(config);
    if (after) return after;
  }
  throw new Error('No Chromium for PDF rendering: install Debian\'s `chromium` package, or run `npx puppeteer browsers install chrome-headless-shell`, or set PUPPETEER_EXECUTABLE_PATH.');
}
