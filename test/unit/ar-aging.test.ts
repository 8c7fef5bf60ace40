/**
 * AR_AGING without a database: the bucket boundaries, the `intervals` parameter's rules (refused at
 * request time on its field), the columns a request's rows get, and the page's bucket headings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requestColumns } from '../../src/catalog/column-expansions.js';
import { AGING_INTERVALS_PATTERN, agingBucketIndex, agingBuckets, parseAgingIntervals } from '../../src/domain/aging-buckets.js';
import { ReportError } from '../../src/domain/errors.js';
import { reportFileName } from '../../src/domain/file-name.js';
import { HtmlRenderer } from '../../src/render/html-renderer.js';
import { createTemplateEngine } from '../../src/render/template-engine.js';
import { TEMPLATES_DIR, renderInput, shippedCatalog, tempDir, validated } from '../fixtures/render-fixtures.js';

test('30,30,30 makes current, 1–30, 31–60, 61–90 and over 90, and each day count lands in one of them', () => {
  assert.deepEqual(agingBuckets([30, 30, 30]), [
    { name: 'current', fromDays: null, toDays: 0 },
    { name: 'days_1_30', fromDays: 1, toDays: 30 },
    { name: 'days_31_60', fromDays: 31, toDays: 60 },
    { name: 'days_61_90', fromDays: 61, toDays: 90 },
    { name: 'days_over_90', fromDays: 91, toDays: null },
  ]);
  const cases: [number, number][] = [[-400, 0], [-1, 0], [0, 0], [1, 1], [30, 1], [31, 2], [60, 2], [61, 3], [90, 3], [91, 4], [5000, 4]];
  for (const [days, bucket] of cases) assert.equal(agingBucketIndex([30, 30, 30], days), bucket, `${days} days overdue`);
});

test('uneven and single intervals: boundaries are the running sums, the last bucket is open-ended', () => {
  assert.deepEqual(agingBuckets([7, 14, 1]).map((b) => b.name), ['current', 'days_1_7', 'days_8_21', 'days_22_22', 'days_over_22']);
  assert.deepEqual([7, 8, 21, 22, 23].map((d) => agingBucketIndex([7, 14, 1], d)), [1, 2, 2, 3, 4]);
  assert.deepEqual(agingBuckets([1]).map((b) => b.name), ['current', 'days_1_1', 'days_over_1']);
  assert.deepEqual([0, 1, 2].map((d) => agingBucketIndex([1], d)), [0, 1, 2]);
});

test('intervals are 1 to 8 lengths of 1–999 days, comma-separated; anything else is refused', () => {
  assert.deepEqual(parseAgingIntervals('30,30,30'), [30, 30, 30]);
  assert.deepEqual(parseAgingIntervals('999'), [999]);
  assert.equal(parseAgingIntervals(Array(8).fill('1').join(',')).length, 8);
  for (const bad of ['', '0', '30,0', '030', '30,,30', '30, 30', '-30', '1000', '30.5', Array(9).fill('1').join(',')]) {
    assert.throws(() => parseAgingIntervals(bad), RangeError, JSON.stringify(bad));
  }
});

test('report.json validates intervals with the same pattern as the code that reads them', () => {
  const def = JSON.parse(readFileSync(path.join(TEMPLATES_DIR, 'AR_AGING', 'report.json'), 'utf8')) as { parameters: { properties: { intervals: { pattern: string } } } };
  assert.equal(def.parameters.properties.intervals.pattern, AGING_INTERVALS_PATTERN);
});

test('an AR_AGING request: as_of required, defaults applied, a bad parameter refused on its field', () => {
  const cat = shippedCatalog();
  const v = validated(cat, 'AR_AGING', { as_of: '2011-06-30' }, { format: 'CSV' });
  assert.deepEqual(v.parameters, { as_of: '2011-06-30', intervals: '30,30,30', payment_terms_days: 30, include_sum: true, customer_id: null, country: null });
  assert.match(reportFileName(v, 'csv'), /^AR_AGING_2011-06-30_/);
  const refused = (params: Record<string, unknown>) => {
    try {
      validated(cat, 'AR_AGING', params, { format: 'PDF' });
    } catch (err) {
      assert.ok(err instanceof ReportError);
      return { code: err.code, fields: err.errors.map((e) => e.field) };
    }
    assert.fail(`accepted ${JSON.stringify(params)}`);
  };
  assert.deepEqual(refused({}), { code: 'PARAMETER_MISSING', fields: ['parameter_values.as_of'] });
  assert.deepEqual(refused({ as_of: '2011-02-30' }), { code: 'PARAMETER_INVALID', fields: ['parameter_values.as_of'] });
  for (const intervals of ['30,0,30', '30;60', '', '1000']) {
    assert.deepEqual(refused({ as_of: '2011-06-30', intervals }), { code: 'PARAMETER_INVALID', fields: ['parameter_values.intervals'] }, intervals);
  }
  assert.deepEqual(refused({ as_of: '2011-06-30', payment_terms_days: -1 }), { code: 'PARAMETER_INVALID', fields: ['parameter_values.payment_terms_days'] });
  assert.deepEqual(refused({ as_of: '2011-06-30', include_sum: 'maybe' }), { code: 'PARAMETER_INVALID', fields: ['parameter_values.include_sum'] });
  // As the CLI sends them: every value a string.
  const typed = validated(cat, 'AR_AGING', { as_of: '2011-06-30', intervals: '60', include_sum: 'false', customer_id: '12347', payment_terms_days: '14' }, { format: 'XLSX' });
  assert.deepEqual([typed.parameters.include_sum, typed.parameters.customer_id, typed.parameters.payment_terms_days], [false, 12347, 14]);
});

test('the rows get a column per bucket between country and total, taken from the query\'s buckets array', () => {
  const def = shippedCatalog().get('AR_AGING')!;
  const columns = requestColumns(def.columns, { intervals: '30,60' });
  assert.deepEqual(columns.map((c) => `${c.name}:${c.type}`), ['customer_id:integer', 'country:string', 'current:decimal', 'days_1_30:decimal', 'days_31_90:decimal', 'days_over_90:decimal', 'total:decimal']);
  assert.deepEqual(columns.filter((c) => c.source === 'buckets').map((c) => c.index), [0, 1, 2, 3]);
});

const engine = createTemplateEngine({ templatesDir: TEMPLATES_DIR });
const pageText = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[\u00a0\u202f]/g, ' ').replace(/\u2212/g, '-').replace(/\s+/g, ' ');

async function renderPage(language: 'en' | 'no', includeSum: boolean): Promise<string> {
  const cat = shippedCatalog();
  const def = cat.get('AR_AGING')!;
  const request = validated(cat, 'AR_AGING', { as_of: '2011-06-30', intervals: '30,60', include_sum: includeSum }, { format: 'PDF', language });
  const dir = tempDir('rf-aging-');
  const rows = [
    { customer_id: 12347, country: 'Iceland', current: '382.52', days_1_30: '0', days_31_90: '636.25', days_over_90: '1187.18', total: '2205.95' },
    { customer_id: 12348, country: 'Finland', current: '0', days_1_30: '-17', days_31_90: '0', days_over_90: '1000', total: '983' },
    ...(includeSum ? [{ customer_id: null, country: null, current: '382.52', days_1_30: '-17', days_31_90: '636.25', days_over_90: '2187.18', total: '3188.95' }] : []),
  ];
  const rowsPath = path.join(dir, 'rows.ndjson');
  writeFileSync(rowsPath, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const input = renderInput(def, request, rowsPath, path.join(dir, 'aging.html'), { columns: requestColumns(def.columns, request.parameters) });
  await new HtmlRenderer({ engine, maxRows: 100, now: () => new Date('2011-07-01T08:00:00Z') }).render(input);
  return pageText(readFileSync(input.outPath, 'utf8'));
}

test('the page heads each bucket with its day range in the report\'s language, and shows the totals row only with include_sum', async () => {
  const en = await renderPage('en', true);
  assert.match(en, /Customer Country Not yet due 1–30 days 31–90 days Over 90 days Total/);
  assert.match(en, /As of 30 Jun 2011/);
  assert.match(en, /12347 Iceland 382\.52 0\.00 636\.25 1,187\.18 2,205\.95/);
  assert.match(en, /Grand total 382\.52 -17\.00 636\.25 2,187\.18 3,188\.95/);
  const no = await renderPage('no', false);
  assert.match(no, /Kunde Land Ikke forfalt 1–30 dager 31–90 dager Over 90 dager Totalt/);
  assert.match(no, /12348 Finland/);
  assert.doesNotMatch(no, /Totalsum|Grand total/);
});
