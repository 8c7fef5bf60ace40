/**
 * CSV: streamed from the staged rows to the file, so a 541,909-row export holds one chunk in memory.
 * RFC 4180: comma-separated, CRLF line ends, fields quoted only when they contain a comma, quote or
 * line break (quotes doubled); a header row of the column names. UTF-8 without BOM.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { readNdjson } from '../staging/ndjson.js';
import { cellTextFormatter, type CellTexts } from './cell-text.js';
import { PROGRESS_EVERY_ROWS } from './progress.js';
import type { Renderer, RenderInput, RenderOutput } from './renderer.js';

export class CsvRenderer implements Renderer {
  readonly contentType = 'text/csv; charset=utf-8';
  readonly extension = 'csv';

  /** @throws AbortError when `input.signal` aborts (the partial file is left for the caller). */
  async render(input: RenderInput): Promise<RenderOutput> {
    const toCells = cellTextFormatter(input.columns, input.validated.request.timezone);
    async function* records(): AsyncGenerator<CellTexts> {
      let done = 0;
      for await (const row of readNdjson(input.rowsPath, input.signal)) {
        yield toCells(row);
        if (++done % PROGRESS_EVERY_ROWS === 0) input.onProgress(done);
      }
      input.onProgress(done);
    }
    // pipeline pulls from the generator only as fast as the file accepts data (backpressure) and
    // destroys every stage when the signal aborts.
    await pipeline(
      Readable.from(records()),
      stringify({ header: true, columns: input.columns.map((c) => c.name), record_delimiter: 'windows', cast: { boolean: String } }),
      createWriteStream(input.outPath),
      { signal: input.signal },
    );
    return {};
  }
}
