/**
 * The CLI's wire types are generated from the API's /openapi.json (scripts/generate-api-types.ts):
 * the committed file must be what the current route schemas generate, so a schema change that the
 * CLI would read differently cannot be merged without regenerating (and type-checking) the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { API_TYPES_FILE, generatedApiTypes } from '../../scripts/generate-api-types.js';

void test('src/cli/api-types.ts is what the current /openapi.json generates (else run npm run generate:api-types)', async () => {
  const generated = await generatedApiTypes();
  assert.ok(generated.includes('"/v1/report-generate-requests/{id}"'), 'the document lists the request routes');
  assert.ok(readFileSync(API_TYPES_FILE, 'utf8') === generated, 'src/cli/api-types.ts is out of date: run npm run generate:api-types');
});
