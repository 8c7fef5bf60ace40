/**
 * Report filters: every operator and type is typed as documented, every mistake is refused with
 * FILTER_INVALID naming its exact path, the catalog refuses bad declarations at load, and the
 * definitions endpoint's view of filterable fields.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { filterableFieldsToWire } from '../../src/catalog/filters.js';
import type { ReportDefinitionFile } from '../../src/catalog/report-definition.js';
import { validateFilters } from '../../src/catalog/validate-filters.js';
import { validateRequest } from '../../src/catalog/validate-request.js';
import { ReportError } from '../../src/domain/errors.js';
import type { ReportRequest } from '../../src/domain/report-request.js';
import { shippedCatalog, templatesWith } from '../fixtures/render-fixtures.js';

/** A definition with one filterable field of each type. */
const DEF: Pick<ReportDefinitionFile, 'filters'> = {
  filters: {
    country: { type: 'string' },
    quantity: { type: 'integer' },
    unit_price: { type: 'decimal' },
    day: { type: 'date' },
    invoice_date: { type: 'timestamp' },
    is_credit_note: { type: 'boolean' },
    stock_code: { type: 'string', operators: ['eq', 'in'] },
  },
};

/** The field errors of the FILTER_INVALID that `fn` throws, as `path: message` pairs. */
function refusal(fn: () => unknown): { field: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ReportError, String(err));
    assert.equal(err.code, 'FILTER_INVALID');
    assert.ok(err.errors.length > 0);
    for (const e of err.errors) assert.equal(e.code, 'FILTER_INVALID');
    return err.errors.map((e) => ({ field: e.field, message: e.message }));
  }
  assert.fail('expected FILTER_INVALID');
}
const paths = (fn: () => unknown) => refusal(fn).map((e) => e.field);

test('no filters, or an empty object, give no conditions', () => {
  assert.deepEqual(validateFilters(DEF, undefined), []);
  assert.deepEqual(validateFilters(DEF, {}), []);
});

test('every operator of every type is typed and normalised', () => {
  const cases: [string, Record<string, unknown>, unknown[]][] = [
    ['country', { eq: 'France', gt: 'A', gte: 'B', lt: 'Y', lte: 'Z', between: ['A', 'M'], in: ['France', 'Germany'], nin: ['United Kingdom'] },
      ['France', 'A', 'B', 'Y', 'Z', ['A', 'M'], ['France', 'Germany'], ['United Kingdom']]],
    ['quantity', { eq: 6, gt: -1, gte: 10, lt: 100, lte: 99, between: [1, 12], in: [1, 2, 3], nin: [0] },
      [6, -1, 10, 100, 99, [1, 12], [1, 2, 3], [0]]],
    // Decimals: a JSON number is spelled as its shortest decimal, a string is kept exact.
    ['unit_price', { eq: '2.55', gt: 0.1, gte: 2, lt: '100.005', lte: -0.5, between: ['0.000001', 1e21], in: ['2.55', 4.25], nin: ['-11062.06'] },
      ['2.55', '0.1', '2', '100.005', '-0.5', ['0.000001', '1e+21'], ['2.55', '4.25'], ['-11062.06']]],
    ['day', { eq: '2011-03-01', gt: '2011-02-28', gte: '2012-02-29', lt: '2011-12-31', lte: '0001-01-01', between: ['2011-03-01', '2011-03-31'], in: ['2011-03-01'], nin: ['2011-03-02'] },
      ['2011-03-01', '2011-02-28', '2012-02-29', '2011-12-31', '0001-01-01', ['2011-03-01', '2011-03-31'], ['2011-03-01'], ['2011-03-02']]],
    ['invoice_date', {
      eq: '2011-03-01T00:00:00Z', gt: '2011-03-01T01:00:00+01:00', gte: '2011-03-01T00:00Z', lt: '2011-03-01T00:00:00.123456-05:30', lte: '2011-03-01T23:59:59.5+14:00',
      between: ['2011-03-01T00:00:00Z', '2011-03-31T23:59:59Z'], in: ['2011-03-01T00:00:00.000Z'], nin: ['2011-03-02T00:00:00+00:00'],
    }, ['2011-03-01T00:00:00Z', '2011-03-01T01:00:00+01:00', '2011-03-01T00:00Z', '2011-03-01T00:00:00.123456-05:30', '2011-03-01T23:59:59.5+14:00',
      ['2011-03-01T00:00:00Z', '2011-03-31T23:59:59Z'], ['2011-03-01T00:00:00.000Z'], ['2011-03-02T00:00:00+00:00']]],
    ['is_credit_note', { eq: true, in: [true, false], nin: [false] }, [true, [true, false], [false]]],
  ];
  for (const [field, conditions, expected] of cases) {
    const got = validateFilters(DEF, { [field]: conditions });
    assert.deepEqual(got.map((f) => f.field), got.map(() => field));
    assert.deepEqual(got.map((f) => f.operator), Object.keys(conditions), `${field}: one condition per operator, in operator order`);
    assert.deepEqual(got.map((f) => f.value), expected, field);
  }
});

