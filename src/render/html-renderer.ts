/** HTML: the report's page as a standalone file (CSS inlined), the same page the PDF prints. */
import { writeFile } from 'node:fs/promises';
import type { Renderer, RenderInput, RenderOutput } from './renderer.js';
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
    const html = await renderReportHtml(input, this.options);
    await writeFile(input.outPath, html, { encoding: 'utf8', signal: input.signal });
    return {};
  }
}
