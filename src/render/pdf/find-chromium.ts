/**
 * Finds a Chromium or Chrome binary for PDF rendering. Only looks: installing one is the start-up
 * code's job (src/setup/ensure-chromium.ts).
 */
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer';
import type { Config } from '../../config/settings.js';

/** A browser binary and how it was found. */
export interface FoundChromium {
  /** Absolute path of the executable. */
  path: string;
  /** `config`: PUPPETEER_EXECUTABLE_PATH or CHROMIUM_PATH; `system`: a distribution package; `puppeteer-cache`: Puppeteer's download. */
  source: 'config' | 'system' | 'puppeteer-cache';
}

/** Distribution binaries, in lookup order. */
export const SYSTEM_CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'] as const;

/**
 * Lookup order: `config.chromiumPath` (PUPPETEER_EXECUTABLE_PATH, else CHROMIUM_PATH), the system
 * paths above, then Puppeteer's cache (its Chrome, then chrome-headless-shell).
 * @param exists file test, replaceable in tests.
 * @returns undefined when nothing is found.
 * @throws Error when a configured path does not exist: a wrong setting should be loud, not silently
 *   replaced by another browser.
 */
export function findChromium(config: Pick<Config, 'chromiumPath'>, exists: (file: string) => boolean = existsSync): FoundChromium | undefined {
  if (config.chromiumPath) {
    if (!exists(config.chromiumPath)) {
      throw new Error(`PUPPETEER_EXECUTABLE_PATH/CHROMIUM_PATH is set to ${config.chromiumPath}, which does not exist`);
    }
    return { path: config.chromiumPath, source: 'config' };
  }
  for (const candidate of SYSTEM_CHROMIUM_PATHS) {
    if (exists(candidate)) return { path: candidate, source: 'system' };
  }
  for (const cached of puppeteerCachePaths()) {
    if (exists(cached)) return { path: cached, source: 'puppeteer-cache' };
  }
  return undefined;
}

function puppeteerCachePaths(): string[] {
  const paths: string[] = [];
  for (const lookup of [() => puppeteer.executablePath(), () => puppeteer.executablePath({ headless: 'shell' })]) {
    try {
      paths.push(lookup());
    } catch {
      // Puppeteer throws when its cache holds no such build; that just means "not here".
    }
  }
  return paths;
}
