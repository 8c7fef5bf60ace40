/**
 * Preview for template authors: the first rows of the template's dataset (at most `PREVIEW_MAX_ROWS`),
 * rendered synchronously in the same sandbox as a run (src/render/tenant-template-engine.ts). Text
 * formats come out as the run makes them; a PDF template previews as its HTML page, which the API
 * renders without a browser (the run prints that page with the worker's locked-down Chromium). Labels are the dataset's (its
 * definition folder sits in the templates folder, beside `_shared/`).
 */
import path from 'node:path';
import type { Catalog } from '../catalog/load-catalog.js';
import { requestColumns } from '../catalog/column-expansions.js';
import type { ReportDefinition } from '../catalog/report-definition.js';
import { validateRequest } from '../catalog/validate-request.js';
import type { Queryable } from '../data/database.js';
import { applyFilters } from '../data/filter-sql.js';
import { bindNamedParameters, queryParameters } from '../data/sql-binding.js';
import type { ReportRequest } from '../domain/report-request.js';
import { loadLabels } from '../render/labels.js';
import { buildTemplateContext } from '../render/template-context.js';
import type { TenantTemplateEngine } from '../render/tenant-template-engine.js';
import { toStagedValue } from '../staging/ndjson.js';
import { asSubquery } from '../data/sql-subquery.js';

/** The rendered preview: its text and the media type it is served with. */
export interface Preview {
  text: string;
  contentType: string;
}

const MEDIA: Record<string, string> = { PDF: 'text/html; charset=utf-8', HTML: 'text/html; charset=utf-8', TXT: 'text/plain; charset=utf-8', CSV: 'text/csv; charset=utf-8', XML: 'application/xml; charset=utf-8' };

/**
 * Validates `request` against `definition` (a template's), reads its first `rows` rows and renders them.
 * @throws ReportError on bad parameters or filters (as a run's validation), or from the render
 *   (`TEMPLATE_RENDER_FAILED`, `REPORT_TOO_LARGE`); database errors as they come.
 */
export async function renderPreview(
  deps: { db: Queryable; engine: TenantTemplateEngine; now?: () => Date },
  definition: ReportDefinition,
  request: ReportRequest,
  rows: number,
): Promise<Preview> {
  const catalog: Catalog = new Map([[definition.code, definition]]);
  const validated = validateRequest(catalog, request);
  const query = bindNamedParameters(definition.querySql, queryParameters(validated, Object.keys(definition.parameters.properties)));
  const filtered = applyFilters(definition, query, validated.filters);
  const limit = filtered.values.length + 1;
  const sql = `SELECT * FROM ${asSubquery(filtered.text, 'preview')} LIMIT $${limit}`;
  const columns = requestColumns(definition.columns, validated.parameters);
  const found = await deps.db.query(sql, [...filtered.values, rows]);
  const staged = found.map((row) => Object.fromEntries(columns.map((c) => {
    const value = c.index === undefined ? row[c.source] : (row[c.source] as unknown[] | undefined)?.[c.index];
    return [c.name, toStagedValue(value, c)];
  })));
  const labels = loadLabels(path.dirname(definition.dir), definition.dir, request.language);
  const context = buildTemplateContext(definition, validated, staged, labels, (deps.now ?? (() => new Date()))());
  const source = definition.tenantTemplate!;
  return { text: deps.engine.render({ format: source.format, body: source.body }, context), contentType: MEDIA[source.format] ?? 'text/plain; charset=utf-8' };
}
