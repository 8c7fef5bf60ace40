/** HTML: the report's page as a standalone file (CSS inlined), the same page the PDF prints. */
import type { Renderer, RenderInput, RenderOutput } from './renderer.js';
import { writeWholeFile } from './write-whole.js';
import { renderReportHtml, type ReportHtmlOptions } from './report-html.js';

export class HtmlRenderer implements Renderer {
  readonly contentType = 'text/html; charset=utf-8';
  readonly extension = 'html';

  constructor(private readonly options: ReportHtmlOptions) {}

  /**
   * @throws ReportError('REPORT_TOO_LARGE') past `maxRows` rows.
   * @throws AbortError when `input.signal` aborts.
   */
  async render(input: RenderInput): Promise<RenderOutput> {
    const bytes = Buffer.from(await renderReportHtml(input, this.options), 'utf8');
    return writeWholeFile(input.outPath, bytes, input.signal);
  }
}
