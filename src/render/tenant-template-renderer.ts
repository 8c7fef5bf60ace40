/**
 * CSV and XML from a tenant's template: the built-in CSV and XML renderers stream a fixed layout;
 * a run of a tenant template (`definition.tenantTemplate`) renders its own layout instead, rows read
 * into memory and capped like PDF/HTML/TXT (`REPORTFLOW_PDF_MAX_ROWS`). `tenantAware` picks one of
 * the two per run, so the renderer registry keeps one renderer per format.
 */
import type { CopiedRenderInput, Renderer, RenderInput, RenderOutput } from './renderer.js';
import { renderTenantTemplate, type ReportHtmlOptions } from './report-html.js';
import { writeWholeFile } from './write-whole.js';

/** `builtIn` for catalog reports, the template's text for tenant templates, with `builtIn`'s type and extension. */
export function tenantAware(builtIn: Renderer, options: ReportHtmlOptions): Renderer {
  return {
    contentType: builtIn.contentType,
    extension: builtIn.extension,
    async render(input: RenderInput): Promise<RenderOutput> {
      if (!input.definition.tenantTemplate) return builtIn.render(input);
      const bytes = Buffer.from(await renderTenantTemplate(input, options), 'utf8');
      return writeWholeFile(input.outPath, bytes, input.signal);
    },
    // The database's CSV is the built-in layout: a tenant template's run never takes it.
    ...(builtIn.renderCopied
      ? {
          renderCopied(input: CopiedRenderInput, csv: AsyncIterable<Buffer>) {
            if (input.definition.tenantTemplate) throw new Error('a tenant template renders its own layout, not the database\'s CSV');
            return builtIn.renderCopied!(input, csv);
          },
        }
      : {}),
  };
}
