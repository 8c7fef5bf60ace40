/**
 * Makes sure a Chromium is available for PDF rendering before the worker starts.
 *
 * Order (README "What `npm start` installs"): a configured or installed browser found by `findChromium`
 * (PUPPETEER_EXECUTABLE_PATH, CHROMIUM_PATH, Debian's headless shell, /usr/bin/chromium, …, macOS applications, the project's
 * browser cache); else, on Debian/Ubuntu as root, `apt-get install chromium-headless-shell` (or `chromium`
 * where the distribution has no headless shell); else Chrome for Testing's
 * chrome-headless-shell (stable channel) downloaded with @puppeteer/browsers into `<home>/.tools/browsers`,
 * which needs internet access. `npm install` itself never downloads a browser (puppeteer-core).
 */
import { existsSync } from 'node:fs';
import { Browser, detectBrowserPlatform, install, resolveBuildId } from '@puppeteer/browsers';
import type { Config } from '../config/settings.js';
import { browserCacheDir, findChromium, type FoundChromium } from '../render/pdf/find-chromium.js';
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
    log('No Chromium found: installing Debian\'s chromium-headless-shell package with apt-get');
    const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const aptInstall = (pkg: string) => runCommand(apt, ['install', '-y', '--no-install-recommends', pkg], { env: aptEnv });
    // A fresh machine has no package lists yet: update once and try again; a distribution without the
    // headless shell gets the full browser.
    if ((await aptInstall('chromium-headless-shell')) !== 0) {
      await runCommand(apt, ['update']);
      if ((await aptInstall('chromium-headless-shell')) !== 0) await aptInstall('chromium');
    }
  } else {
    await downloadHeadlessShell(config.home, log);
  }
  const after = findChromium(config);
  if (after) return after;
  throw new Error('No Chromium for PDF rendering: install Chromium or Chrome (on Debian `apt-get install chromium-headless-shell`), or run `npx @puppeteer/browsers install chrome-headless-shell@stable --path .tools/browsers`, or set PUPPETEER_EXECUTABLE_PATH.');
}

/** Downloads the stable chrome-headless-shell into the project's browser cache; logs, never throws (the caller looks again). */
async function downloadHeadlessShell(home: string, log: (msg: string) => void): Promise<void> {
  const platform = detectBrowserPlatform();
  if (!platform) return;
  const cacheDir = browserCacheDir(home);
  try {
    const buildId = await resolveBuildId(Browser.CHROMEHEADLESSSHELL, platform, 'stable');
    log(`No Chromium found: downloading chrome-headless-shell ${buildId} into ${cacheDir} (needs internet access)`);
    await install({ browser: Browser.CHROMEHEADLESSSHELL, buildId, cacheDir, platform });
  } catch (err) {
    log(`chrome-headless-shell could not be downloaded: ${(err as Error).message}`);
  }
}
