/**
 * format_type PARQUET: the 541,909 staged Online Retail rows become a Parquet file that a Parquet
 * reader (hyparquet) reads back whole — row count, column types and SUM(quantity*unit_price) match the
 * source — and writing it again gives the same bytes (so a retried export keeps the one object).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { writeParquet } from '../../src/destinations/parquet-file.js';
import { ONLINE_RETAIL_COLUMNS, stageOnlineRetail } from '../helpers/emulators/retail-csv.js';

let dir: string;
let staged: string;
let source: { rows: number; sum: bigint };
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'reportflow-parquet-'));
  staged = path.join(dir, 'rows.ndjson');
  source = await stageOnlineRetail(staged);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

void test('the 541,909 Online Retail rows read back whole from the Parquet file, with exact totals', { timeout: 600_000 }, async () => {
  const file = path.join(dir, 'ONLINE_RETAIL.parquet');
  const written = await writeParquet(staged, ONLINE_RETAIL_COLUMNS, file);
  assert.equal(written.rows, 541_909);

  const buffer = await asyncBufferFromFile(file);
  const meta = await parquetMetadataAsync(buffer);
  assert.equal(Number(meta.num_rows), source.rows);
  const types = Object.fromEntries(meta.schema.slice(1).map((e) => [e.name, e.converted_type ?? e.type]));
  assert.deepEqual(types, { invoice_no: 'UTF8', stock_code: 'UTF8', description: 'UTF8', quantity: 'INT_64', invoice_date: 'TIMESTAMP_MILLIS', unit_price: 'DECIMAL', customer_id: 'UTF8', country: 'UTF8' });

  const rows = (await parquetReadObjects({ file: buffer, columns: ['quantity', 'unit_price', 'invoice_date'] })) as { quantity: bigint; unit_price: number; invoice_date: Date }[];
  assert.equal(rows.length, source.rows);
  // Prices have at most 3 decimals: in thousandths every product is an exact integer.
  let milli = 0n;
  for (const r of rows) milli += BigInt(r.quantity) * BigInt(Math.round(r.unit_price * 1000));
  assert.equal(milli * 1000n, source.sum, 'SUM(quantity*unit_price) matches the source exactly');
  assert.equal(rows[0]!.invoice_date.toISOString(), '2010-12-01T08:26:00.000Z');

  const again = await writeParquet(staged, ONLINE_RETAIL_COLUMNS, path.join(dir, 'again.parquet'));
  assert.equal(again.sha256, written.sha256, 'the same rows give the same bytes');
});
