import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, computeExecutablePath, detectBrowserPlatform } from '@puppeteer/browsers';
import { browserCacheDir, findChromium, headlessModeFor } from '../../src/render/pdf/find-chromium.js';

const only = (...present: string[]) => (file: string) => present.includes(file);
const HOME = '/nowhere/reportflow';

test('a configured path wins over everything else', () => {
  assert.deepEqual(findChromium({ chromiumPath: '/opt/chrome/chrome', home: HOME }, only('/opt/chrome/chrome', '/usr/bin/chromium')), { path: '/opt/chrome/chrome', source: 'config' });
});

test('a configured path that does not exist is an error, not a silent fallback', () => {
  assert.throws(() => findChromium({ chromiumPath: '/nope/chrome', home: HOME }, only('/usr/bin/chromium')), /PUPPETEER_EXECUTABLE_PATH.*\/nope\/chrome/);
});

test('Debian\'s headless shell (its binary, not the package\'s wrapper script) wins over the full browser', () => {
  const shell = '/usr/lib/chromium/chromium-headless-shell';
  assert.deepEqual(findChromium({ chromiumPath: undefined, home: HOME }, only('/usr/bin/chromium', shell, '/usr/bin/chromium-headless-shell')), { path: shell, source: 'system' });
  assert.deepEqual(findChromium({ chromiumPath: undefined, home: HOME }, only('/usr/bin/chromium', '/usr/bin/chromium-headless-shell')), { path: '/usr/bin/chromium', source: 'system' });
});

test('a headless shell launches in its own mode, a full browser in the new headless mode', () => {
  assert.equal(headlessModeFor('/usr/lib/chromium/chromium-headless-shell'), 'shell');
  assert.equal(headlessModeFor('/x/.tools/browsers/chrome-headless-shell/linux-1/chrome-headless-shell-linux64/chrome-headless-shell'), 'shell');
  assert.equal(headlessModeFor('/c/browsers/chrome-headless-shell-win64/chrome-headless-shell.exe'), 'shell');
  assert.equal(headlessModeFor('/usr/bin/chromium'), true);
  assert.equal(headlessModeFor('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'), true);
  assert.equal(headlessModeFor('/usr/bin/chromium-headless-shell-wrapper'), true);
});

test('installed browsers are tried in order: chromium, chromium-browser, google-chrome, google-chrome-stable, then macOS applications', () => {
  assert.deepEqual(findChromium({ chromiumPath: undefined, home: HOME }, only('/usr/bin/chromium-browser', '/usr/bin/google-chrome')), { path: '/usr/bin/chromium-browser', source: 'system' });
  assert.deepEqual(findChromium({ chromiumPath: undefined, home: HOME }, only('/usr/bin/google-chrome-stable')), { path: '/usr/bin/google-chrome-stable', source: 'system' });
  const mac = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
  assert.deepEqual(findChromium({ chromiumPath: undefined, home: HOME }, only(mac)), { path: mac, source: 'system' });
  assert.equal(findChromium({ chromiumPath: undefined, home: HOME }, only()), undefined);
});

test('the project\'s browser cache comes last, newest chrome-headless-shell build first', async () => {
  const home = await mkdtemp(path.join(tmpdir(), 'reportflow-browsers-'));
  try {
    const platform = detectBrowserPlatform()!;
    const cacheDir = browserCacheDir(home);
    const installed: string[] = [];
    // Two builds as @puppeteer/browsers lays them out; 9.x sorts after 10.x as text, not as a version.
    for (const buildId of ['9.0.1.1', '10.0.1.1']) {
      const exe = computeExecutablePath({ cacheDir, browser: Browser.CHROMEHEADLESSSHELL, buildId, platform });
      await mkdir(path.dirname(exe), { recursive: true });
      await writeFile(exe, '#!/bin/sh\n');
      await chmod(exe, 0o755);
      installed.push(exe);
    }
    const inCache = (file: string) => installed.includes(file);
    assert.deepEqual(findChromium({ chromiumPath: undefined, home }, inCache), { path: installed[1], source: 'project-cache' });
    // An installed browser still wins over the cache.
    assert.deepEqual(findChromium({ chromiumPath: undefined, home }, (f) => f === '/usr/bin/chromium' || inCache(f)), { path: '/usr/bin/chromium', source: 'system' });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('on this machine a real browser is found', () => {
  const found = findChromium({ chromiumPath: undefined, home: process.cwd() });
  assert.ok(found, 'Chromium is needed for the PDF tests');
});
