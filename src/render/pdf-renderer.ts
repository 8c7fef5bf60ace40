/**
 * PDF: the report's HTML page printed by the shared Chromium (A4, backgrounds on). The page gets no
 * network: JavaScript is off, every request except `data:`/`about:` is aborted and the page is put
 * offline, so a template (or data) that names an external URL cannot make the worker fetch it.
 */
import { PDFDocument } from 'pdf-lib';
import type { Page } from 'puppeteer-core';
import type { BrowserPool } from './pdf/browser-pool.js';
import { pdfPageCount } from './pdf/page-count.js';
import type { Renderer, RenderInput, RenderOutput } from './renderer.js';
import { writeWholeFile } from './write-whole.js';
import { renderReportHtml, type ReportHtmlOptions } from './report-html.js';
import { lookupLabel } from './labels.js';
import { inSpan } from '../observability/span.js';

export interface PdfRendererOptions extends ReportHtmlOptions {
  pool: BrowserPool;
  /** Limit for loading the page and for printing it, each, in ms. @default 120000 */
  timeoutMs?: number;
}

export class PdfRenderer implements Renderer {
  readonly contentType = 'application/pdf';
  readonly extension = 'pdf';

  constructor(private readonly options: PdfRendererOptions) {}

  /**
   * @returns the page count, and the file's size and sha256 (computed from the bytes in hand, so the
   *   file is not read back).
   * @throws ReportError('REPORT_TOO_LARGE') past `maxRows` rows.
   * @throws AbortError when `input.signal` aborts (the page is closed at once).
   * @throws Error (retryable) when Chromium cannot be launched, crashes or times out.
   */
  async render(input: RenderInput): Promise<RenderOutput> {
    const html = await renderReportHtml(input, this.options);
    const labels = this.options.engine.labels(input.definition.dir, input.validated.request.language);
    const header = runningHeaderTemplate(lookupLabel(labels, 'page'));
    const timeout = this.options.timeoutMs ?? 120_000;
    // Printing a long report takes a while (20,000 rows ≈ 570 pages ≈ 40 s on 2 cores); the render
    // activity heartbeats meanwhile (activities/keep-alive.ts).
    const pdf = await inSpan('chromium.render', { 'reportflow.rows': input.rowCount }, async (span) => {
      const printed = await this.options.pool.withPage((page) => printPage(page, html, header, timeout), input.signal);
      span.setAttribute('reportflow.size_bytes', printed.byteLength);
      return printed;
    });
    input.onProgress(input.rowCount);
    const written = await writeWholeFile(input.outPath, pdf, input.signal);
    const pages = pdfPageCount(pdf) ?? (await PDFDocument.load(pdf, { updateMetadata: false })).getPageCount();
    return { pages, ...written };
  }
}

/**
 * Prints `html` on `page` as every PDF report is printed (A4, backgrounds, `header` repeated at the
 * top of every page, 14/16/12/12 mm margins), waiting at most `timeout` ms for the load and as long
 * again for the print.
 * The renderer hands it pages the pool has locked down (see `lockDownPage`); `npm run bench` also
 * prints with it so its raw-Puppeteer figures print exactly the same PDF.
 * @returns the PDF bytes.
 * @throws TimeoutError when loading or printing takes longer than `timeout`.
 */
export async function printPage(page: Page, html: string, header: string, timeout: number): Promise<Uint8Array> {
  await page.setContent(html, { waitUntil: 'load', timeout });
  return page.pdf({
    format: 'A4',
    printBackground: true,
    tagged: false,
    displayHeaderFooter: true,
    headerTemplate: header,
    footerTemplate: '<span></span>',
    margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
    timeout,
  });
}

/**
 * The running header Chromium prints at the top of every page: the document's name on the left (its
 * HTML `<title>`, e.g. "Invoice 536365" or "Sales summary · 1 Jun 2011 – 31 Jul 2011"), and
 * `<pageLabel> <n> / <total>` on the right, so a page printed or read alone still says what it belongs to.
 * Chromium fills `title`, `pageNumber` and `totalPages` (escaped); the label is ours but escaped all the same.
 */
export function runningHeaderTemplate(pageLabel: string): string {
  const label = pageLabel.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<div style="font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; font-size: 8px; color: #666; width: 100%; margin: 0 12mm; display: flex; justify-content: space-between;"><span class="title"></span><span>${label} <span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`;
}
