/**
 * The renderers' composition: one typed `Record<OutputFormat, Renderer>` (a format without a
 * renderer does not compile), the template engine, and the shared Chromium pool, built once per
 * worker process from config.
 */
import path from 'node:path';
import type { Config } from '../config/settings.js';
import { CsvRenderer } from './csv-renderer.js';
import { HtmlRenderer } from './html-renderer.js';
import { BrowserPool, type BrowserPoolEvent } from './pdf/browser-pool.js';
import { findChromium } from './pdf/find-chromium.js';
import { PdfRenderer } from './pdf-renderer.js';
import type { Renderers } from './renderer.js';
import { createTemplateEngine, type TemplateEngine } from './template-engine.js';
import { XmlRenderer } from './xml-renderer.js';
import { TxtRenderer } from './txt-renderer.js';
import { XlsxRenderer } from './xlsx-renderer.js';
import { tenantAware } from './tenant-template-renderer.js';

/** Settings the renderers read. */
export type RenderConfig = Pick<Config, 'home' | 'chromiumPath' | 'pdfMaxConcurrentPages' | 'pdfRestartAfterRenders' | 'pdfMaxRows'>;

export interface RenderingOptions {
  /** The templates folder. @default `<config.home>/templates` */
  templatesDir?: string;
  /** Clock for `generated_at`. @default () => new Date() */
  now?: () => Date;
  /** Browser launches, restarts and crashes, for the log. */
  onBrowserEvent?: (event: BrowserPoolEvent) => void;
}

/** What `createRenderers` builds. Call `close()` on shutdown (it closes Chromium). */
export interface Rendering {
  renderers: Renderers;
  engine: TemplateEngine;
  browserPool: BrowserPool;
  close(): Promise<void>;
}

/**
 * Builds the renderers. Chromium is neither looked up nor launched until the first PDF render.
 * @throws Error when the shared templates (partials, CSS) cannot be read.
 */
export async function createRenderers(config: RenderConfig, options: RenderingOptions = {}): Promise<Rendering> {
  const engine = createTemplateEngine({ templatesDir: options.templatesDir ?? path.join(config.home, 'templates') });
  const now = options.now ?? (() => new Date());
  const browserPool = new BrowserPool({
    executablePath: () => {
      const found = findChromium(config);
      if (!found) throw new Error('No Chromium for PDF rendering: install Debian\'s `chromium`, or set PUPPETEER_EXECUTABLE_PATH (`npm start` installs one).');
      return found.path;
    },
    maxConcurrentPages: Math.max(1, config.pdfMaxConcurrentPages),
    restartAfterRenders: config.pdfRestartAfterRenders,
    ...(options.onBrowserEvent ? { onEvent: options.onBrowserEvent } : {}),
  });
  const html = { engine, maxRows: config.pdfMaxRows, now };
  const renderers: Renderers = {
    PDF: new PdfRenderer({ ...html, pool: browserPool }),
    HTML: new HtmlRenderer(html),
    CSV: tenantAware(new CsvRenderer({ now }), html),
    XML: tenantAware(new XmlRenderer({ now }), html),
    TXT: new TxtRenderer(html),
    XLSX: new XlsxRenderer({ labels: (dir, language) => engine.labels(dir, language), now }),
  };
  return { renderers, engine, browserPool, close: () => browserPool.close() };
}
