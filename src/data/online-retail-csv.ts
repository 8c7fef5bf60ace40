/**
 * Reads the shipped Online Retail CSV (gzipped) as batches of column arrays, ready to be bound as
 * the array parameters of one `INSERT … SELECT FROM unnest(…)` per batch. Streams: memory holds one
 * batch, whatever the file size.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { ONLINE_RETAIL } from './datasets.js';

/**
 * One batch of CSV rows, column by column, values as the source text (no float rounding). Empty
 * `description` and `customerId` fields are null.
 */
export interface InvoiceLineBatch {
  /** 1-based data row number in the CSV (the header is row 0). */
  lineNo: number[];
  invoiceNo: string[];
  stockCode: string[];
  description: (string | null)[];
  quantity: string[];
  /** `YYYY-MM-DD HH:MM:SS`, UK wall-clock time without offset. */
  invoiceDate: string[];
  /** GBP, decimal text such as `2.55`. */
  unitPrice: string[];
  customerId: (string | null)[];
  country: string[];
}

function emptyBatch(): InvoiceLineBatch {
  return { lineNo: [], invoiceNo: [], stockCode: [], description: [], quantity: [], invoiceDate: [], unitPrice: [], customerId: [], country: [] };
}

/**
 * @param file path of online_retail.csv.gz
 * @param batchRows rows per batch (the last batch may be smaller)
 * @throws Error when the file is missing or unreadable, is not gzip, does not start with the
 *   expected header, or a row does not have 8 fields (the message names the row).
 */
export async function* readOnlineRetailBatches(file: string, batchRows: number): AsyncGenerator<InvoiceLineBatch> {
  const records = parse();
  // pipeline (not .pipe) so a read or gunzip error reaches the parser, and so the loop below, as a throw.
  pipeline(createReadStream(file), createGunzip(), records, () => undefined);
  let lineNo = -1;
  let batch = emptyBatch();
  try {
    for await (const record of records as AsyncIterable<string[]>) {
      lineNo++;
      if (lineNo === 0) {
        if (record.join(',') !== ONLINE_RETAIL.header.join(',')) throw new Error(`${file}: unexpected header "${record.join(',')}"`);
        continue;
      }
      const [invoiceNo, stockCode, description, quantity, invoiceDate, unitPrice, customerId, country] = record;
      if (country === undefined || record.length !== 8) throw new Error(`${file}: row ${lineNo} has ${record.length} fields, expected 8`);
      batch.lineNo.push(lineNo);
      batch.invoiceNo.push(invoiceNo!);
      batch.stockCode.push(stockCode!);
      batch.description.push(description === '' ? null : description!);
      batch.quantity.push(quantity!);
      batch.invoiceDate.push(invoiceDate!);
      batch.unitPrice.push(unitPrice!);
      batch.customerId.push(customerId === '' ? null : customerId!);
      batch.country.push(country);
      if (batch.lineNo.length >= batchRows) {
        yield batch;
        batch = emptyBatch();
      }
    }
  } finally {
    // Stops reading (and closes the file) when the consumer gives up early or a row is bad.
    records.destroy();
  }
  if (batch.lineNo.length > 0) yield batch;
}
