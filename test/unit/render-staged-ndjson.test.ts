import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NdjsonWriter, readNdjson, toStagedValue, type StagedRow } from '../../src/staging/ndjson.js';
import { tempDir } from '../fixtures/render-fixtures.js';

const tmp = () => tempDir('rf-ndjson-');

async function collect(rows: AsyncIterable<StagedRow>): Promise<StagedRow[]> {
  const out: StagedRow[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

test('what the writer writes the reader reads back, with count, size and sha256 of the file', async () => {
  const file = path.join(tmp(), 'rows.ndjson');
  const rows: StagedRow[] = [
    { invoice_no: '536365', unit_price: '2.55', quantity: 6, customer_id: null, description: 'línea "1"\nwith newline £' },
    { invoice_no: 'C536379', unit_price: '27.5', quantity: -1, customer_id: 14527, description: null },
  ];
  const writer = new NdjsonWriter(file);
  for (const r of rows) await writer.write(r);
  const summary = await writer.close();
  const bytes = readFileSync(file);
  assert.equal(summary.rows, 2);
  assert.equal(summary.sizeBytes, statSync(file).size);
  assert.equal(summary.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(bytes.toString('utf8').split('\n').length, 3, 'one line per row, newline-terminated');
  assert.deepEqual(await collect(readNdjson(file)), rows);
});

test('the writer waits for the disk (backpressure) and still writes every row', async () => {
  const file = path.join(tmp(), 'big.ndjson');
  const writer = new NdjsonWriter(file);
  const row = { description: 'x'.repeat(1000) };
  for (let i = 0; i < 5000; i++) await writer.write(row);
  const summary = await writer.close();
  assert.equal(summary.rows, 5000);
  assert.equal(statSync(file).size, summary.sizeBytes);
});

test('the reader names the line of a broken row', async () => {
  const file = path.join(tmp(), 'bad.ndjson');
  writeFileSync(file, '{"a":1}\n\n{"a":\n');
  await assert.rejects(collect(readNdjson(file)), (err: Error) => err instanceof SyntaxError && /bad\.ndjson:3:/.test(err.message));
  writeFileSync(file, '[1,2]\n');
  await assert.rejects(collect(readNdjson(file)), /not a JSON object/);
});

test('an aborted read stops with an AbortError', async () => {
  const file = path.join(tmp(), 'rows.ndjson');
  writeFileSync(file, '{"a":1}\n'.repeat(100_000));
  const ac = new AbortController();
  let seen = 0;
  await assert.rejects(async () => {
    for await (const _ of readNdjson(file, ac.signal)) if (++seen === 10) ac.abort();
  }, { name: 'AbortError' });
  assert.ok(seen < 100_000);
});

test('driver values map to the staged format of their column type', () => {
  const col = (type: 'string' | 'integer' | 'decimal' | 'boolean' | 'date' | 'timestamp') => ({ name: 'c', type });
  assert.equal(toStagedValue(new Date('2010-12-01T08:26:00Z'), col('timestamp')), '2010-12-01T08:26:00.000Z');
  assert.equal(toStagedValue('2011-07-01 09:00:00+01', col('timestamp')), '2011-07-01T08:00:00.000Z');
  assert.equal(toStagedValue('2.55', col('decimal')), '2.55');
  assert.equal(toStagedValue('-11062.06', col('decimal')), '-11062.06');
  assert.equal(toStagedValue(6, col('integer')), 6);
  assert.equal(toStagedValue('541909', col('integer')), 541909);
  assert.equal(toStagedValue('9007199254740993', col('integer')), '9007199254740993', 'past 2^53 an int8 keeps its digits');
  assert.equal(toStagedValue(new Date(2011, 6, 1), col('date')), '2011-07-01', 'pg builds DATEs at local midnight');
  assert.equal(toStagedValue('2011-07-01', col('date')), '2011-07-01');
  assert.equal(toStagedValue(true, col('boolean')), true);
  assert.equal(toStagedValue('f', col('boolean')), false);
  assert.equal(toStagedValue(17850, col('string')), '17850');
  assert.equal(toStagedValue(null, col('decimal')), null);
  assert.equal(toStagedValue(undefined, col('timestamp')), null);
});

test('a value its column type cannot hold is a definition bug, named by column', () => {
  assert.throws(() => toStagedValue('abc', { name: 'unit_price', type: 'decimal' }), /unit_price \(decimal\)/);
  assert.throws(() => toStagedValue(1.5, { name: 'quantity', type: 'integer' }), TypeError);
  assert.throws(() => toStagedValue('not a time', { name: 'invoice_date', type: 'timestamp' }), TypeError);
  assert.throws(() => toStagedValue('yes', { name: 'flag', type: 'boolean' }), TypeError);
});

test('writeMany stages the same bytes, rows and sha256 as writing row by row', async () => {
  const dir = tempDir();
  const rows: StagedRow[] = [{ a: 1, b: 'x' }, { a: 2, b: null }, { a: 3, b: 'ø "quoted"' }];
  const one = new NdjsonWriter(path.join(dir, 'one.ndjson'));
  for (const row of rows) await one.write(row);
  const many = new NdjsonWriter(path.join(dir, 'many.ndjson'));
  await many.writeMany(rows.slice(0, 2));
  await many.writeMany([]);
  await many.writeMany(rows.slice(2));
  const [a, b] = [await one.close(), await many.close()];
  assert.deepEqual(b, a);
  assert.equal(readFileSync(path.join(dir, 'many.ndjson'), 'utf8'), readFileSync(path.join(dir, 'one.ndjson'), 'utf8'));
});
