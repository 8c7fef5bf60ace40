/** HTML: the report's page as a standalone file (CSS inlined), the same page the PDF prints. */
import { createHash } from 'node:crypto';
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
    const bytes = Buffer.from(await renderReportHtml(input, this.options), 'utf8');
    await writeFile(input.outPath, bytes, { signal: input.signal });
    return { sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
}
