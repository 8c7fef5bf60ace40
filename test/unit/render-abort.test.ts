/**
 * A cancelled render must fail only itself: whatever the renderer had in flight when the cancel came
 * (a file write under way, a read of the staged rows), it rejects with an AbortError, and nothing it
 * opened raises an 'error' event later, which in a worker would be an uncaught exception that ends the
 * process and every other run in it (seen: ERR_STREAM_DESTROYED after cancelling a full CSV).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CsvRenderer } from '../../src/render/csv-renderer.js';
import type { Renderer } from '../../src/render/renderer.js';
import { XlsxRenderer } from '../../src/render/xlsx-renderer.js';
import { XmlRenderer } from '../../src/render/xml-renderer.js';
import { fixture, renderInput, shippedCatalog, tempDir, validated } from '../fixtures/render-fixtures.js';

/** Uncaught exceptions raised while `fn` runs and for `settleMs` after it. */
async function uncaughtDuring(fn: () => Promise<void>, settleMs = 300): Promise<Error[]> {
  const seen: Error[] = [];
  const listener = (err: Error) => seen.push(err);
  process.on('uncaughtException', listener);
  try {
    await fn();
    await sleep(settleMs);
  } finally {
    process.off('uncaughtException', listener);
  }
  return seen;
}

const RENDERERS: [string, () => Renderer][] = [
  ['CSV', () => new CsvRenderer()],
  ['XML', () => new XmlRenderer()],
  ['XLSX', () => new XlsxRenderer()],
];

for (const [format, make] of RENDERERS) {
  for (const when of ['at the first progress report', 'at random moments while it writes'] as const) {
    void test(`a ${format} render cancelled ${when} rejects with AbortError and leaves no stream error behind`, async () => {
      const dir = tempDir('rf-abort-');
      const rowsPath = path.join(dir, 'rows.ndjson');
      const line = readFileSync(fixture('invoice-lines-sample.ndjson'), 'utf8').split('\n')[0]!;
      writeFileSync(rowsPath, (line + '\n').repeat(200_000));
      const request = validated(shippedCatalog(), 'INVOICE_LINES', { from_date: '2010-12-01', to_date: '2011-12-09' }, { format: format as 'CSV' | 'XML' | 'XLSX' });
      for (let round = 0; round < 20; round++) {
        const ac = new AbortController();
        const input = renderInput(shippedCatalog().get('INVOICE_LINES')!, request, rowsPath, path.join(dir, `out-${round}.${format}`), {
          signal: ac.signal,
          onProgress: () => when === 'at the first progress report' && ac.abort(),
        });
        const uncaught = await uncaughtDuring(async () => {
          const rendering = make().render(input);
          // Spread over the first ~40 ms: some land while a file write is under way, some between reads.
          if (when === 'at random moments while it writes') setTimeout(() => ac.abort(), 2 * round);
          await assert.rejects(rendering, { name: 'AbortError' });
        });
        assert.deepEqual(uncaught.map((e) => `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`), [], `round ${round}: uncaught errors after the cancel`);
      }
    });
  }
}
