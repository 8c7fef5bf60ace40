/**
 * PDF rendering through a real Chromium (found like the worker finds it) and checked with pdftotext.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import puppeteer from 'puppeteer-core';
import type { ReportDefinition } from '../../src/catalog/report-definition.js';
import { createRenderers, type Rendering } from '../../src/render/index.js';
import { BrowserPool } from '../../src/render/pdf/browser-pool.js';
import { findChromium, headlessModeFor } from '../../src/render/pdf/find-chromium.js';
import { pdfPageCount } from '../../src/render/pdf/page-count.js';
import { PdfRenderer } from '../../src/render/pdf-renderer.js';
import { createTemplateEngine } from '../../src/render/template-engine.js';
import { pollUntil } from '../helpers/within.js';
import { TEMPLATES_DIR, fixture, renderInput, shippedCatalog, tempDir, validated } from '../fixtures/render-fixtures.js';

const run = promisify(execFile);
const config = { home: path.resolve(TEMPLATES_DIR, '..'), chromiumPath: undefined, pdfMaxConcurrentPages: 2, pdfRestartAfterRenders: 500, pdfMaxRows: 20_000 };
const now = () => new Date('2011-07-01T08:00:00.000Z');
let rendering: Rendering;
const extraPools: BrowserPool[] = [];

before(async () => {
  rendering = await createRenderers(config, { templatesDir: TEMPLATES_DIR, now });
});
after(async () => {
  await rendering.close();
  await Promise.all(extraPools.map((p) => p.close()));
});

const tmpDir = () => tempDir('rf-pdf-');

/** pdftotext output with no-break spaces and the Unicode minus made plain. */
async function pdfText(file: string): Promise<string> {
  const { stdout } = await run('pdftotext', ['-layout', file, '-']);
  return stdout.replace(/[\u00a0\u202f]/g, ' ').replace(/\u2212/g, '-');
}

function invoiceInput(invoice: string, language: 'en' | 'no') {
  const cat = shippedCatalog();
  const request = validated(cat, 'INVOICE', { invoice_id: invoice }, { format: 'PDF', language });
  return renderInput(cat.get('INVOICE')!, request, fixture(`invoice-${invoice}.ndjson`), path.join(tmpDir(), `INVOICE_${invoice}.pdf`));
}

test('an invoice PDF shows number, customer, lines and the exact total', async (t) => {
  const input = invoiceInput('536365', 'en');
  const cold = Date.now();
  const output = await rendering.renderers.PDF.render(input);
  t.diagnostic(`cold invoice PDF (browser launch included): ${Date.now() - cold} ms`);
  assert.equal(output.pages, 1);
  const text = await pdfText(input.outPath);
  assert.match(text, /Invoice/);
  assert.match(text, /Invoice number\s+536365/);
  assert.match(text, /Customer\s+17850/);
  assert.match(text, /WHITE HANGING HEART T-LIGHT HOLDER\s+6\s+£2\.55\s+£15\.30/);
  assert.match(text, /Total \(GBP\)\s+£139\.12/);
  assert.match(text, /1 Dec 2010, 08:26 GMT/);
  assert.match(text, /Generated: 1 Jul 2011, 09:00 BST/);
  assert.match(text, /Page 1 \/ 1/);

  const timings: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = Date.now();
    await rendering.renderers.PDF.render(invoiceInput('536365', 'en'));
    timings.push(Date.now() - started);
  }
  timings.sort((a, b) => a - b);
  t.diagnostic(`warm invoice PDF: median ${timings[2]} ms (min ${timings[0]}, max ${timings[4]})`);
});

test('a C invoice prints as a credit note with negative amounts, in Norwegian for `no`', async () => {
  const input = invoiceInput('C536379', 'no');
  await rendering.renderers.PDF.render(input);
  const text = await pdfText(input.outPath);
  assert.match(text, /Kreditnota/);
  assert.match(text, /Kreditnotanummer\s+C536379/);
  assert.match(text, /Kunde\s+14527/);
  assert.match(text, /Beskrivelse\s+Antall\s+Enhetspris\s+Beløp/);
  assert.match(text, /Discount\s+-1\s+27,50 £\s+-27,50 £/);
  assert.match(text, /Totalt \(GBP\)\s+-27,50 £/);
  assert.match(text, /Side 1 \/ 1/);
  assert.doesNotMatch(text, /Invoice|Total \(GBP\)/);

  const en = invoiceInput('C536379', 'en');
  await rendering.renderers.PDF.render(en);
  assert.match(await pdfText(en.outPath), /Credit note[\s\S]*Credit note number\s+C536379/);
});

