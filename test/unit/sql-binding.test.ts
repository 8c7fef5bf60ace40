import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindNamedParameters, queryParameters } from '../../src/data/sql-binding.js';
import type { ValidatedRequest } from '../../src/domain/report-request.js';

test('named placeholders become $n in order of first use, with their values', () => {
  const bound = bindNamedParameters('SELECT * FROM t WHERE a = :a AND b = :b', { a: 1, b: 'x' });
  assert.deepEqual(bound, { text: 'SELECT * FROM t WHERE a = $1 AND b = $2', values: [1, 'x'] });
});

test('a name used twice is bound once and reuses its position', () => {
  const bound = bindNamedParameters('WHERE d >= :from AND d < :to OR :from IS NULL', { from: '2011-01-01', to: '2011-02-01' });
  assert.equal(bound.text, 'WHERE d >= $1 AND d < $2 OR $1 IS NULL');
  assert.deepEqual(bound.values, ['2011-01-01', '2011-02-01']);
});

test('values not used by the SQL are not bound', () => {
  const bound = bindNamedParameters('SELECT :used', { used: 1, unused: 2 });
  assert.deepEqual(bound, { text: 'SELECT $1', values: [1] });
});

test('::casts stay casts, also right after a placeholder', () => {
  const bound = bindNamedParameters("SELECT :from::timestamptz, x::text, '1'::int FROM t WHERE y = :y::integer", { from: '2011-07-01T00:00:00+01:00', y: 5 });
  assert.equal(bound.text, "SELECT $1::timestamptz, x::text, '1'::int FROM t WHERE y = $2::integer");
  assert.deepEqual(bound.values, ['2011-07-01T00:00:00+01:00', 5]);
});

test('":name" inside string literals and quoted identifiers is left alone', () => {
  const sql = `SELECT ':x' AS a, 'it''s :x' AS b, ":x" AS "col :y" FROM t WHERE c = :c`;
  const bound = bindNamedParameters(sql, { c: 3 });
  assert.equal(bound.text, `SELECT ':x' AS a, 'it''s :x' AS b, ":x" AS "col :y" FROM t WHERE c = $1`);
  assert.deepEqual(bound.values, [3]);
});

test('":name" inside E-strings with backslash-escaped quotes is left alone', () => {
  const bound = bindNamedParameters(String.raw`SELECT E'it\'s :x', e'a\\' AS b, :c`, { c: 1 });
  assert.equal(bound.text, String.raw`SELECT E'it\'s :x', e'a\\' AS b, $1`);
  assert.deepEqual(bound.values, [1]);
});

test('":name" inside line and block comments is left alone', () => {
  const sql = 'SELECT 1 -- filter by :x later\n, :a /* not :y\n either */ FROM t';
  const bound = bindNamedParameters(sql, { a: 'A' });
  assert.equal(bound.text, 'SELECT 1 -- filter by :x later\n, $1 /* not :y\n either */ FROM t');
  assert.deepEqual(bound.values, ['A']);
});

test('":name" inside dollar-quoted strings is left alone, with or without a tag', () => {
  const sql = 'SELECT $$ :x $$, $fn$ body :y $fn$, :z';
  const bound = bindNamedParameters(sql, { z: 0 });
  assert.equal(bound.text, 'SELECT $$ :x $$, $fn$ body :y $fn$, $1');
  assert.deepEqual(bound.values, [0]);
});

test('undefined and null values are bound as NULL', () => {
  const bound = bindNamedParameters('SELECT :a, :b', { a: undefined, b: null });
  assert.deepEqual(bound.values, [null, null]);
});

test('a placeholder without a value throws an error naming it', () => {
  assert.throws(() => bindNamedParameters('SELECT :known, :missing', { known: 1 }), /:missing has no value/);
});

test('an inherited property does not count as a value', () => {
  assert.throws(() => bindNamedParameters('SELECT :toString', {}), /:toString has no value/);
});

test('report queries get the request time zone, language and half-open period bounds', () => {
  const validated: ValidatedRequest = {
    request: {
      id: 'r1', tenantId: 't', reportCode: 'SALES', parameterValues: [], format: 'CSV', language: 'no',
      timezone: 'Europe/Oslo', requestedAt: '2024-01-01T00:00:00Z',
    },
    parameters: { country: 'Norway' },
    period: { from: '2011-01-01T00:00:00+01:00', to: '2011-02-01T00:00:00+01:00', fromDate: '2011-01-01', toDate: '2011-01-31' },
  };
  const bound = bindNamedParameters('SELECT :country, :timezone, :language, :period_from, :period_to', queryParameters(validated));
  assert.deepEqual(bound.values, ['Norway', 'Europe/Oslo', 'no', '2011-01-01T00:00:00+01:00', '2011-02-01T00:00:00+01:00']);
});

test('declared parameters that were not given are bound as NULL, given ones keep their value', () => {
  const validated: ValidatedRequest = {
    request: { id: 'r', tenantId: 't', reportCode: 'X', parameterValues: [], format: 'CSV', language: 'en', timezone: 'UTC', requestedAt: '2011-01-01T00:00:00Z' },
    parameters: { country: 'Norway' },
  };
  const bound = bindNamedParameters('SELECT :country, :customer_id', queryParameters(validated, ['country', 'customer_id']));
  assert.deepEqual(bound.values, ['Norway', null]);
  assert.throws(() => bindNamedParameters('SELECT :customer_id', queryParameters(validated)), /:customer_id has no value/);
});
