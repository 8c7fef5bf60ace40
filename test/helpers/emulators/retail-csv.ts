/**
 * The big file for delivery tests: the shipped Online Retail dataset as plain CSV (a header and
 * 541,909 lines, about 45 MB), unpacked once into a temp folder, with its size and sha256.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import type { ColumnSpec } from '../../../src/domain/artifacts.js';
import { product } from '../decimal.js';

export interface BigCsv {
  path: string;
  sizeBytes: number;
  sha256: string;
  /** Lines including the header. */
  lines: number;
  remove(): Promise<void>;
}

const SOURCE = path.resolve(import.meta.dirname, '../../../data/online-retail/online_retail.csv.gz');

export async function onlineRetailCsv(): Promise<BigCsv> {
  const dir = await mkdtemp(path.join(tmpdir(), 'reportflow-bigcsv-'));
  const file = path.join(dir, 'ONLINE_RETAIL.csv');
  await pipeline(createReadStream(SOURCE), createGunzip(), createWriteStream(file));
  const { sha256, lines } = await digest(file);
  return { path: file, sizeBytes: (await stat(file)).size, sha256, lines, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** sha256 (hex) and newline count of a stream's bytes. */
export async function digestStream(stream: AsyncIterable<Buffer | Uint8Array>): Promise<{ sha256: string; sizeBytes: number; lines: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  let lines = 0;
  for await (const chunk of stream) {
    const buf = Buffer.from(chunk);
    hash.update(buf);
    sizeBytes += buf.length;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
  }
  return { sha256: hash.digest('hex'), sizeBytes, lines };
}

async function digest(file: string): Promise<{ sha256: string; lines: number }> {
  const { sha256, lines } = await digestStream(createReadStream(file));
  return { sha256, lines };
}

/** The columns of the staged Online Retail rows, as a report definition would declare them. */
export const ONLINE_RETAIL_COLUMNS: ColumnSpec[] = [
  { name: 'invoice_no', type: 'string' },
  { name: 'stock_code', type: 'string' },
  { name: 'description', type: 'string' },
  { name: 'quantity', type: 'integer' },
  { name: 'invoice_date', type: 'timestamp' },
  { name: 'unit_price', type: 'decimal' },
  { name: 'customer_id', type: 'string' },
  { name: 'country', type: 'string' },
];

/**
 * Stages the dataset as the query activity would (NDJSON, decimals as strings) into `file`.
 * @returns the row count and the exact SUM(quantity*unit_price), scaled by 10^6 (test/helpers/decimal.ts).
 */
export async function stageOnlineRetail(file: string): Promise<{ rows: number; sum: bigint }> {
  const out = createWriteStream(file);
  const records = createReadStream(SOURCE).pipe(createGunzip()).pipe(parse({ from_line: 2 }));
  let rows = 0;
  let sum = 0n;
  for await (const r of records as AsyncIterable<string[]>) {
    const [invoiceNo, stockCode, description, quantity, invoiceDate, unitPrice, customerId, country] = r;
    const row = {
      invoice_no: invoiceNo,
      stock_code: stockCode,
      description: description || null,
      quantity: Number(quantity),
      invoice_date: `${invoiceDate!.replace(' ', 'T')}.000Z`,
      unit_price: unitPrice,
      customer_id: customerId || null,
      country,
    };
    rows++;
    sum += product(quantity!, unitPrice!);
    if (!out.write(JSON.stringify(row) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { rows, sum };
}