test('the sales summary PDF groups countries with subtotals and a grand total, months in the request zone', async () => {
  const cat = shippedCatalog();
  const dir = tmpDir();
  const rowsPath = path.join(dir, 'rows.ndjson');
  const rows = [
    { country: 'Singapore', month: '2011-07', invoices: 1, lines: 26, quantity: 560, net_sales: '1424.32' },
    { country: 'United Kingdom', month: '2011-06', invoices: 1, lines: 14, quantity: 129, net_sales: '237.25' },
    { country: 'United Kingdom', month: '2011-07', invoices: 1, lines: 7, quantity: -12, net_sales: '-18.30' },
  ];
  writeFileSync(rowsPath, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const request = validated(cat, 'SALES_SUMMARY', { from_date: '2011-06-01', to_date: '2011-07-31' }, { format: 'PDF', timezone: 'Europe/London' });
  const input = renderInput(cat.get('SALES_SUMMARY')!, request, rowsPath, path.join(dir, 'sales.pdf'));
  const output = await rendering.renderers.PDF.render(input);
  assert.equal(output.pages, 1);
  const text = await pdfText(input.outPath);
  assert.match(text, /Sales summary\s+[\s\S]*Net sales by country and month in GBP, cancellations included/);
  assert.match(text, /Period\s+1 Jun 2011 – 31 Jul 2011/);
  assert.match(text, /Singapore\s+July 2011\s+1\s+26\s+560\s+£1,424\.32\s+Total Singapore\s+1\s+26\s+560\s+£1,424\.32/);
  assert.match(text, /June 2011\s+1\s+14\s+129\s+£237\.25\s+July 2011\s+1\s+7\s+-12\s+-£18\.30\s+Total United Kingdom\s+2\s+21\s+117\s+£218\.95/);
  assert.match(text, /Grand total\s+3\s+47\s+677\s+£1,643\.27/);
});

test('a filtered PDF says so: its footer lists each filter, in the request\'s language', async () => {
  const cat = shippedCatalog();
  const dir = tmpDir();
  const rowsPath = path.join(dir, 'rows.ndjson');
  writeFileSync(rowsPath, JSON.stringify({ country: 'France', month: '2011-06', invoices: 2, lines: 5, quantity: 40, net_sales: '120.00' }) + '\n');
  const filters = { country: { eq: 'France' }, net_sales: { gte: '100' } };
  for (const [language, word] of [['en', 'Filters'], ['no', 'Filtre']] as const) {
    const request = validated(cat, 'SALES_SUMMARY', { from_date: '2011-06-01', to_date: '2011-06-30' }, { format: 'PDF', language, filters });
    const input = renderInput(cat.get('SALES_SUMMARY')!, request, rowsPath, path.join(dir, `sales-${language}.pdf`));
    await rendering.renderers.PDF.render(input);
    assert.match(await pdfText(input.outPath), new RegExp(`${word}: country = France; net_sales ≥ 100`));
  }
  const unfiltered = invoiceInput('536365', 'en');
  await rendering.renderers.PDF.render(unfiltered);
  assert.doesNotMatch(await pdfText(unfiltered.outPath), /Filters/);
});

test('every page of a multi-page PDF repeats the running header: the document name and page n / N', async () => {
  const cat = shippedCatalog();
  const dir = tmpDir();
  const rowsPath = path.join(dir, 'rows.ndjson');
  // 40 countries × 12 months: several pages of one table.
  const rows = Array.from({ length: 40 }, (_, c) => Array.from({ length: 12 }, (_, m) => ({
    country: `Country ${String(c).padStart(2, '0')}`, month: `2011-${String(m + 1).padStart(2, '0')}`, invoices: 1, lines: 2, quantity: 3, net_sales: '4.50',
  }))).flat();
  writeFileSync(rowsPath, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const request = validated(cat, 'SALES_SUMMARY', { from_date: '2011-01-01', to_date: '2011-12-31' }, { format: 'PDF', timezone: 'Europe/London' });
  const input = renderInput(cat.get('SALES_SUMMARY')!, request, rowsPath, path.join(dir, 'sales.pdf'));
  const pages = (await rendering.renderers.PDF.render(input)).pages ?? 0;
  assert.ok(pages >= 3, `${pages} pages`);
  for (let n = 1; n <= pages; n++) {
    const { stdout } = await run('pdftotext', ['-layout', '-f', String(n), '-l', String(n), input.outPath, '-']);
    const firstLine = stdout.replace(/[\u00a0\u202f]/g, ' ').split('\n').find((l) => l.trim()) ?? '';
    assert.match(firstLine, new RegExp(`Sales summary · 1 Jan 2011 – 31 Dec 2011\\s+Page ${n} / ${pages}$`), `page ${n}: ${firstLine}`);
  }

  const invoice = invoiceInput('536365', 'no');
  await rendering.renderers.PDF.render(invoice);
  assert.match((await pdfText(invoice.outPath)).split('\n').find((l) => l.trim()) ?? '', /Faktura 536365\s+Side 1 \/ 1/);
});

test('the page makes no network request, whatever the template or data asks for', async () => {
  let requests = 0;
  let connections = 0;
  const server = http.createServer((req, res) => {
    requests++;
    res.end('x');
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const dir = tmpDir();
    mkdirSync(path.join(dir, 'NET'));
    writeFileSync(path.join(dir, 'NET', 'page.hbs'), `<!DOCTYPE html><html><head>
      <link rel="stylesheet" href="${base}/style.css"><link rel="preconnect" href="${base}">
      <style>@import url("${base}/import.css"); body { background: url("${base}/bg.png"); }</style>
      <script src="${base}/script.js"></script><script>fetch("${base}/fetch")</script>
      </head><body><img src="${base}/x"><iframe src="${base}/frame"></iframe><p>{{rows.0.note}}</p></body></html>`);
    const definition: ReportDefinition = {
      code: 'NET', title: { en: 'Net', no: 'Net' }, description: 'network probe', dir: path.join(dir, 'NET'), querySql: '', checkSql: [],
      parameters: { type: 'object', properties: {}, additionalProperties: false }, query: 'q.sql', columns: [{ name: 'note', type: 'string' }],
      formats: { PDF: { template: 'page.hbs' } },
    };
    const rowsPath = path.join(dir, 'rows.ndjson');
    writeFileSync(rowsPath, JSON.stringify({ note: `<img src="${base}/from-data">` }) + '\n');
    const pool = new BrowserPool({ executablePath: () => findChromium({ chromiumPath: undefined, home: process.cwd() })!.path, maxConcurrentPages: 1, restartAfterRenders: 0 });
    extraPools.push(pool);
    const renderer = new PdfRenderer({ engine: createTemplateEngine({ templatesDir: dir }), maxRows: 10, now, pool });
    const request = { request: { id: 'r', tenantId: 't', reportCode: 'NET', parameterValues: [], format: 'PDF' as const, language: 'en' as const, timezone: 'UTC', requestedAt: now().toISOString() }, parameters: {} };
    const output = await renderer.render(renderInput(definition, request, rowsPath, path.join(dir, 'net.pdf')));
    assert.equal(output.pages, 1);
    await new Promise((r) => setTimeout(r, 300)); // give a stray request time to arrive
    assert.equal(requests, 0, 'the server saw no request');
    assert.equal(connections, 0, 'nor even a connection');

    // Pooled pages come locked down: a deliberate navigation is blocked before it leaves the page…
    await pool.withPage(async (page) => {
      await assert.rejects(page.goto(`${base}/navigate`), /ERR_BLOCKED_BY_CLIENT/);
    });
    // …and with that layer switched off, the browser itself resolves no host.
    await pool.withPage(async (page) => {
      await page.setRequestInterception(false);
      await page.setOfflineMode(false);
      await assert.rejects(page.goto(`${base}/navigate`), /ERR_NAME_NOT_RESOLVED/);
    });
    assert.equal(requests + connections, 0);

    // Control: a browser without our flags and page hygiene does reach the probe, so the probe works.
    const browserPath = findChromium({ chromiumPath: undefined, home: process.cwd() })!.path;
    const plain = await puppeteer.launch({ executablePath: browserPath, headless: headlessModeFor(browserPath), args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await plain.newPage();
      await page.setContent(readFileSync(path.join(dir, 'NET', 'page.hbs'), 'utf8'), { waitUntil: 'load' });
    } finally {
      await plain.close();
    }
    assert.ok(requests >= 3, `an unguarded page fetches the template's URLs (${requests} requests)`);
  } finally {
    server.close();
  }
});

test('concurrent renders share one browser process, at most pdfMaxConcurrentPages pages at once', async () => {
  const pidBefore = rendering.browserPool.stats().pid;
  const launchesBefore = rendering.browserPool.stats().launches;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rendering.browserPool.stats().activePages)), 5);
  try {
    const inputs = Array.from({ length: 6 }, (_, i) => invoiceInput(i % 2 ? 'C536379' : '536365', i % 3 ? 'en' : 'no'));
    const outputs = await Promise.all(inputs.map((input) => rendering.renderers.PDF.render(input)));
    assert.ok(outputs.every((o) => o.pages === 1));
  } finally {
    clearInterval(sampler);
  }
  const stats = rendering.browserPool.stats();
  assert.equal(stats.launches, launchesBefore, 'no new browser was launched');
  assert.equal(stats.launches, 1, 'one browser for the whole test file');
  assert.equal(stats.pid, pidBefore);
  assert.ok(peak <= config.pdfMaxConcurrentPages, `peak pages ${peak}`);
  assert.equal(stats.activePages, 0);
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(process.pid)]);
  const children = stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  assert.ok(children.includes(String(stats.pid)), 'the browser is our child process');
});

