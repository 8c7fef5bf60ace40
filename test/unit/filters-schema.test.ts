/**
 * The JSON Schema fragment of the request body's `filters`, compiled with the API's ajv options
 * (src/api/server.ts) in strict mode: the generic shape is enforced before any definition is consulted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { FILTERS_SCHEMA } from '../../src/api/filter-schema.js';

const ajv = new Ajv({ strict: true, removeAdditional: false, coerceTypes: false, allErrors: true, useDefaults: true, allowUnionTypes: true });
const check = ajv.compile(FILTERS_SCHEMA);

/** The instance paths ajv complains about, or [] when `filters` passes. */
function problems(filters: unknown): string[] {
  if (check(filters)) return [];
  return [...new Set((check.errors ?? []).map((e) => `${e.instancePath}${e.keyword === 'additionalProperties' ? `/${String(e.params['additionalProperty'])}` : ''}`))];
}

test('the documented example and every operator pass', () => {
  assert.deepEqual(problems({
    country: { in: ['France', 'Germany'] },
    quantity: { gte: 10, lt: 100 },
    invoice_date: { between: ['2011-03-01T00:00:00Z', '2011-03-31T23:59:59Z'] },
    unit_price: { eq: '2.55', gt: 0.5, lte: 3, nin: [1, '2.5'] },
    is_credit_note: { eq: false },
  }), []);
  assert.deepEqual(problems({}), []);
});

test('field names are lower-case identifiers; anything else is named as an unknown field', () => {
  assert.deepEqual(problems({ "country'; DROP TABLE x;--": { eq: 'x' } }), ["/country'; DROP TABLE x;--"]);
  assert.deepEqual(problems({ Country: { eq: 'x' } }), ['/Country']);
  assert.deepEqual(problems({ ['a'.repeat(65)]: { eq: 'x' } }), [`/${'a'.repeat(65)}`]);
});

test('only the eight operators, at least one per field', () => {
  assert.deepEqual(problems({ quantity: { ne: 5 } }), ['/quantity/ne']);
  assert.deepEqual(problems({ quantity: { "gte; DROP TABLE x": 5 } }), ['/quantity/gte; DROP TABLE x']);
  assert.deepEqual(problems({ quantity: {} }), ['/quantity']);
  assert.deepEqual(problems({ quantity: 5 }), ['/quantity']);
});

test('scalars are strings (at most 256), numbers or booleans; between takes 2, in and nin 1 to 1000', () => {
  assert.deepEqual(problems({ country: { eq: null } }), ['/country/eq']);
  assert.deepEqual(problems({ country: { eq: { nested: 1 } } }), ['/country/eq']);
  assert.deepEqual(problems({ country: { eq: 'x'.repeat(257) } }), ['/country/eq']);
  assert.deepEqual(problems({ country: { eq: 'x'.repeat(256) } }), []);
  assert.deepEqual(problems({ country: { eq: '\u{1F600}'.repeat(256) } }), [], 'length counts code points, as validate-filters does');
  assert.deepEqual(problems({ quantity: { between: [1] } }), ['/quantity/between']);
  assert.deepEqual(problems({ quantity: { between: [1, 2, 3] } }), ['/quantity/between']);
  assert.deepEqual(problems({ quantity: { between: 1 } }), ['/quantity/between']);
  assert.deepEqual(problems({ quantity: { in: [] } }), ['/quantity/in']);
  assert.deepEqual(problems({ quantity: { nin: Array.from({ length: 1001 }, (_, i) => i) } }), ['/quantity/nin']);
  assert.deepEqual(problems({ quantity: { in: Array.from({ length: 1000 }, (_, i) => i) } }), []);
  assert.deepEqual(problems({ quantity: { in: [1, [2]] } }), ['/quantity/in/1']);
  assert.deepEqual(problems([]), ['']);
});
