/**
 * CSV: streamed from the staged rows to the file, one batch at a time, so a 541,909-row export holds
 * one batch in memory. RFC 4180 via csv-stringify: comma-separated, CRLF line ends, fields quoted only
 * when they contain a comma, quote or line break (quotes doubled); a header row of the column names.
 * UTF-8 without BOM. Each batch of staged rows (see `readNdjsonBatches`) is stringified with
 * csv-stringify's sync API and written with backpressure: measured ~20% faster than piping rows one
 * by one through its stream API, with the same bytes.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import { readNdjsonBatches } from '../staging/ndjson.js';
import { cellTextFormatter } from './cell-text.js';
import { digestStream } from '../platform/digest-stream.js';
import { batchProgress } from './progress.js';
import type { Renderer, RenderInput, RenderOutput } from './renderer.js';

export class CsvRenderer implements Renderer {
  readonly contentType = 'text/csv; charset=utf-8';
  readonly extension = 'csv';

  /** @throws AbortError when `input.signal` aborts (the partial file is left for the caller). */
  async render(input: RenderInput): Promise<RenderOutput> {
    const toCells = cellTextFormatter(input.columns, input.validated.request.timezone);
    const options = { columns: input.columns.map((c) => c.name), record_delimiter: 'windows' as const, cast: { boolean: String } };
    const progress = batchProgress(input.onProgress);
    async function* chunks(): AsyncGenerator<string> {
      let header = true;
      for await (const batch of readNdjsonBatches(input.rowsPath, input.signal)) {
        yield stringify(batch.map(toCells), { ...options, header });
        header = false;
        progress.add(batch.length);
      }
      // A report without rows still gets its header line.
      if (header) yield stringify([], { ...options, header: true });
    }
    // pipeline writes with backpressure and, on an abort or a failed write, destroys both ends with their
    // errors handled: destroying a file stream by hand while a write is under way raises an 'error' event
    // (ERR_STREAM_DESTROYED) that nobody listens to, which ends the worker process.
    const measured = digestStream();
    await pipeline(Readable.from(chunks()), measured.stream, createWriteStream(input.outPath), { signal: input.signal });
    progress.finish();
    return measured.digest();
  }
}
