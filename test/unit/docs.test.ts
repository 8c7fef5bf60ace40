/**
 * README.md is the user's guide: every error code a client can see and every setting must be in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../../src/domain/errors.js';
import { SETTINGS } from '../../src/config/settings.js';
import { withTables } from '../../scripts/readme-tables.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('README lists every error code', () => {
  const missing = Object.keys(ERROR_CODES).filter((code) => !readme.includes(`\`${code}\``));
  assert.deepEqual(missing, [], `add these codes to README.md: ${missing.join(', ')}`);
});

test('README lists every environment variable', () => {
  const missing = Object.values(SETTINGS).map((s) => s.env).filter((env) => !readme.includes(`\`${env}\``));
  assert.deepEqual(missing, [], `add these settings to README.md: ${missing.join(', ')}`);
});

test('README tables are generated from the settings and error code tables (run scripts/readme-tables.ts)', () => {
  assert.equal(readme, withTables(readme));
});