test('both Debian browsers print the invoice alike: the headless shell the worker prefers, and the full browser it falls back to', async () => {
  const shell = findChromium({ chromiumPath: undefined, home: process.cwd() })!.path;
  assert.equal(shell, '/usr/lib/chromium/chromium-headless-shell', 'CI installs chromium-headless-shell (README: Development)');
  const texts: string[] = [];
  // Debian's /usr/bin/chromium is a script that execs /usr/lib/chromium/chromium.
  for (const [executable, binary] of [[shell, shell], ['/usr/bin/chromium', '/usr/lib/chromium/chromium']] as const) {
    const pool = new BrowserPool({ executablePath: () => executable, maxConcurrentPages: 1, restartAfterRenders: 0 });
    extraPools.push(pool);
    const renderer = new PdfRenderer({ engine: createTemplateEngine({ templatesDir: TEMPLATES_DIR }), maxRows: 100, now, pool });
    const input = invoiceInput('536365', 'en');
    assert.equal((await renderer.render(input)).pages, 1);
    const { stdout: cmdline } = await run('ps', ['-o', 'args=', '-p', String(pool.stats().pid)]);
    assert.equal(cmdline.split(' ')[0], binary, `the pool launched ${executable}`);
    texts.push(await pdfText(input.outPath));
  }
  assert.match(texts[0]!, /Invoice number\s+536365/);
  assert.equal(texts[0], texts[1]);
});

