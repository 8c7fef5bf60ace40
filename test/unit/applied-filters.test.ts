/**
 * How a filtered report prints and carries its filters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeFilters, filtersJson } from '../../src/render/applied-filters.js';
import type { ValidatedFilter } from '../../src/domain/report-request.js';

const filters: ValidatedFilter[] = [
  { field: 'country', operator: 'in', value: ['France', 'Germany'] },
  { field: 'quantity', operator: 'gte', value: 10 },
  { field: 'quantity', operator: 'lt', value: 100 },
  { field: 'unit_price', operator: 'between', value: ['0.50', '2.55'] },
  { field: 'stock_code', operator: 'nin', value: ['POST', 'M'] },
  { field: 'customer_id', operator: 'eq', value: 17850 },
];

void test('each condition reads as a line with the same signs in every language', () => {
  assert.deepEqual(describeFilters(filters), [
    'country ∈ {France, Germany}', 'quantity ≥ 10', 'quantity < 100', '0.50 ≤ unit_price ≤ 2.55', 'stock_code ∉ {POST, M}', 'customer_id = 17850',
  ]);
  assert.deepEqual(describeFilters(undefined), []);
});

void test('the wire form comes back as the client could have sent it, operators of one field together', () => {
  assert.deepEqual(JSON.parse(filtersJson(filters)!), {
    country: { in: ['France', 'Germany'] }, quantity: { gte: 10, lt: 100 }, unit_price: { between: ['0.50', '2.55'] }, stock_code: { nin: ['POST', 'M'] }, customer_id: { eq: 17850 },
  });
  assert.equal(filtersJson([]), undefined);
});
