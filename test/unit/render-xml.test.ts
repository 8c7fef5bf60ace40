import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { create } from 'xmlbuilder2';
import { XmlRenderer } from '../../src/render/xml-renderer.js';
import { fixture, renderInput, shippedCatalog, tempDir, validated } from '../fixtures/render-fixtures.js';

const out = (name: string) => path.join(tempDir('rf-xml-'), name);
const def = () => shippedCatalog().get('INVOICE_LINES')!;
const now = () => new Date('2024-05-01T10:00:00.000Z');

type Obj = Record<string, unknown>;

async function renderSample(timezone = 'Europe/London', rowsPath = fixture('invoice-lines-sample.ndjson')) {
  const request = validated(shippedCatalog(), 'INVOICE_LINES', { from_date: '2011-07-01', to_date: '2011-07-31' }, { format: 'XML', timezone });
  const input = renderInput(def(), request, rowsPath, out('lines.xml'));
  const output = await new XmlRenderer({ now }).render(input);
  const bytes = readFileSync(input.outPath);
  assert.deepEqual(output, { sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }, 'size and sha256 measured while writing');
  return { text: bytes.toString('utf8'), input };
}

test('XML root carries report code, period, zone and generation time; one element per row', async () => {
  const { text } = await renderSample();
  assert.ok(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<invoice_lines '));
  const doc = create(text).end({ format: 'object' }) as Obj;
  const root = doc.invoice_lines as Obj;
  assert.equal(root['@report_code'], 'INVOICE_LINES');
  assert.equal(root['@period_from'], '2011-07-01T00:00:00.000+01:00');
  assert.equal(root['@period_to'], '2011-08-01T00:00:00.000+01:00');
  assert.equal(root['@timezone'], 'Europe/London');
  assert.equal(root['@generated_at'], '2024-05-01T11:00:00+01:00');
  const lines = root.line as Obj[];
  assert.equal(lines.length, 7);
  assert.deepEqual(Object.keys(lines[0]!), def().columns.map((c) => c.name));
  assert.equal(lines[0]!.invoice_date, '2010-12-01T08:26:00+00:00');
  assert.equal(lines[4]!.invoice_date, '2011-07-18T11:55:00+01:00');
  assert.equal(lines[3]!.unit_price, '2.1', 'decimals untouched');
  assert.equal(root['@filters'], undefined, 'an unfiltered report has no filters attribute');
});

test('a filtered XML says so: the root\'s filters attribute holds the filters as JSON, as the client sent them', async () => {
  const filters = { country: { in: ['France', 'Côte "d\'Ivoire"'] }, unit_price: { between: ['0.5', '2.55'] } };
  const request = validated(shippedCatalog(), 'INVOICE_LINES', { from_date: '2011-07-01', to_date: '2011-07-31' }, { format: 'XML', filters });
  const input = renderInput(def(), request, fixture('invoice-lines-sample.ndjson'), out('filtered.xml'));
  await new XmlRenderer({ now }).render(input);
  // The DOM's attribute value (xmlbuilder2's object form re-escapes attribute text).
  const root = create(readFileSync(input.outPath, 'utf8')).root().node as unknown as { getAttribute(name: string): string | null };
  assert.deepEqual(JSON.parse(root.getAttribute('filters')!), { unit_price: { between: ['0.5', '2.55'] }, country: { in: ['France', 'Côte "d\'Ivoire"'] } });
});

test('XML escapes markup in data: <, & and quotes survive a round trip', async () => {
  const { text } = await renderSample();
  assert.ok(text.includes('<description>Tag &lt;script&gt;alert(1)&lt;/script&gt; &amp; "quoted", comma\nsecond line</description>'));
  assert.ok(!text.includes('<script>'));
  assert.ok(text.includes('<description>RECORD FRAME 7" SINGLE SIZE</description>'));
  assert.ok(text.includes('<description>VINTAGE SNAKES &amp; LADDERS</description>'));
});

test('NULL is an empty element marked xsi:nil, distinct from an empty string', async () => {
  const { text } = await renderSample();
  assert.ok(text.includes('xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'));
  const guest = /<line>\s*<line_no>623<\/line_no>[\s\S]*?<\/line>/.exec(text)?.[0] ?? '';
  assert.match(guest, /<description xsi:nil="true"\/>/);
  assert.match(guest, /<customer_id xsi:nil="true"\/>/);
});

test('characters XML 1.0 cannot hold are replaced, so the file stays well-formed', async () => {
  const dir = tempDir('rf-xml-');
  const rowsPath = path.join(dir, 'rows.ndjson');
  writeFileSync(rowsPath, JSON.stringify({ line_no: 1, invoice_no: '1', invoice_date: '2011-07-01T08:00:00.000Z', stock_code: 'X', description: 'bell\u0007 and \u0000nul', quantity: 1, unit_price: '1', line_total: '1', customer_id: null, country: 'Norway' }) + '\n');
  const { text } = await renderSample('UTC', rowsPath);
  assert.ok(text.includes('<description>bell\uFFFD and \uFFFDnul</description>'));
  assert.ok(![...text].some((c) => c.charCodeAt(0) < 9), 'no control characters left');
});

test('a carriage return in data is written as &#13;: XML readers turn a raw CR (and CRLF) into LF', async () => {
  const dir = tempDir('rf-xml-');
  const rowsPath = path.join(dir, 'rows.ndjson');
  writeFileSync(rowsPath, JSON.stringify({ line_no: 1, invoice_no: '1', invoice_date: '2011-07-01T08:00:00.000Z', stock_code: 'X', description: 'windows\r\nline and lone\rcr', quantity: 1, unit_price: '1', line_total: '1', customer_id: null, country: 'Norway' }) + '\n');
  const { text } = await renderSample('UTC', rowsPath);
  assert.ok(text.includes('<description>windows&#13;\nline and lone&#13;cr</description>'), text);
  assert.ok(!text.includes('\r'), 'no raw CR in the file');
  const parsed = create(text).end({ format: 'object' }) as Obj;
  const line = ((parsed.invoice_lines as Obj).line as Obj);
  assert.equal(line.description, 'windows\r\nline and lone\rcr', 'the value reads back as it was');
});

test('XML streams large inputs and reports progress', async () => {
  const dir = tempDir('rf-xml-');
  const rowsPath = path.join(dir, 'rows.ndjson');
  const line = readFileSync(fixture('invoice-lines-sample.ndjson'), 'utf8').split('\n')[0]!;
  writeFileSync(rowsPath, (line + '\n').repeat(20_001));
  const { text, input } = await renderSample('Europe/London', rowsPath);
  assert.deepEqual(input.progress, [10_000, 20_000, 20_001]);
  assert.equal(text.match(/<line>/g)?.length, 20_001);
  assert.ok(text.trimEnd().endsWith('</invoice_lines>'));
});

test('XML text and attribute escaping, and element names checked', async () => {
  const { xmlAttr, xmlName, xmlText } = await import('../../src/render/xml-text.js');
  assert.equal(xmlText('a <b> & "c" ]]>'), 'a &lt;b&gt; &amp; "c" ]]&gt;');
  assert.equal(xmlText('a\r\nb\tc'), 'a&#13;\nb\tc');
  assert.equal(xmlAttr('x"y\'<&>\n'), 'x&quot;y&apos;&lt;&amp;&gt;&#10;');
  assert.equal(xmlText('\uD800 lone surrogate'), '\uFFFD lone surrogate');
  assert.equal(xmlText('emoji 🎁 stays'), 'emoji 🎁 stays');
  assert.equal(xmlName('invoice_lines'), 'invoice_lines');
  for (const bad of ['1abc', 'a b', 'a<b', 'xmlthing', '', 'ns:el']) assert.throws(() => xmlName(bad), RangeError, bad);
});
