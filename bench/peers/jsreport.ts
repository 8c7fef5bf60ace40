/**
 * jsreport-core in this process (@jsreport/jsreport-core + jsreport-handlebars + jsreport-chrome-pdf)
 * rendering the shipped INVOICE template with the same data as reportflow.
 *
 * Same template, same helpers: jsreport's Handlebars engine gets `templates/INVOICE/invoice.hbs` as is,
 * the shared partials and CSS as Handlebars partials, and reportflow's own helper code
 * (src/render/helpers, bundled by esbuild into jsreport's `helpers` script), so its output is
 * reportflow's HTML byte for byte (`checkSameHtml` proves it before anything is timed) and the
 * figures include jsreport's templating as well as its printing. Handing jsreport the finished HTML
 * (engine `none`) would leave its template engine out of the comparison.
 *
 * Configuration, for the figures' sake: `trustUserCode: true` (no SES sandbox: reportflow runs its
 * templates unsandboxed too); as many worker threads (`workers.numberOfWorkers`) as concurrent
 * requests, so templating never waits for a thread; and `browsers` pooled Chromium instances
 * (`chrome.strategy: 'chrome-pool'`, `numberOfWorkers`; each prints one page at a time). With jsreport's
 * defaults (2 threads, 1 browser) it would print one PDF at a time whatever the load; the benchmark
 * gives it as many browsers as reportflow has pages printing at once (`REPORTFLOW_PDF_MAX_PAGES`, capped
 * at the concurrency), unless told otherwise.
 * Chromium: the system one, with reportflow's flags; the PDF options are reportflow's (A4, backgrounds,
 * the same margins and running header with page numbers).
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collectionHelpers } from '../../src/render/helpers/collection-helpers.js';
import { formatHelpers } from '../../src/render/helpers/format-helpers.js';
import { labelHelpers } from '../../src/render/helpers/label-helper.js';
import { chromiumLaunchOptions } from '../../src/render/pdf/browser-pool.js';
import type { InvoicePage, InvoiceTemplate } from '../invoice-pages.js';
import { TEMPLATES_DIR } from '../invoice-pages.js';
import { PROJECT_ROOT } from '../../test/helpers/service.js';
import { requirePeer } from './install.js';

/** The parts of jsreport's API used here. */
interface Jsreport {
  use(extension: unknown): Jsreport;
  init(): Promise<unknown>;
  render(request: { template: Record<string, unknown>; data: unknown }): Promise<{ output: { getBuffer(): Promise<Buffer> } }>;
  close(): Promise<void>;
}

/** One jsreport instance sized for `concurrency` renders at once. */
export interface JsreportPeer {
  /** Renders `page`'s invoice from the template and its data, to PDF bytes. */
  renderPdf(page: InvoicePage): Promise<Buffer>;
  /** Renders `page`'s invoice to HTML (recipe `html`). */
  renderHtml(page: InvoicePage): Promise<string>;
  close(): Promise<void>;
}

/** reportflow's helper modules (src/render/helpers/index.ts registers the same three). */
const HELPER_MODULES = { labelHelpers: 'label-helper', formatHelpers: 'format-helpers', collectionHelpers: 'collection-helpers' } as const;
const HELPER_NAMES = Object.keys({ ...labelHelpers, ...formatHelpers, ...collectionHelpers });

/**
 * Starts jsreport with `browsers` worker threads (at most `concurrency`), each printing with one pooled
 * Chromium instance.
 * @throws Error when jsreport cannot start (a missing Chromium shows here).
 */
