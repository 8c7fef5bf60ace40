/**
 * path_format: every token renders as documented, and a format that would escape the bucket prefix
 * (absolute path, `..`, empty segment) or names an unknown token is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PATH_FORMAT, pathFormatProblems, renderPathFormat, type PathValues } from '../../src/domain/path-format.js';

const values: PathValues = {
  tenant: 'acme',
  reportCode: 'SALES_SUMMARY',
  requestId: 'rpt-1',
  customerId: '17850',
  fileName: 'SALES_SUMMARY_2011-01-01_2011-01-31.csv',
  periodFrom: '2011-01-01',
  periodTo: '2011-01-31',
  // 23:30 UTC on 29 Feb is already 1 March in Oslo.
  generatedAt: '2024-02-29T23:30:05.000Z',
  timezone: 'Europe/Oslo',
};

void test('every token renders: names, extension, period days and the request time in the request time zone', () => {
  assert.equal(
    renderPathFormat('{tenant}/{report_code}/{customer_id}/{period_from:YYYY-MM-DD}_{period_to:YYYYMMDD}/{generated_at:YYYY/MM/DD}/{generated_at:HH-mm-ss}/{request_id}.{ext}', values),
    'acme/SALES_SUMMARY/17850/2011-01-01_20110131/2024/03/01/00-30-05/rpt-1.csv',
  );
});

void test('the default format files by tenant, report and request under the file name', () => {
  assert.equal(renderPathFormat(DEFAULT_PATH_FORMAT, values), 'acme/SALES_SUMMARY/rpt-1/SALES_SUMMARY_2011-01-01_2011-01-31.csv');
});

void test('a date token without a format prints YYYY-MM-DD', () => {
  assert.equal(renderPathFormat('{period_to}/{file_name}', values), '2011-01-31/SALES_SUMMARY_2011-01-01_2011-01-31.csv');
});

void test('formats yielding an absolute path, a .. segment or an empty segment are refused', () => {
  assert.throws(() => renderPathFormat('/{tenant}/{file_name}', values), /absolute/);
  assert.throws(() => renderPathFormat('{tenant}/../{file_name}', values), /"\.\." segment/);
  assert.throws(() => renderPathFormat('{tenant}//{file_name}', values), /empty path segment/);
  assert.throws(() => renderPathFormat('{tenant}/{file_name}/', values), /empty path segment/);
  // A missing customer id leaves an empty segment rather than an invented name.
  assert.throws(() => renderPathFormat('{tenant}/{customer_id}/{file_name}', { ...values, customerId: undefined }), /empty path segment/);
  // A value that itself holds `..` is caught after substitution too.
  assert.throws(() => renderPathFormat('{customer_id}/{file_name}', { ...values, customerId: '..' }), /"\.\." segment/);
});

void test('unknown tokens, formats on plain tokens, bad date formats and stray braces are named', () => {
  assert.match(pathFormatProblems('{tenant}/{nope}').join(), /\{nope\} is not a token/);
  assert.match(pathFormatProblems('{tenant:YYYY}').join(), /takes no format/);
  assert.match(pathFormatProblems('{generated_at:YYYY%MM}').join(), /bad date format/);
  assert.match(pathFormatProblems('{tenant}/x}').join(), /unmatched brace/);
  assert.deepEqual(pathFormatProblems('{tenant}/{generated_at:YYYY/MM}/{file_name}'), []);
});

void test('period tokens on a report without a period are refused', () => {
  assert.throws(() => renderPathFormat('{period_from}/{file_name}', { ...values, periodFrom: undefined, periodTo: undefined }), /no period/);
});
