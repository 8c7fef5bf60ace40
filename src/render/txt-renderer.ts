/**
 * TXT: plain text from the definition's text template (`formats.TXT.template`), values printed as
 * they are (no HTML escaping), UTF-8, for a plain-text invoice or a fixed-width file. Rows are read
 * into memory for the template, capped like PDF/HTML (`REPORTFLOW_PDF_MAX_ROWS`).
 */
import type { Renderer, RenderInput, RenderOutput } from './renderer.js';
import { writeWholeFile } from './write-whole.js';
import { renderReportText, type ReportHtmlOptions } from './report-html.js';

export class TxtRenderer implements Renderer {
  readonly contentType = 'text/plain; charset=utf-8';
  readonly extension = 'txt';

  constructor(private readonly options: ReportHtmlOptions) {}

  /**
   * @throws ReportError('REPORT_TOO_LARGE') past `maxRows` rows.
   * @throws AbortError when `input.signal` aborts.
   */
  async render(input: RenderInput): Promise<RenderOutput> {
    const bytes = Buffer.from(await renderReportText(input, this.options), 'utf8');
    return writeWholeFile(input.outPath, bytes, input.signal);
  }
}