test('the browser is replaced after pdfRestartAfterRenders renders and relaunched after a crash', async () => {
  const events: string[] = [];
  const pool = new BrowserPool({
    executablePath: () => findChromium({ chromiumPath: undefined, home: process.cwd() })!.path, maxConcurrentPages: 1, restartAfterRenders: 2,
    onEvent: (e) => events.push(e.type),
  });
  extraPools.push(pool);
  const engine = createTemplateEngine({ templatesDir: TEMPLATES_DIR });
  const renderer = new PdfRenderer({ engine, maxRows: 100, now, pool });
  for (let i = 0; i < 3; i++) await renderer.render(invoiceInput('536365', 'en'));
  assert.equal(pool.stats().launches, 2, 'renders 1-2 on the first browser, 3 on the second');

  const crashed = pool.stats().pid!;
  process.kill(crashed, 'SIGKILL');
  // Relaunched at once, before any render asks for it.
  const relaunched = await pollUntil(15_000, 'a relaunch without a render', () => {
    const { pid } = pool.stats();
    return pid !== undefined && pid !== crashed ? pid : undefined;
  });
  assert.equal(pool.stats().launches, 3);
  const output = await renderer.render(invoiceInput('536365', 'en'));
  assert.equal(output.pages, 1);
  assert.equal(pool.stats().launches, 3, 'the render used the relaunched browser');
  assert.equal(pool.stats().pid, relaunched);
  assert.deepEqual(events.filter((e) => e === 'disconnected' || e === 'launched'), ['launched', 'launched', 'disconnected', 'launched']);
});

