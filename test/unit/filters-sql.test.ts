/**
 * The SQL a filtered report runs: the definition's query wrapped, one bound and cast parameter per value
 * (one array per list), identifiers only from the definition, the order re-applied — and no request
 * text in the SQL, whatever the request holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFilters, OPERATORS_BY_TYPE, type FilterableQuery } from '../../src/data/filter-sql.js';
import { bindNamedParameters, queryParameters } from '../../src/data/sql-binding.js';
import { validateRequest } from '../../src/catalog/validate-request.js';
import { ReportError } from '../../src/domain/errors.js';
import type { ValidatedFilter } from '../../src/domain/report-request.js';
import { shippedCatalog } from '../fixtures/render-fixtures.js';

const DEF: FilterableQuery = {
  code: 'T',
  filters: {
    country: { type: 'string' },
    quantity: { type: 'integer' },
    unit_price: { type: 'decimal' },
    day: { type: 'date' },
    invoice_date: { type: 'timestamp' },
    is_credit_note: { type: 'boolean' },
  },
  order_by: ['invoice_date', 'line_no desc'],
};
const BASE = { text: 'SELECT * FROM t WHERE a = $1 ORDER BY invoice_date, line_no DESC', values: ['a'] };

/** The WHERE clause's conditions of `applyFilters` for one filter, and the values after the base's. */
function where(filter: ValidatedFilter): { sql: string; values: unknown[] } {
  const q = applyFilters(DEF, BASE, [filter]);
  const m = /\nWHERE (.*)\nORDER BY/s.exec(q.text);
  assert.ok(m, q.text);
  assert.deepEqual(q.values.slice(0, 1), ['a']);
  return { sql: m[1]!, values: q.values.slice(1) };
}

test('without filters the query runs unchanged', () => {
  assert.equal(applyFilters(DEF, BASE, undefined), BASE);
  assert.equal(applyFilters(DEF, BASE, []), BASE);
});

test('the query is wrapped, filtered on report columns and ordered again by order_by', () => {
  const q = applyFilters(DEF, { text: 'SELECT 1 -- trailing comment', values: [] }, [{ field: 'quantity', operator: 'gte', value: 10 }, { field: 'quantity', operator: 'lt', value: 100 }]);
  assert.equal(q.text, 'SELECT * FROM (\nSELECT 1 -- trailing comment\n) AS report\nWHERE report."quantity" >= $1::bigint\n  AND report."quantity" < $2::bigint\nORDER BY report."invoice_date", report."line_no" DESC');
  assert.deepEqual(q.values, [10, 100]);
  assert.match(applyFilters(DEF, { text: 'SELECT 1;\n\n', values: [] }, [{ field: 'quantity', operator: 'eq', value: 1 }]).text, /^SELECT \* FROM \(\nSELECT 1\n\) AS report/, 'a trailing ; is dropped');
  const unordered = applyFilters({ ...DEF, order_by: [] }, BASE, [{ field: 'quantity', operator: 'eq', value: 1 }]);
  assert.doesNotMatch(unordered.text, /ORDER BY report/);
});

test('each operator binds its values with the column type cast', () => {
  assert.deepEqual(where({ field: 'quantity', operator: 'eq', value: 6 }), { sql: 'report."quantity" = $2::bigint', values: [6] });
  assert.deepEqual(where({ field: 'quantity', operator: 'gt', value: 6 }), { sql: 'report."quantity" > $2::bigint', values: [6] });
  assert.deepEqual(where({ field: 'quantity', operator: 'gte', value: 6 }), { sql: 'report."quantity" >= $2::bigint', values: [6] });
  assert.deepEqual(where({ field: 'quantity', operator: 'lt', value: 6 }), { sql: 'report."quantity" < $2::bigint', values: [6] });
  assert.deepEqual(where({ field: 'quantity', operator: 'lte', value: 6 }), { sql: 'report."quantity" <= $2::bigint', values: [6] });
  assert.deepEqual(where({ field: 'quantity', operator: 'between', value: [1, 12] }), { sql: 'report."quantity" BETWEEN $2::bigint AND $3::bigint', values: [1, 12] });
  assert.deepEqual(where({ field: 'quantity', operator: 'in', value: [1, 2] }), { sql: 'report."quantity" = ANY($2::bigint[])', values: [[1, 2]] });
  assert.deepEqual(where({ field: 'quantity', operator: 'nin', value: [1, 2] }), { sql: '(report."quantity" = ANY($2::bigint[])) IS NOT TRUE', values: [[1, 2]] });

  assert.deepEqual(where({ field: 'unit_price', operator: 'lte', value: '2.55' }), { sql: 'report."unit_price" <= $2::numeric', values: ['2.55'] });
  assert.deepEqual(where({ field: 'unit_price', operator: 'in', value: ['2.55', '0.1'] }), { sql: 'report."unit_price" = ANY($2::numeric[])', values: [['2.55', '0.1']] });
  assert.deepEqual(where({ field: 'day', operator: 'between', value: ['2011-03-01', '2011-03-31'] }), { sql: 'report."day" BETWEEN $2::date AND $3::date', values: ['2011-03-01', '2011-03-31'] });
  assert.deepEqual(where({ field: 'invoice_date', operator: 'gte', value: '2011-03-01T00:00:00+01:00' }), { sql: 'report."invoice_date" >= $2::timestamptz', values: ['2011-03-01T00:00:00+01:00'] });
  assert.deepEqual(where({ field: 'is_credit_note', operator: 'eq', value: true }), { sql: 'report."is_credit_note" = $2::boolean', values: [true] });
  assert.deepEqual(where({ field: 'is_credit_note', operator: 'nin', value: [false] }), { sql: '(report."is_credit_note" = ANY($2::boolean[])) IS NOT TRUE', values: [[false]] });
  // Text order is code-point order on every server; equality needs no collation.
  assert.deepEqual(where({ field: 'country', operator: 'gt', value: 'M' }), { sql: 'report."country" COLLATE "C" > $2::text', values: ['M'] });
  assert.deepEqual(where({ field: 'country', operator: 'between', value: ['A', 'F'] }), { sql: 'report."country" COLLATE "C" BETWEEN $2::text AND $3::text', values: ['A', 'F'] });
  assert.deepEqual(where({ field: 'country', operator: 'eq', value: 'France' }), { sql: 'report."country" = $2::text', values: ['France'] });
});

