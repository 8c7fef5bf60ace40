/** pdfPageCount reads the page tree's /Count from the bytes, and says so when it cannot. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PDFDocument } from 'pdf-lib';
import { pdfPageCount } from '../../src/render/pdf/page-count.js';

async function pdfOf(pages: number, useObjectStreams: boolean): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage();
  return doc.save({ useObjectStreams });
}

void test('the page count of PDFs whose page tree is written as plain objects', async () => {
  for (const n of [1, 2, 37, 600]) assert.equal(pdfPageCount(await pdfOf(n, false)), n, `${n} pages`);
});

void test('a page tree inside a compressed object stream is not guessed: undefined, so the caller parses', async () => {
  assert.equal(pdfPageCount(await pdfOf(5, true)), undefined);
});

void test('the largest /Count of a /Pages node counts, whatever the key order, not /Count of other dictionaries', () => {
  const pdf = Buffer.from(
    '%PDF-1.4\n1 0 obj << /Count 999 /Type /Outlines >> endobj\n' +
      '2 0 obj << /Kids [3 0 R 4 0 R] /Count 12 /Type /Pages >> endobj\n' +
      '3 0 obj << /Type /Pages /Parent 2 0 R /Count 5 /Kids [] >> endobj\n' +
      '4 0 obj << /Type /Pages /Parent 2 0 R /Kids [] /Count 7 >> endobj\n%%EOF\n',
    'latin1',
  );
  assert.equal(pdfPageCount(pdf), 12);
});