test('a crash loop is bounded: a relaunched browser that dies before any render is not relaunched eagerly again', async () => {
  const events: string[] = [];
  const pool = new BrowserPool({
    executablePath: () => findChromium({ chromiumPath: undefined, home: process.cwd() })!.path, maxConcurrentPages: 1, restartAfterRenders: 0,
    onEvent: (e) => events.push(e.type),
  });
  extraPools.push(pool);
  const renderer = new PdfRenderer({ engine: createTemplateEngine({ templatesDir: TEMPLATES_DIR }), maxRows: 100, now, pool });
  await renderer.render(invoiceInput('536365', 'en'));
  const first = pool.stats().pid!;
  process.kill(first, 'SIGKILL');
  const second = await pollUntil(15_000, 'the relaunch after the first crash', () => {
    const { pid } = pool.stats();
    return pid !== undefined && pid !== first ? pid : undefined;
  });
  process.kill(second, 'SIGKILL');
  await pollUntil(15_000, 'the second disconnect', () => (events.filter((e) => e === 'disconnected').length === 2 ? true : undefined));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(pool.stats().pid, undefined, 'no browser is launched while none is asked for');
  assert.equal(pool.stats().launches, 2);
  // The next render launches one as usual.
  assert.equal((await renderer.render(invoiceInput('536365', 'en'))).pages, 1);
  assert.equal(pool.stats().launches, 3);
});

test('aborting a render closes its page at once and throws an AbortError', async () => {
  // A long document (2,000 lines) so the abort lands while Chromium is busy with the page.
  const dir = tmpDir();
  const rowsPath = path.join(dir, 'rows.ndjson');
  const line = readFileSync(fixture('invoice-536365.ndjson'), 'utf8').split('\n')[0]!;
  writeFileSync(rowsPath, (line + '\n').repeat(2000));
  const cat = shippedCatalog();
  const request = validated(cat, 'INVOICE', { invoice_id: '536365' }, { format: 'PDF' });
  const ac = new AbortController();
  const input = renderInput(cat.get('INVOICE')!, request, rowsPath, path.join(dir, 'long.pdf'), { signal: ac.signal });
  const rendered = rendering.renderers.PDF.render(input);
  rendered.catch(() => undefined);
  while (rendering.browserPool.stats().activePages === 0) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
  const abortedAt = Date.now();
  ac.abort();
  await assert.rejects(rendered, { name: 'AbortError' });
  assert.ok(Date.now() - abortedAt < 1000, `rejected ${Date.now() - abortedAt} ms after the abort`);
  const freeBy = Date.now() + 15_000;
  while (rendering.browserPool.stats().activePages > 0 && Date.now() < freeBy) await new Promise((r) => setTimeout(r, 20));
  assert.equal(rendering.browserPool.stats().activePages, 0, 'the page slot is freed once Chromium has closed the page');
  const after = await rendering.renderers.PDF.render(invoiceInput('536365', 'en'));
  assert.equal(after.pages, 1, 'the pool still renders');
});

void test('a many-page PDF from Chromium: the page count read from its bytes equals a full parse\'s', async () => {
  const chromium = findChromium(config)!.path;
  const pool = new BrowserPool({ executablePath: () => chromium, maxConcurrentPages: 1, restartAfterRenders: 0 });
  extraPools.push(pool);
  const rows = Array.from({ length: 3000 }, (_, i) => `<tr><td>line ${i}</td></tr>`).join('');
  const pdf = await pool.withPage(async (page) => {
    await page.setContent(`<table>${rows}</table>`);
    return page.pdf({ format: 'A4' });
  });
  const parsed = (await PDFDocument.load(pdf)).getPageCount();
  assert.ok(parsed > 20, `${parsed} pages`);
  assert.equal(pdfPageCount(pdf), parsed);
});