test('conditions come out in definition order, then operator order, whatever the request order', () => {
  const got = validateFilters(DEF, { is_credit_note: { eq: false }, quantity: { lt: 100, gte: 10 }, country: { in: ['France'] } });
  assert.deepEqual(got.map((f) => `${f.field}.${f.operator}`), ['country.in', 'quantity.gte', 'quantity.lt', 'is_credit_note.eq']);
});

test('a value of the wrong type is refused on its exact path', () => {
  const wrong: [string, string, unknown][] = [
    ['country', 'eq', 5], ['country', 'eq', null], ['country', 'eq', 'x'.repeat(257)], ['country', 'eq', 'a\u0000b'], ['country', 'eq', ['France']],
    ['quantity', 'gte', '10'], ['quantity', 'gte', 1.5], ['quantity', 'gte', 2 ** 53], ['quantity', 'gte', true],
    ['unit_price', 'lt', '1e5'], ['unit_price', 'lt', '2,55'], ['unit_price', 'lt', 'NaN'], ['unit_price', 'lt', ''], ['unit_price', 'lt', '1.'], ['unit_price', 'lt', false],
    ['day', 'eq', '2011-02-29'], ['day', 'eq', '2011-3-1'], ['day', 'eq', '0000-01-01'], ['day', 'eq', '2011-03-01T00:00:00Z'], ['day', 'eq', 20110301],
    ['invoice_date', 'gte', '2011-03-01T00:00:00'], ['invoice_date', 'gte', '2011-03-01'], ['invoice_date', 'gte', '2011-03-01 00:00:00Z'],
    ['invoice_date', 'gte', '2011-03-01T24:00:00Z'], ['invoice_date', 'gte', '2011-02-30T00:00:00Z'], ['invoice_date', 'gte', '2011-03-01T00:00:00.1234567Z'],
    ['invoice_date', 'gte', '2011-03-01T00:00:00+15:00'], ['invoice_date', 'gte', 1299024000000],
    ['is_credit_note', 'eq', 'true'], ['is_credit_note', 'eq', 1],
  ];
  for (const [field, op, value] of wrong) {
    const errors = refusal(() => validateFilters(DEF, { [field]: { [op]: value } }));
    assert.deepEqual(errors.map((e) => e.field), [`filters.${field}.${op}`], `${field}.${op} = ${JSON.stringify(value)}`);
    assert.match(errors[0]!.message, /^Must be /);
  }
});

test('list items and between bounds are named by index', () => {
  assert.deepEqual(paths(() => validateFilters(DEF, { quantity: { in: [1, 'two', 3, 4.5] } })), ['filters.quantity.in[1]', 'filters.quantity.in[3]']);
  assert.deepEqual(paths(() => validateFilters(DEF, { quantity: { nin: [null] } })), ['filters.quantity.nin[0]']);
  assert.deepEqual(paths(() => validateFilters(DEF, { day: { between: ['2011-03-01', '2011-13-01'] } })), ['filters.day.between[1]']);
});

test('between needs exactly two values; in and nin need 1 to 1000', () => {
  for (const bad of [[], [1], [1, 2, 3], 5, { low: 1, high: 2 }]) {
    assert.deepEqual(paths(() => validateFilters(DEF, { quantity: { between: bad } })), ['filters.quantity.between'], JSON.stringify(bad));
  }
  for (const op of ['in', 'nin']) {
    for (const bad of [[], 'France', Array.from({ length: 1001 }, (_, i) => `c${i}`)]) {
      assert.deepEqual(paths(() => validateFilters(DEF, { country: { [op]: bad } })), [`filters.country.${op}`]);
    }
    const [longest] = validateFilters(DEF, { country: { [op]: Array.from({ length: 1000 }, (_, i) => `c${i}`) } });
    assert.equal((longest!.value as unknown[]).length, 1000);
  }
});

