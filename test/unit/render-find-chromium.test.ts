import { test } from 'node:test';
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer';
import { findChromium } from '../../src/render/pdf/find-chromium.js';

const only = (...present: string[]) => (file: string) => present.includes(file);

test('a configured path wins over everything else', () => {
  assert.deepEqual(findChromium({ chromiumPath: '/opt/chrome/chrome' }, only('/opt/chrome/chrome', '/usr/bin/chromium')), { path: '/opt/chrome/chrome', source: 'config' });
});

test('a configured path that does not exist is an error, not a silent fallback', () => {
  assert.throws(() => findChromium({ chromiumPath: '/nope/chrome' }, only('/usr/bin/chromium')), /PUPPETEER_EXECUTABLE_PATH.*\/nope\/chrome/);
});

test('system browsers are tried in order: chromium, chromium-browser, google-chrome, google-chrome-stable', () => {
  assert.deepEqual(findChromium({ chromiumPath: undefined }, only('/usr/bin/chromium-browser', '/usr/bin/google-chrome')), { path: '/usr/bin/chromium-browser', source: 'system' });
  assert.deepEqual(findChromium({ chromiumPath: undefined }, only('/usr/bin/google-chrome-stable')), { path: '/usr/bin/google-chrome-stable', source: 'system' });
});

test('Puppeteer\'s own cache comes last (Chrome, then chrome-headless-shell)', () => {
  const shell = puppeteer.executablePath({ headless: 'shell' });
  assert.deepEqual(findChromium({ chromiumPath: undefined }, only(shell)), { path: shell, source: 'puppeteer-cache' });
  assert.equal(findChromium({ chromiumPath: undefined }, only()), undefined);
});

test('on this machine a real browser is found', () => {
  const found = findChromium({ chromiumPath: undefined });
  assert.ok(found, 'Chromium is needed for the PDF tests');
});
