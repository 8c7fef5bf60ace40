/**
 * Staged rows → the report's HTML page (shared by the HTML renderer and the PDF recipe). Rows are
 * read into memory for the template, so their number is capped by `pdfMaxRows`.
 */
import path from 'node:path';
import { ReportError } from '../domain/errors.js';
import { readNdjson, type StagedRow } from '../staging/ndjson.js';
import type { RenderInput } from './renderer.js';
import { buildTemplateContext } from './template-context.js';
import type { TemplateEngine } from './template-engine.js';

export interface ReportHtmlOptions {
  engine: TemplateEngine;
  /** Most rows a page may hold (config.pdfMaxRows). */
  maxRows: number;
  /** Clock for `generated_at`. */
  now: () => Date;
}

/**
 * @returns the complete HTML document (CSS inlined; no external resources needed).
 * @throws ReportError('REPORT_TOO_LARGE') when the staged rows exceed `maxRows`.
 * @throws Error when the definition has no PDF/HTML template (a catalog bug).
 */
export async function renderReportHtml(input: RenderInput, options: ReportHtmlOptions): Promise<string> {
  const { definition } = input;
  if (definition.tenantTemplate) return renderTenantTemplate(input, options);
  const format = input.validated.request.format;
  const template = definition.formats[format]?.template ?? definition.formats.HTML?.template ?? definition.formats.PDF?.template;
  if (!template) throw new Error(`report ${definition.code} has no template for ${format}`);
  return renderReportTemplate(input, options, template, false);
}

/**
 * Staged rows → the text of the definition's TXT template (values unescaped).
 * @throws ReportError('REPORT_TOO_LARGE') when the staged rows exceed `maxRows`.
 * @throws Error when the definition has no TXT template (the catalog refuses such a definition).
 */
export async function renderReportText(input: RenderInput, options: ReportHtmlOptions): Promise<string> {
  if (input.definition.tenantTemplate) return renderTenantTemplate(input, options);
  const template = input.definition.formats.TXT?.template;
  if (!template) throw new Error(`report ${input.definition.code} has no TXT template`);
  return renderReportTemplate(input, options, template, true);
}

async function renderReportTemplate(input: RenderInput, options: ReportHtmlOptions, template: string, text: boolean): Promise<string> {
  const { definition, validated } = input;
  const rows = await readRowsCapped(input, options.maxRows);
  const labels = options.engine.labels(definition.dir, validated.request.language);
  const context = buildTemplateContext(definition, validated, rows, labels, options.now());
  return options.engine.render(path.resolve(definition.dir, template), context, { text });
}

/**
 * Staged rows → the text of a tenant template (`definition.tenantTemplate`, any format), escaped for its format.
 * @throws ReportError('REPORT_TOO_LARGE') past `maxRows` rows or the output cap; ReportError('TEMPLATE_RENDER_FAILED').
 */
export async function renderTenantTemplate(input: RenderInput, options: ReportHtmlOptions): Promise<string> {
  const { definition, validated } = input;
  const source = definition.tenantTemplate!;
  const rows = await readRowsCapped(input, options.maxRows);
  const labels = options.engine.labels(definition.dir, validated.request.language);
  return options.engine.renderTenant(source, buildTemplateContext(definition, validated, rows, labels, options.now()));
}

async function readRowsCapped(input: RenderInput, maxRows: number): Promise<StagedRow[]> {
  if (input.rowCount > maxRows) throw tooLarge(input, input.rowCount, maxRows);
  const rows: StagedRow[] = [];
  for await (const row of readNdjson(input.rowsPath, input.signal)) {
    // The staged count is trusted first, but a file longer than announced must not exhaust memory.
    if (rows.length >= maxRows) throw tooLarge(input, rows.length + 1, maxRows);
    rows.push(row);
  }
  input.onProgress(rows.length);
  return rows;
}

function tooLarge(input: RenderInput, rows: number, maxRows: number): ReportError {
  const format = input.validated.request.format;
  return new ReportError(
    'REPORT_TOO_LARGE',
    `The report has ${rows} rows; ${format} allows at most ${maxRows}. Narrow the parameters or ask for CSV, XML or XLSX.`,
    [{ field: 'format', code: 'REPORT_TOO_LARGE', message: `${format} allows at most ${maxRows} rows.` }],
  );
}
