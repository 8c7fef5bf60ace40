/**
 * The pure parts of CSV by COPY: record ends made CRLF across chunk boundaries, parameters read from
 * the transaction's setting (never pasted), and which column types are refused. The database side is
 * test/integration/csv-copy.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyCsvStatement, copyRefusal, parameterSettings, parametersJson, settingParameters } from '../../src/data/copy-csv.js';
import { replacePositionalParameters } from '../../src/data/sql-binding.js';
import type { ColumnSpec } from '../../src/domain/artifacts.js';
import { copiedCsvBytes, UnprintableValueError } from '../../src/render/copied-csv-bytes.js';
import { zonedIsoFormatter } from '../../src/render/zoned-timestamp.js';

test('record ends become CRLF, line breaks inside quoted fields stay, whatever the chunking', () => {
  const csv = '1,plain\n2,"two\nlines"\n3,"a ""quoted\r\n"" word"\n4,\n';
  const expected = '1,plain\r\n2,"two\nlines"\r\n3,"a ""quoted\r\n"" word"\r\n4,\r\n';
  const columns = [{ name: 'n', type: 'integer' as const }, { name: 'label', type: 'string' as const }];
  assert.equal(convertInChunks(csv, columns, 'UTC', 4), expected);
});

test('timestamps (UTC wall time from COPY) are printed in the zone as the staged path prints them, across chunks', () => {
  const columns = [{ name: 'at', type: 'timestamp' as const }, { name: 'label', type: 'string' as const }, { name: 'until', type: 'timestamp' as const }];
  const csv = [
    '2011-07-01 08:00:00,"a, ""b""\nc",2011-12-31 23:59:59.999999',
    ',empty at,',
    '2024-03-31 00:59:59.5,dst,0099-01-01 00:00:00.25',
    '',
  ].join('\n');
  const zone = 'Europe/London';
  const toZoned = zonedIsoFormatter(zone);
  const expected = [
    `${toZoned('2011-07-01T08:00:00.000Z')},"a, ""b""\nc",${toZoned('2011-12-31T23:59:59.999Z')}`,
    ',empty at,',
    `${toZoned('2024-03-31T00:59:59.500Z')},dst,${toZoned('0099-01-01T00:00:00.250Z')}`,
    '',
  ].join('\r\n');
  assert.equal(expected.split('\r\n')[0], '2011-07-01T09:00:00+01:00,"a, ""b""\nc",2011-12-31T23:59:59.999+00:00');
  assert.equal(convertInChunks(csv, columns, zone, 3), expected);
});

test('a timestamp JavaScript cannot hold is refused, naming the column', () => {
  const bytes = copiedCsvBytes([{ name: 'at', type: 'timestamp' }], 'UTC');
  assert.throws(() => bytes.convert(Buffer.from('infinity\n')), (err: Error) => err instanceof UnprintableValueError && /column at \(timestamp\): cannot print "infinity"/.test(err.message));
});

test('a stream cut inside a record is noticed', () => {
  const bytes = copiedCsvBytes([{ name: 'n', type: 'integer' }, { name: 'label', type: 'string' }], 'UTC');
  assert.equal(bytes.convert(Buffer.from('1,"open\n')).length, 0);
  assert.equal(bytes.pending, true);
  assert.equal(bytes.records, 0);
});

test('multi-byte UTF-8 passes unchanged', () => {
  const bytes = copiedCsvBytes([{ name: 'a', type: 'string' }, { name: 'b', type: 'string' }], 'UTC');
  assert.equal(bytes.convert(Buffer.from('東京,"ü\n✓"\n')).toString(), '東京,"ü\n✓"\r\n');
});

/** `csv` (of `records` records) through one converter in chunks of every size from 1 byte to whole; each must give the same text. */
function convertInChunks(csv: string, columns: ColumnSpec[], zone: string, records: number): string {
  const bytes = Buffer.from(csv);
  const results = new Set<string>();
  for (let size = 1; size <= bytes.length; size++) {
    const converter = copiedCsvBytes(columns, zone);
    const out: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) out.push(converter.convert(bytes.subarray(i, i + size)));
    assert.equal(converter.pending, false, `chunks of ${size} bytes`);
    assert.equal(converter.records, records);
    results.add(Buffer.concat(out).toString());
  }
  assert.equal(results.size, 1, 'the same text whatever the chunking');
  return [...results][0]!;
}

