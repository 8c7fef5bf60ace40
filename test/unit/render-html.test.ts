import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ReportError } from '../../src/domain/errors.js';
import { HtmlRenderer } from '../../src/render/html-renderer.js';
import { createTemplateEngine } from '../../src/render/template-engine.js';
import { TEMPLATES_DIR, fixture, renderInput, shippedCatalog, tempDir, validated } from '../fixtures/render-fixtures.js';

const engine = createTemplateEngine({ templatesDir: TEMPLATES_DIR });
const now = () => new Date('2011-07-01T08:00:00.000Z');
const tmpDir = () => tempDir('rf-html-');
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[\u00a0\u202f]/g, ' ').replace(/\u2212/g, '-').replace(/\s+/g, ' ');

async function renderInvoice(invoice: string, language: 'en' | 'no', rowsPath = fixture(`invoice-${invoice}.ndjson`), maxRows = 20_000) {
  const cat = shippedCatalog();
  const request = validated(cat, 'INVOICE', { invoice_id: invoice }, { format: 'HTML', language });
  const input = renderInput(cat.get('INVOICE')!, request, rowsPath, path.join(tmpDir(), 'invoice.html'));
  const output = await new HtmlRenderer({ engine, maxRows, now }).render(input);
  const bytes = readFileSync(input.outPath);
  assert.deepEqual(output, { sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }, 'size and sha256 of the bytes written');
  return bytes.toString('utf8');
}

test('the invoice page shows seller, number, customer, lines and the exact total', async () => {
  const html = await renderInvoice('536365', 'en');
  const t = text(html);
  assert.match(t, /Demo Gift-Ware Ltd/);
  assert.match(t, /Invoice number 536365/);
  assert.match(t, /Date 1 Dec 2010, 08:26 GMT/);
  assert.match(t, /Customer 17850/);
  assert.match(t, /Country United Kingdom/);
  assert.match(t, /85123A WHITE HANGING HEART T-LIGHT HOLDER 6 £2\.55 £15\.30/);
  assert.match(t, /Total \(GBP\) £139\.12/);
  assert.match(t, /Generated: 1 Jul 2011, 09:00 BST/);
  assert.match(html, /<style>/, 'CSS is inlined');
  assert.doesNotMatch(html, /<link|<script|src=/i, 'the page references nothing external');
});

test('a C invoice is a credit note with negative amounts; Norwegian labels for no', async () => {
  const t = text(await renderInvoice('C536379', 'no'));
  assert.match(t, /Kreditnota/);
  assert.match(t, /Kreditnotanummer C536379/);
  assert.match(t, /Kunde 14527/);
  assert.match(t, /Totalt \(GBP\) -27,50 £/);
  assert.doesNotMatch(t, /Faktura /);
});

test('a guest invoice and a <script> in a description are printed safely', async () => {
  const rowsPath = path.join(tmpDir(), 'rows.ndjson');
  writeFileSync(rowsPath, JSON.stringify({ invoice_no: '536414', invoice_date: '2010-12-01T11:52:00.000Z', customer_id: null, country: 'United Kingdom', stock_code: '22139', description: '<script>alert("x")</script>', quantity: 56, unit_price: '0', line_total: '0', is_credit_note: false }) + '\n');
  const html = await renderInvoice('536414', 'en', rowsPath);
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  assert.ok(!html.includes('<script>'));
  assert.match(text(html), /Customer Guest/);
});

test('more rows than pdfMaxRows fail with REPORT_TOO_LARGE before any is read', async () => {
  await assert.rejects(renderInvoice('536365', 'en', fixture('invoice-536365.ndjson'), 5), (err: unknown) => {
    assert.ok(err instanceof ReportError);
    assert.equal(err.code, 'REPORT_TOO_LARGE');
    assert.match(err.message, /7 rows; HTML allows at most 5/);
    return true;
  });
});

test('a staged file longer than announced is still capped', async () => {
  const cat = shippedCatalog();
  const request = validated(cat, 'INVOICE', { invoice_id: '536365' }, { format: 'HTML' });
  const input = { ...renderInput(cat.get('INVOICE')!, request, fixture('invoice-536365.ndjson'), path.join(tmpDir(), 'x.html')), rowCount: 1 };
  await assert.rejects(new HtmlRenderer({ engine, maxRows: 3, now }).render(input), { code: 'REPORT_TOO_LARGE' });
});

test('the sales summary groups by country with subtotals and a grand total, months and countries in words', async () => {
  const cat = shippedCatalog();
  const rowsPath = path.join(tmpDir(), 'rows.ndjson');
  const rows = [
    { country: 'France', month: '2011-06', invoices: 2, lines: 10, quantity: 100, net_sales: '200.50' },
    { country: 'France', month: '2011-07', invoices: 1, lines: 5, quantity: -20, net_sales: '-40.25' },
    { country: 'United Kingdom', month: '2011-07', invoices: 3, lines: 7, quantity: 1000, net_sales: '1234.56' },
  ];
  writeFileSync(rowsPath, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const request = validated(cat, 'SALES_SUMMARY', { from_date: '2011-06-01', to_date: '2011-07-31' }, { format: 'PDF', language: 'no', timezone: 'Europe/Oslo' });
  const input = renderInput(cat.get('SALES_SUMMARY')!, request, rowsPath, path.join(tmpDir(), 's.html'));
  await new HtmlRenderer({ engine, maxRows: 100, now }).render(input);
  const t = text(readFileSync(input.outPath, 'utf8'));
  assert.match(t, /Periode 1\. juni 2011 – 31\. juli 2011/);
  // The data's English country names print in the request's language.
  assert.match(t, /Frankrike juni 2011 2 10 100 200,50 £ juli 2011 1 5 -20 -40,25 £ Sum Frankrike 3 15 80 160,25 £/);
  assert.match(t, /Storbritannia juli 2011 3 7 1 000 1 234,56 £ Sum Storbritannia 3 7 1 000 1 234,56 £/);
  assert.match(t, /Totalsum 6 22 1 080 1 394,81 £/);
});