test('unknown fields, unknown operators and operators a type does not take are refused', () => {
  assert.deepEqual(refusal(() => validateFilters(DEF, { description: { eq: 'x' } })), [
    { field: 'filters.description', message: 'Not a filterable field of this report; use one of country, quantity, unit_price, day, invoice_date, is_credit_note, stock_code.' },
  ]);
  assert.deepEqual(paths(() => validateFilters(DEF, { quantity: { ne: 5 } })), ['filters.quantity.ne']);
  assert.deepEqual(paths(() => validateFilters(DEF, { quantity: { GTE: 5 } })), ['filters.quantity.GTE'], 'operators are case-sensitive');
  for (const op of ['gt', 'gte', 'lt', 'lte', 'between']) {
    const errors = refusal(() => validateFilters(DEF, { is_credit_note: { [op]: op === 'between' ? [false, true] : true } }));
    assert.deepEqual(errors, [{ field: `filters.is_credit_note.${op}`, message: 'Not available for this boolean field; use one of eq, in, nin.' }]);
  }
  assert.deepEqual(paths(() => validateFilters(DEF, { stock_code: { nin: ['POST'] } })), ['filters.stock_code.nin'], 'a declaration may narrow the operators');
  // Names that only look like a field through the prototype chain are not fields.
  assert.deepEqual(paths(() => validateFilters(DEF, JSON.parse('{"__proto__": {"eq": 1}, "constructor": {"eq": 1}, "toString": {"eq": 1}}'))),
    ['filters.__proto__', 'filters.constructor', 'filters.toString']);
  assert.deepEqual(paths(() => validateFilters({}, { country: { eq: 'France' } })), ['filters.country']);
});

test('injection attempts are refused as unknown fields or operators, or kept as plain values', () => {
  const evil = "country'; DROP TABLE x;--";
  assert.deepEqual(paths(() => validateFilters(DEF, { [evil]: { eq: 'France' } })), [`filters.${evil}`]);
  assert.deepEqual(paths(() => validateFilters(DEF, { country: { [evil]: 'France' } })), [`filters.country.${evil}`]);
  assert.deepEqual(paths(() => validateFilters(DEF, { 'country" = country OR "1': { eq: 'x' } })), ['filters.country" = country OR "1']);
  // As a value it is just a string to compare with (bound as a parameter, see filters-sql.test.ts).
  assert.deepEqual(validateFilters(DEF, { country: { eq: evil } }), [{ field: 'country', operator: 'eq', value: evil }]);
  // String length counts code points, as the API's JSON Schema does: 256 emoji are 512 UTF-16 units.
  assert.equal(validateFilters(DEF, { country: { eq: '\u{1F600}'.repeat(256) } }).length, 1);
  assert.deepEqual(paths(() => validateFilters(DEF, { country: { eq: '\u{1F600}'.repeat(257) } })), ['filters.country.eq']);
});

test('the filters and each field must be objects, and a field needs an operator', () => {
  for (const bad of [null, [], 'country=France', 5]) assert.deepEqual(paths(() => validateFilters(DEF, bad)), ['filters'], JSON.stringify(bad));
  for (const bad of [null, [], 'France', {}]) assert.deepEqual(paths(() => validateFilters(DEF, { country: bad })), ['filters.country'], JSON.stringify(bad));
});

test('every problem is reported at once, at most 20', () => {
  assert.deepEqual(paths(() => validateFilters(DEF, { quantity: { gte: 'x', lt: 'y' }, nope: { eq: 1 }, is_credit_note: { gt: true } })),
    ['filters.quantity.gte', 'filters.quantity.lt', 'filters.nope', 'filters.is_credit_note.gt']);
  assert.equal(paths(() => validateFilters(DEF, { quantity: { in: Array.from({ length: 100 }, () => 'x') } })).length, 20);
});

