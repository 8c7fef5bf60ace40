/**
 * The invoices the peers render, made by reportflow's own code from the same database, so the peers
 * get exactly what reportflow renders: the report's query and parameter binding, the staged row format,
 * the template context and the Handlebars engine with the shipped template, partials, CSS and labels
 * (src/render/report-html.ts), and the PDF running header. One page per invoice of `INVOICE_IDS`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCatalog } from '../src/catalog/load-catalog.js';
import type { ReportDefinition } from '../src/catalog/report-definition.js';
import { validateRequest } from '../src/catalog/validate-request.js';
import { PgDatabase } from '../src/data/pg-database.js';
import { bindNamedParameters, queryParameters } from '../src/data/sql-binding.js';
import { lookupLabel } from '../src/render/labels.js';
import { runningHeaderTemplate } from '../src/render/pdf-renderer.js';
import { renderReportHtml } from '../src/render/report-html.js';
import { buildTemplateContext, type TemplateContext } from '../src/render/template-context.js';
import { createTemplateEngine } from '../src/render/template-engine.js';
import { NdjsonWriter, toStagedValue } from '../src/staging/ndjson.js';
import { PROJECT_ROOT } from '../test/helpers/service.js';
import { BENCH_LOCALE, INVOICE_IDS } from './reportflow-runs.js';

export const TEMPLATES_DIR = path.join(PROJECT_ROOT, 'templates');

/** One invoice as reportflow renders it. */
export interface InvoicePage {
  invoiceId: string;
  /** The complete HTML document reportflow prints (CSS inlined). */
  html: string;
  /** The data the template rendered, for peers that run the template themselves. */
  context: TemplateContext;
  /** Chromium's header template (document title, page numbers), as reportflow prints it. */
  header: string;
}

/** What a peer needs to run the INVOICE template itself. */
export interface InvoiceTemplate {
  /** The template file (`templates/INVOICE/invoice.hbs`). */
  templatePath: string;
  pages: InvoicePage[];
}

/**
 * Queries each invoice's rows from `databaseUrl` and renders its HTML with reportflow's engine.
 * `generated_at` is pinned to one instant so the same page can be rendered again identically.
 * @throws Error when the database cannot be read or an invoice has no rows.
 */
export async function buildInvoicePages(databaseUrl: string): Promise<InvoiceTemplate> {
  const catalog = loadCatalog(TEMPLATES_DIR);
  const definition = catalog.get('INVOICE')!;
  const engine = createTemplateEngine({ templatesDir: TEMPLATES_DIR });
  const now = new Date();
  const db = new PgDatabase({ url: databaseUrl, maxConnections: 1, applicationName: 'reportflow-bench' });
  const dir = await mkdtemp(path.join(tmpdir(), 'reportflow-bench-'));
  try {
    const pages: InvoicePage[] = [];
    for (const invoiceId of INVOICE_IDS) {
      const validated = validateRequest(catalog, {
        id: `bench-${invoiceId}`, tenantId: 'default', reportCode: 'INVOICE', format: 'PDF', ...BENCH_LOCALE,
        parameterValues: [{ name: 'invoice_id', value: invoiceId }], requestedAt: now.toISOString(),
      });
      const query = bindNamedParameters(definition.querySql, queryParameters(validated, Object.keys(definition.parameters.properties)));
      const rows = (await db.query(query.text, query.values)).map((row) => stage(definition, row));
      if (rows.length === 0) throw new Error(`invoice ${invoiceId} has no lines in ${databaseUrl}`);
      const rowsPath = path.join(dir, `${invoiceId}.ndjson`);
      const writer = new NdjsonWriter(rowsPath);
      await writer.writeMany(rows);
      await writer.close();
      const input = {
        definition, validated, rowsPath, rowCount: rows.length, columns: definition.columns,
        outPath: path.join(dir, `${invoiceId}.pdf`), signal: new AbortController().signal, onProgress: () => undefined,
      };
      const html = await renderReportHtml(input, { engine, maxRows: rows.length, now: () => now });
      const labels = engine.labels(definition.dir, BENCH_LOCALE.language);
      const context = buildTemplateContext(definition, validated, rows, labels, now);
      pages.push({ invoiceId, html, context, header: runningHeaderTemplate(lookupLabel(labels, 'page')) });
    }
    return { templatePath: path.join(definition.dir, definition.formats.PDF!.template!), pages };
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function stage(definition: ReportDefinition, row: Record<string, unknown>) {
  return Object.fromEntries(definition.columns.map((c) => [c.name, toStagedValue(row[c.name], c)]));
}
