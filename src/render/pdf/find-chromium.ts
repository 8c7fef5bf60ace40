/**
 * Finds a Chromium or Chrome binary for PDF rendering. Only looks: installing one is the start-up
 * code's job (src/setup/ensure-chromium.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Browser, computeExecutablePath, detectBrowserPlatform } from '@puppeteer/browsers';
import type { Config } from '../../config/settings.js';

/** A browser binary and how it was found. */
export interface FoundChromium {
  /** Absolute path of the executable. */
  path: string;
  /** `config`: PUPPETEER_EXECUTABLE_PATH or CHROMIUM_PATH; `system`: an installed browser; `project-cache`: one `npm start` downloaded into `<home>/.tools/browsers`. */
  source: 'config' | 'system' | 'project-cache';
}

/**
 * Installed browsers, in lookup order: Debian's headless shell first (package `chromium-headless-shell`,
 * the same Chromium build without the desktop browser around it; Puppeteer's own advice for PDF and
 * screenshot work), because the full browser's new headless mode starts a print-compositor process for
 * every PDF. In `npm run bench -- --peers` on PostgreSQL (2026-12-07, 2 cores, the same commit run with
 * `PUPPETEER_EXECUTABLE_PATH=/usr/bin/chromium` and then without): Chromium's CPU per invoice PDF at 8
 * concurrent 85.5 → 54.0 ms, reportflow 10.05 → 11.42 PDFs/s, p50 one at a time 167 → 138 ms; raw
 * Puppeteer with page reuse 18.1 → 43.7 PDFs/s. Then the full browsers of Debian/Ubuntu, then macOS
 * applications. The headless shell is named by its binary, not by the package's
 * `/usr/bin/chromium-headless-shell`: that script runs it as a child without `exec`, so a kill signal for
 * the browser (the pool's `--pdeathsig`) would stop the script and leave the browser running.
 */
export const SYSTEM_CHROMIUM_PATHS = [
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
] as const;

/** The browsers `npm start` downloads when none is installed, in lookup order (chrome-headless-shell is its choice). */
const CACHED_BROWSERS = [Browser.CHROMEHEADLESSSHELL, Browser.CHROME] as const;

/**
 * Puppeteer's `headless` launch option for `executable`: `'shell'` for a headless shell (Debian's
 * `chromium-headless-shell`, Chrome for Testing's `chrome-headless-shell`: it has only the old headless
 * mode), `true` (the new headless mode) for a full Chromium or Chrome. Told by the file name.
 */
export function headlessModeFor(executable: string): true | 'shell' {
  return /^((chromium|chrome)-headless-shell|headless_shell)(\.exe)?$/.test(path.basename(executable)) ? 'shell' : true;
}

/** Where `npm start` downloads a browser (with @puppeteer/browsers) when the machine has none: `<home>/.tools/browsers`. */
export function browserCacheDir(home: string): string {
  return path.join(home, '.tools', 'browsers');
}

/**
 * Lookup order: `config.chromiumPath` (PUPPETEER_EXECUTABLE_PATH, else CHROMIUM_PATH), the system
 * paths above, then the project's browser cache (`browserCacheDir`, newest build first).
 * @param exists file test, replaceable in tests.
 * @returns undefined when nothing is found.
 * @throws Error when a configured path does not exist: a wrong setting should be loud, not silently
 *   replaced by another browser.
 */
export function findChromium(config: Pick<Config, 'chromiumPath' | 'home'>, exists: (file: string) => boolean = existsSync): FoundChromium | undefined {
  if (config.chromiumPath) {
    if (!exists(config.chromiumPath)) {
      throw new Error(`PUPPETEER_EXECUTABLE_PATH/CHROMIUM_PATH is set to ${config.chromiumPath}, which does not exist`);
    }
    return { path: config.chromiumPath, source: 'config' };
  }
  for (const candidate of SYSTEM_CHROMIUM_PATHS) {
    if (exists(candidate)) return { path: candidate, source: 'system' };
  }
  for (const cached of cachedBrowserPaths(browserCacheDir(config.home))) {
    if (exists(cached)) return { path: cached, source: 'project-cache' };
  }
  return undefined;
}

/**
 * Executables of the builds in a @puppeteer/browsers cache (folders `<browser>/<platform>-<buildId>`),
 * for this platform, newest build first. A missing cache is an empty list.
 */
function cachedBrowserPaths(cacheDir: string): string[] {
  const platform = detectBrowserPlatform();
  if (!platform) return [];
  const paths: string[] = [];
  for (const browser of CACHED_BROWSERS) {
    let folders: string[];
    try {
      folders = readdirSync(path.join(cacheDir, browser));
    } catch {
      continue;
    }
    const buildIds = folders
      .filter((f) => f.startsWith(`${platform}-`))
      .map((f) => f.slice(platform.length + 1))
      .sort(compareBuildIds)
      .reverse();
    for (const buildId of buildIds) paths.push(computeExecutablePath({ cacheDir, browser, buildId, platform }));
  }
  return paths;
}

/** Orders Chrome build ids (`148.0.7778.97`) numerically, part by part. */
function compareBuildIds(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
