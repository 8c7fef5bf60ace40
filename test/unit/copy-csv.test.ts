/**
 * The pure parts of CSV by COPY: record ends made CRLF across chunk boundaries, parameters read from
 * the transaction's setting (never pasted), and which column types are refused. The database side is
 * test/integration/csv-copy.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyCsvStatement, copyRefusal, parametersJson, settingParameters } from '../../src/data/copy-csv.js';
import { replacePositionalParameters } from '../../src/data/sql-binding.js';
import { crlfRecordEnds } from '../../src/render/csv-record-ends.js';

test('record ends become CRLF, line breaks inside quoted fields stay, whatever the chunking', () => {
  const csv = '1,plain\n2,"two\nlines"\n3,"a ""quoted\r\n"" word"\n4,\n';
  const expected = '1,plain\r\n2,"two\nlines"\r\n3,"a ""quoted\r\n"" word"\r\n4,\r\n';
  const bytes = Buffer.from(csv);
  for (let size = 1; size <= bytes.length; size++) {
    const ends = crlfRecordEnds();
    const out: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) out.push(ends.convert(bytes.subarray(i, i + size)));
    assert.equal(Buffer.concat(out).toString(), expected, `chunks of ${size} bytes`);
    assert.equal(ends.records, 4);
    assert.equal(ends.insideQuotes, false);
  }
});

test('a stream cut inside a quoted field is noticed', () => {
  const ends = crlfRecordEnds();
  ends.convert(Buffer.from('1,"open\n'));
  assert.equal(ends.insideQuotes, true);
  assert.equal(ends.records, 0);
});

test('multi-byte UTF-8 passes unchanged', () => {
  const ends = crlfRecordEnds();
  assert.equal(ends.convert(Buffer.from('東京,"ü\n✓"\n')).toString(), '東京,"ü\n✓"\r\n');
});

test('positional parameters are rewritten outside literals, identifiers and comments only', () => {
  const sql = `SELECT '$1', "$2", $$ $1 $$, $1 -- $2\n/* $1 */ + $12`;
  assert.equal(replacePositionalParameters(sql, (n) => `p${n}`), `SELECT '$1', "$2", $$ $1 $$, p1 -- $2\n/* $1 */ + p12`);
});

test('each parameter is read from the setting with the type the server inferred; arrays as arrays', () => {
  const text = settingParameters('SELECT * FROM t WHERE a = $1 AND b = ANY($2::text[])', ['integer', 'text[]']);
  assert.match(text, /a = \(SELECT \(current_setting\('reportflow\.copy_parameters'\)::jsonb ->> 0\)::integer\)/);
  assert.match(text, /ANY\(\(SELECT CASE WHEN jsonb_typeof\(current_setting\('reportflow\.copy_parameters'\)::jsonb -> 1\) = 'array' THEN ARRAY\(SELECT jsonb_array_elements_text\(current_setting\('reportflow\.copy_parameters'\)::jsonb -> 1\)\)::text\[\] END\)::text\[\]\)/);
  assert.throws(() => settingParameters('SELECT $3', ['integer']), /parameter \$3 has no type/);
  // Values go into the bound JSON, not the SQL text.
  const evil = "x'); DROP TABLE t;--";
  assert.equal(parametersJson([evil, undefined, ['a', 'b']]), JSON.stringify([evil, null, ['a', 'b']]));
  assert.ok(!text.includes(evil));
});

test('columns are checked against the types the staged path prints unchanged', () => {
  const shape = { columns: [{ name: 'n', type: 'integer' as const }, { name: 'at', type: 'timestamp' as const }], timezone: 'UTC' };
  assert.equal(copyRefusal(shape, [{ name: 'n', dataTypeID: 20 }, { name: 'at', dataTypeID: 1184 }]), undefined);
  assert.equal(copyRefusal(shape, [{ name: 'n', dataTypeID: 1700 }, { name: 'at', dataTypeID: 1184 }]), 'column n (integer) has PostgreSQL type 1700');
  assert.equal(copyRefusal(shape, [{ name: 'n', dataTypeID: 20 }, { name: 'at', dataTypeID: 1114 }]), 'column at (timestamp) has PostgreSQL type 1114');
  assert.equal(copyRefusal(shape, [{ name: 'n', dataTypeID: 20 }]), 'the query has no column at');
  assert.match(copyRefusal({ ...shape, columns: [{ name: 'Bad"Name', type: 'string' }] }, [{ name: 'Bad"Name', dataTypeID: 25 }]) ?? '', /not a plain identifier/);
  assert.match(copyRefusal({ ...shape, orderBy: ['n; DROP'] }, [{ name: 'n', dataTypeID: 20 }, { name: 'at', dataTypeID: 1184 }]) ?? '', /not a plain identifier/);
});

test('the statement orders by the definition again, outside the query', () => {
  const sql = copyCsvStatement('SELECT n FROM t ORDER BY n DESC;\n', { columns: [{ name: 'n', type: 'integer' }], timezone: 'UTC', orderBy: ['n desc'] });
  assert.equal(sql, 'COPY (SELECT q."n"::text AS "n"\nFROM (\nSELECT n FROM t ORDER BY n DESC\n) AS q\nORDER BY q."n" DESC) TO STDOUT (FORMAT csv)');
});
