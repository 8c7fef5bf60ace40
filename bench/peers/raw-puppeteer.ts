/**
 * Raw Puppeteer: the bound on what any service printing through one Chromium can reach here. The same
 * puppeteer-core and Chromium flags as reportflow's pool, the same finished HTML and the same print call
 * (`printPage`: A4, margins, running header), and nothing else: no templating, no lock-down of the page, no queue.
 * Two ways: a new page per PDF (opened, used, closed), and page reuse (one page per concurrent slot,
 * kept open: `setContent` + `pdf` again and again).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { chromiumLaunchOptions } from '../../src/render/pdf/browser-pool.js';
import { printPage } from '../../src/render/pdf-renderer.js';
import type { InvoicePage } from '../invoice-pages.js';

/** `new-page`: a page per PDF; `reuse`: one page per slot. */
export type PageMode = 'new-page' | 'reuse';

export interface RawPuppeteer {
  /** Prints `page` on slot `slot` (0…concurrency-1; with `reuse`, each slot keeps its own page). */
  print(page: InvoicePage, slot: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

const PRINT_TIMEOUT_MS = 120_000;

/** Launches Chromium (`chromiumPath`) as reportflow's pool does (a headless shell in its own mode). @throws Error when it cannot start. */
export async function startRawPuppeteer(chromiumPath: string, mode: PageMode): Promise<RawPuppeteer> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'reportflow-bench-chromium-'));
  const browser: Browser = await puppeteer.launch({ ...chromiumLaunchOptions(chromiumPath), pipe: true, userDataDir });
  const pages = new Map<number, Page>();
  return {
    async print(invoice, slot) {
      if (mode === 'new-page') {
        const page = await browser.newPage();
        try {
          return await printPage(page, invoice.html, invoice.header, PRINT_TIMEOUT_MS);
        } finally {
          await page.close();
        }
      }
      let page = pages.get(slot);
      if (!page) pages.set(slot, (page = await browser.newPage()));
      return printPage(page, invoice.html, invoice.header, PRINT_TIMEOUT_MS);
    },
    async close() {
      await browser.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