test('positional parameters are rewritten outside literals, identifiers and comments only', () => {
  const sql = `SELECT '$1', "$2", $$ $1 $$, $1 -- $2\n/* $1 */ + $12`;
  assert.equal(replacePositionalParameters(sql, (n) => `p${n}`), `SELECT '$1', "$2", $$ $1 $$, p1 -- $2\n/* $1 */ + p12`);
});

test('each parameter is read from its setting with the type the server inferred; NULLs as typed NULLs, arrays as arrays', () => {
  const values = [7, ['a', 'b'], null, new Date('2011-07-01T08:00:00.000Z'), "x'); DROP TABLE t;--", true];
  const text = settingParameters('SELECT * FROM t WHERE a = $1 AND b = ANY($2::text[]) AND ($3::int IS NULL OR c = $3) AND d >= $4 AND e = $5 AND f = $6', ['integer', 'text[]', 'integer', 'timestamp with time zone', 'text', 'boolean'], values);
  assert.match(text, /a = \(current_setting\('reportflow\.p1'\)::integer\)/);
  assert.match(text, /ANY\(\(SELECT CASE WHEN jsonb_typeof\(current_setting\('reportflow\.copy_parameters'\)::jsonb -> 1\) = 'array' THEN ARRAY\(SELECT jsonb_array_elements_text\(current_setting\('reportflow\.copy_parameters'\)::jsonb -> 1\)\)::text\[\] END\)::text\[\]\)/);
  assert.match(text, /\(\(NULL::integer\)::int IS NULL OR c = \(NULL::integer\)\)/);
  assert.match(text, /d >= \(current_setting\('reportflow\.p4'\)::timestamp with time zone\)/);
  assert.throws(() => settingParameters('SELECT $3', ['integer'], [1]), /parameter \$3 has no type/);
  // Values go into bound settings, not the SQL text; each scalar as `->>` reads it from the JSON array.
  assert.ok(!text.includes('DROP'));
  assert.deepEqual(parameterSettings(values), [
    { name: 'reportflow.copy_parameters', value: JSON.stringify(values) },
    { name: 'reportflow.p1', value: '7' },
    { name: 'reportflow.p4', value: '2011-07-01T08:00:00.000Z' },
    { name: 'reportflow.p5', value: "x'); DROP TABLE t;--" },
    { name: 'reportflow.p6', value: 'true' },
  ]);
  assert.equal(parametersJson(['x', undefined, ['a', 'b']]), JSON.stringify(['x', null, ['a', 'b']]));
});

test('columns are checked against the types the staged path prints unchanged', () => {
  const shape = { columns: [{ name: 'n', type: 'integer' as const }, { name: 'at', type: 'timestamp' as const }] };
  assert.equal(copyRefusal(shape, [{ name: 'n', dataTypeID: 20 }, { name: 'at', dataTypeID: 1184 }]), undefined);
  assert.equal(copyRefusal(shape, [{ name: 'n', dataTypeID: 1700 }, { name: 'at', dataTypeID: 1184 }]), 'column n (integer) has PostgreSQL type 1700');
  assert.equal(copyRefusal(shape, [{ name: 'n', dataTypeID: 20 }, { name: 'at', dataTypeID: 1114 }]), 'column at (timestamp) has PostgreSQL type 1114');
  assert.equal(copyRefusal(shape, [{ name: 'n', dataTypeID: 20 }]), 'the query has no column at');
  assert.match(copyRefusal({ ...shape, columns: [{ name: 'Bad"Name', type: 'string' }] }, [{ name: 'Bad"Name', dataTypeID: 25 }]) ?? '', /not a plain identifier/);
  assert.match(copyRefusal({ ...shape, orderBy: ['n; DROP'] }, [{ name: 'n', dataTypeID: 20 }, { name: 'at', dataTypeID: 1184 }]) ?? '', /not a plain identifier/);
});

test('the statement orders by the definition again, outside the query', () => {
  const sql = copyCsvStatement('SELECT n FROM t ORDER BY n DESC;\n', { columns: [{ name: 'n', type: 'integer' }], orderBy: ['n desc'] });
  assert.equal(sql, 'COPY (SELECT q."n"::text AS "n"\nFROM (\nSELECT n FROM t ORDER BY n DESC\n) AS q\nORDER BY q."n" DESC) TO STDOUT (FORMAT csv)');
});