test('booleans take only equality operators', () => {
  assert.deepEqual(OPERATORS_BY_TYPE.boolean, ['eq', 'in', 'nin']);
  for (const type of ['string', 'integer', 'decimal', 'date', 'timestamp'] as const) assert.equal(OPERATORS_BY_TYPE[type].length, 8);
});

const INJECTIONS = [
  "country'; DROP TABLE x;--",
  'France" OR "1"="1',
  "') OR 1=1 --",
  '$1',
  ':period_from',
  '*/ DROP TABLE x; /*',
  'NULL',
  '{a,b}',
  'back\\slash',
];

test('injection attempts as values stay bound parameters: the SQL text is the same as for harmless values', () => {
  const harmless = applyFilters(DEF, BASE, [{ field: 'country', operator: 'in', value: ['France'] }, { field: 'country', operator: 'eq', value: 'x' }, { field: 'country', operator: 'between', value: ['a', 'b'] }]);
  for (const evil of INJECTIONS) {
    const q = applyFilters(DEF, BASE, [{ field: 'country', operator: 'in', value: [evil, 'France'] }, { field: 'country', operator: 'eq', value: evil }, { field: 'country', operator: 'between', value: [evil, evil] }]);
    assert.equal(q.text, harmless.text, evil);
    assert.deepEqual(q.values, ['a', [evil, 'France'], evil, evil, evil]);
  }
});

test('injection attempts as field names or operators never reach the SQL', () => {
  for (const evil of INJECTIONS) {
    for (const filter of [
      { field: evil, operator: 'eq', value: 'x' },
      { field: 'country', operator: evil, value: 'x' },
      { field: 'country', operator: 'eq; DROP TABLE x', value: 'x' },
    ] as unknown as ValidatedFilter[]) {
      assert.throws(() => applyFilters(DEF, BASE, [filter]), (e: unknown) => e instanceof ReportError && e.code === 'FILTER_INVALID', `${filter.field}.${filter.operator}`);
    }
  }
  // A field the definition does not declare, though a column, and an operator its type does not take.
  assert.throws(() => applyFilters(DEF, BASE, [{ field: 'line_no', operator: 'eq', value: 1 }]), { code: 'FILTER_INVALID' });
  assert.throws(() => applyFilters(DEF, BASE, [{ field: 'is_credit_note', operator: 'gt', value: true }]), (e: unknown) =>
    e instanceof ReportError && e.errors[0]!.field === 'filters.is_credit_note.gt');
  assert.throws(() => applyFilters(DEF, BASE, [{ field: 'quantity', operator: 'between', value: [1] } as unknown as ValidatedFilter]), { code: 'FILTER_INVALID' });
  assert.throws(() => applyFilters(DEF, BASE, [{ field: 'quantity', operator: 'in', value: [] }]), { code: 'FILTER_INVALID' });
  assert.throws(() => applyFilters({ code: 'T', filters: DEF.filters }, BASE, [{ field: 'quantity', operator: 'eq', value: 1 }]), /order_by/);
  assert.throws(() => applyFilters({ ...DEF, filters: { 'a"b': { type: 'integer' } } }, BASE, [{ field: 'a"b', operator: 'eq', value: 1 }]), /unsafe column name/);
});

test('through validateRequest: the shipped INVOICE_LINES query, its parameters first, then the filters', () => {
  const cat = shippedCatalog();
  const def = cat.get('INVOICE_LINES')!;
  const evil = "country'; DROP TABLE x;--";
  const validated = validateRequest(cat, {
    id: '01JTESTREQUEST0000000000000', tenantId: 'default', reportCode: 'INVOICE_LINES', format: 'CSV', language: 'en', timezone: 'Europe/London',
    parameterValues: [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-31' }], requestedAt: '2024-05-01T10:00:00.000Z',
    filters: { country: { nin: [evil] }, line_total: { gte: '15.30' }, invoice_date: { lt: '2011-07-15T00:00:00+02:00' } },
  });
  const base = bindNamedParameters(def.querySql, queryParameters(validated, Object.keys(def.parameters.properties)));
  const q = applyFilters(def, base, validated.filters);
  assert.equal(base.values.length, 4);
  assert.deepEqual(q.values, [...base.values, '2011-07-15T00:00:00+02:00', '15.30', [evil]]);
  assert.ok(q.text.startsWith(`SELECT * FROM (\n${base.text.trimEnd()}\n) AS report\n`));
  assert.ok(q.text.endsWith('WHERE report."invoice_date" < $5::timestamptz\n  AND report."line_total" >= $6::numeric\n  AND (report."country" = ANY($7::text[])) IS NOT TRUE\nORDER BY report."invoice_date", report."line_no"'), q.text);
  assert.ok(!q.text.includes('DROP'));
});