export async function startJsreport(options: { concurrency: number; browsers: number; chromiumPath: string; template: InvoiceTemplate }): Promise<JsreportPeer> {
  const tempDirectory = await mkdtemp(path.join(tmpdir(), 'reportflow-bench-jsreport-'));
  const createJsreport = requirePeer('@jsreport/jsreport-core') as (options: Record<string, unknown>) => Jsreport;
  const jsreport = createJsreport({
    trustUserCode: true,
    tempDirectory,
    logger: { silent: true },
    // jsreport runs a recipe in its worker threads, and each thread keeps a chrome-pool of its own
    // (jsreport-chrome-pdf's lib/worker.js). A thread per request with a pool of `browsers` in each let the
    // 8-concurrent run start ~20 Chromium instances (load average ~30 on 2 cores, 2026-12-06), some of
    // them left running after close. So: one thread per browser, a pool of one in each; requests beyond
    // them queue, as reportflow's beyond its page slots.
    workers: { numberOfWorkers: Math.min(options.concurrency, options.browsers) },
    chrome: {
      strategy: 'chrome-pool',
      numberOfWorkers: 1,
      // The same binary and mode as reportflow's pool (jsreport asks for the old headless mode, which
      // Chromium ≥ 132 has only in its headless shell; given a full Chromium it gets the new mode).
      launchOptions: chromiumLaunchOptions(options.chromiumPath),
    },
  });
  jsreport.use((requirePeer('@jsreport/jsreport-handlebars') as () => unknown)());
  jsreport.use((requirePeer('@jsreport/jsreport-chrome-pdf') as () => unknown)());
  await jsreport.init();
  const content = await readFile(options.template.templatePath, 'utf8');
  const helpers = await helpersScript();
  const template = (recipe: string, page: InvoicePage) => ({
    content, engine: 'handlebars', recipe, helpers,
    ...(recipe === 'chrome-pdf' ? { chrome: pdfOptions(page.header) } : {}),
  });
  return {
    async renderPdf(page) {
      return (await jsreport.render({ template: template('chrome-pdf', page), data: page.context })).output.getBuffer();
    },
    async renderHtml(page) {
      return (await (await jsreport.render({ template: template('html', page), data: page.context })).output.getBuffer()).toString('utf8');
    },
    async close() {
      await jsreport.close();
      await rm(tempDirectory, { recursive: true, force: true });
    },
  };
}

/**
 * Renders every page with jsreport as HTML and compares it with reportflow's.
 * @throws Error showing where the first page differs.
 */
export async function checkSameHtml(peer: JsreportPeer, template: InvoiceTemplate): Promise<void> {
  for (const page of template.pages) {
    const html = await peer.renderHtml(page);
    if (html === page.html) continue;
    let at = 0;
    while (html[at] === page.html[at]) at++;
    throw new Error(`jsreport's HTML of invoice ${page.invoiceId} differs from reportflow's at character ${at}: …${JSON.stringify(html.slice(at, at + 80))} vs …${JSON.stringify(page.html.slice(at, at + 80))}`);
  }
}

/** reportflow's print options (src/render/pdf-renderer.ts `printPage`) in jsreport's `chrome` names. */
function pdfOptions(header: string): Record<string, unknown> {
  return {
    format: 'A4', printBackground: true, displayHeaderFooter: true, headerTemplate: header, footerTemplate: '<span></span>',
    marginTop: '14mm', marginBottom: '16mm', marginLeft: '12mm', marginRight: '12mm',
  };
}

/**
 * jsreport's `helpers` script: reportflow's helper modules bundled into it (esbuild), each helper a
 * top-level function (how jsreport finds helpers), and the shared partials and CSS registered on the
 * render's Handlebars instance. The stylesheet is a string partial (reportflow registers a function,
 * which a sandboxed script cannot hand over): the CSS holds no `{{`, so the output is the same.
 */
async function helpersScript(): Promise<string> {
  const esbuild = requirePeer('esbuild') as { build(options: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }> };
  const entry = Object.entries(HELPER_MODULES).map(([name, file]) => `export { ${name} } from './src/render/helpers/${file}.ts';`).join('\n');
  const bundle = await esbuild.build({
    stdin: { contents: entry, resolveDir: PROJECT_ROOT, loader: 'ts' },
    bundle: true, format: 'iife', globalName: '__reportflow', platform: 'node', target: 'es2022', write: false,
  });
  const partialsDir = path.join(TEMPLATES_DIR, '_shared', 'partials');
  const partials: Record<string, string> = {};
  for (const file of (await readdir(partialsDir)).filter((f) => f.endsWith('.hbs'))) {
    partials[path.basename(file, '.hbs')] = await readFile(path.join(partialsDir, file), 'utf8');
  }
  const css = await readFile(path.join(TEMPLATES_DIR, '_shared', 'css', 'report.css'), 'utf8');
  partials.styles = `<style>\n${css.replace(/<\/style/gi, '<\\/style')}</style>`;
  return [
    bundle.outputFiles[0]!.text,
    `const __helpers = Object.assign({}, ${Object.keys(HELPER_MODULES).map((name) => `__reportflow.${name}`).join(', ')});`,
    ...HELPER_NAMES.map((name) => `function ${name}() { return __helpers.${name}.apply(this, arguments); }`),
    "const __handlebars = require('handlebars');",
    ...Object.entries(partials).map(([name, text]) => `__handlebars.registerPartial(${JSON.stringify(name)}, ${JSON.stringify(text)});`),
  ].join('\n');
}