/** A request for INVOICE_LINES in July 2011 with `filters`. */
function linesRequest(filters: unknown): ReportRequest {
  return {
    id: '01JTESTREQUEST0000000000000', tenantId: 'default', reportCode: 'INVOICE_LINES', format: 'CSV', language: 'en', timezone: 'Europe/London',
    parameterValues: [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-31' }],
    requestedAt: '2024-05-01T10:00:00.000Z', filters: filters as ReportRequest['filters'],
  };
}

test('validateRequest types the shipped INVOICE_LINES filters and refuses bad ones with FILTER_INVALID', () => {
  const cat = shippedCatalog();
  const ok = validateRequest(cat, linesRequest({
    country: { in: ['France', 'Germany'] }, quantity: { gte: 10, lt: 100 },
    invoice_date: { between: ['2011-03-01T00:00:00Z', '2011-03-31T23:59:59Z'] }, unit_price: { lte: 2.5 },
  }));
  assert.deepEqual(ok.filters, [
    { field: 'invoice_date', operator: 'between', value: ['2011-03-01T00:00:00Z', '2011-03-31T23:59:59Z'] },
    { field: 'quantity', operator: 'gte', value: 10 },
    { field: 'quantity', operator: 'lt', value: 100 },
    { field: 'unit_price', operator: 'lte', value: '2.5' },
    { field: 'country', operator: 'in', value: ['France', 'Germany'] },
  ]);
  assert.equal(validateRequest(cat, linesRequest(undefined)).filters, undefined);
  assert.equal(validateRequest(cat, linesRequest({})).filters, undefined);
  assert.throws(() => validateRequest(cat, linesRequest({ quantity: { gte: '10' } })), (e: unknown) =>
    e instanceof ReportError && e.code === 'FILTER_INVALID' && e.errors[0]!.field === 'filters.quantity.gte');
  assert.throws(() => validateRequest(cat, linesRequest({ description: { eq: 'x' } })), (e: unknown) =>
    e instanceof ReportError && e.code === 'FILTER_INVALID' && e.errors[0]!.field === 'filters.description');
  // INVOICE declares no filterable fields.
  const invoice = { ...linesRequest({ invoice_no: { eq: '536365' } }), reportCode: 'INVOICE', format: 'PDF' as const, parameterValues: [{ name: 'invoice_id', value: '536365' }] };
  assert.deepEqual(paths(() => validateRequest(cat, invoice)), ['filters.invoice_no']);
});

test('filterableFieldsToWire lists name, type and operators per field', () => {
  const cat = shippedCatalog();
  assert.deepEqual(filterableFieldsToWire(cat.get('INVOICE')!), []);
  const lines = filterableFieldsToWire(cat.get('INVOICE_LINES')!);
  assert.deepEqual(lines.map((f) => f.name), ['invoice_no', 'invoice_date', 'stock_code', 'quantity', 'unit_price', 'line_total', 'customer_id', 'country']);
  assert.deepEqual(lines.find((f) => f.name === 'quantity'), { name: 'quantity', type: 'integer', operators: ['eq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'nin'] });
  assert.deepEqual(filterableFieldsToWire(DEF).slice(-2), [
    { name: 'is_credit_note', type: 'boolean', operators: ['eq', 'in', 'nin'] },
    { name: 'stock_code', type: 'string', operators: ['eq', 'in'] },
  ]);
  assert.deepEqual(filterableFieldsToWire(cat.get('SALES_SUMMARY')!).map((f) => `${f.name}:${f.type}`),
    ['country:string', 'month:string', 'invoices:integer', 'lines:integer', 'quantity:integer', 'net_sales:decimal']);
});

test('the catalog refuses a filter declaration that does not fit the columns, naming the definition', () => {
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ filters: { missing: { type: 'integer' } }, order_by: ['n'] }, /report BAD_FILTERS: filter "missing" is not one of the columns \(n, flag\)/],
    [{ filters: { n: { type: 'decimal' } }, order_by: ['n'] }, /report BAD_FILTERS: filter "n" is declared decimal but its column is integer/],
    [{ filters: { flag: { type: 'boolean', operators: ['eq', 'gt'] } }, order_by: ['n'] }, /report BAD_FILTERS: filter "flag" \(boolean\) cannot use gt/],
    [{ filters: { n: { type: 'integer' } } }, /report BAD_FILTERS: filters need order_by/],
    [{ filters: { n: { type: 'integer' } }, order_by: ['nope'] }, /report BAD_FILTERS: order_by "nope" is not one of the columns/],
    [{ filters: { n: { type: 'integer' } }, order_by: ['n', 'n desc'] }, /order_by names "n" twice/],
    // Shape errors are the JSON Schema's: a bad type, operator, field name or order_by item.
    [{ filters: { n: { type: 'number' } }, order_by: ['n'] }, /BAD_FILTERS[/\\]report\.json: .*type/],
    [{ filters: { n: { type: 'integer', operators: ['ne'] } }, order_by: ['n'] }, /BAD_FILTERS[/\\]report\.json: .*operators/],
    [{ filters: { 'n"; DROP TABLE x;--': { type: 'integer' } }, order_by: ['n'] }, /BAD_FILTERS[/\\]report\.json: .*property name/],
    [{ filters: { n: { type: 'integer' } }, order_by: ['n; DROP TABLE x'] }, /BAD_FILTERS[/\\]report\.json: .*order_by/],
  ];
  for (const [patch, message] of refused) {
    assert.throws(() => loadCatalog(templatesWith(patch)), message, JSON.stringify(patch));
  }
  const ok = loadCatalog(templatesWith({ filters: { n: { type: 'integer' }, flag: { type: 'boolean' } }, order_by: ['n desc'] }));
  assert.deepEqual(Object.keys(ok.get('BAD_FILTERS')!.filters!), ['n', 'flag']);
});
