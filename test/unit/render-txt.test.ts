/**
 * TXT: a definition's text template printed as plain text, values unescaped, columns kept by `pad`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { padText } from '../../src/render/helpers/text-helpers.js';
import { createTemplateEngine } from '../../src/render/template-engine.js';
import { TxtRenderer } from '../../src/render/txt-renderer.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { TEMPLATES_DIR, fixture, renderInput, shippedCatalog, tempDir, validated } from '../fixtures/render-fixtures.js';

/** A templates folder under `root` holding one definition `code` made of `files`. */
function templatesWith(root: string, code: string, files: Record<string, string>): string {
  const templates = path.join(root, 'templates');
  mkdirSync(path.join(templates, code), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(templates, code, name), text);
  return templates;
}

const renderer = () => new TxtRenderer({ engine: createTemplateEngine({ templatesDir: TEMPLATES_DIR }), maxRows: 20_000, now: () => new Date('2011-07-01T08:00:00Z') });

void test('pad fills or cuts to the width in code points, left or right aligned', () => {
  assert.equal(padText('ab', 5), 'ab   ');
  assert.equal(padText('ab', 5, 'right'), '   ab');
  assert.equal(padText('abcdef', 4), 'abcd');
  assert.equal(padText('£2.55', 8, 'right'), '   £2.55');
  assert.equal(padText('😀x', 3), '😀x ');
  assert.equal(padText(null, 3), '   ');
});

void test('the INVOICE as TXT: fixed 79-character columns, the exact total, text/plain bytes measured while writing', async () => {
  const cat = shippedCatalog();
  const input = renderInput(cat.get('INVOICE')!, validated(cat, 'INVOICE', { invoice_id: '536365' }, { format: 'TXT' }), fixture('invoice-536365.ndjson'), path.join(tempDir('rf-txt-'), 'i.txt'));
  const r = renderer();
  assert.deepEqual([r.contentType, r.extension], ['text/plain; charset=utf-8', 'txt']);
  const output = await r.render(input);
  const bytes = readFileSync(input.outPath);
  assert.deepEqual(output, { sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  const lines = bytes.toString('utf8').split('\n');
  assert.ok(lines.includes('Invoice 536365'));
  const table = lines.filter((l) => /^(85123A|71053|84406B|84029G|84029E|22752|21730) /.test(l));
  assert.equal(table.length, 7);
  for (const l of table) assert.equal([...l].length, 79, l);
  assert.equal(table[0], '85123A    WHITE HANGING HEART T-LIGHT HOLDER        6        £2.55       £15.30');
  assert.match(lines.find((l) => l.startsWith('Total (GBP)'))!, /^Total \(GBP\) {2,}£139\.12$/);
});

void test('a TXT template prints data as it is: no HTML escaping of <, & or quotes', async () => {
  const dir = tempDir('rf-txt-');
  const templates = templatesWith(dir, 'NOTE', {
    'report.json': JSON.stringify({
      code: 'NOTE', title: { en: 'Note', no: 'Notat' }, description: 'one note', query: 'query.sql',
      parameters: { type: 'object', properties: {}, additionalProperties: false },
      columns: [{ name: 'note', type: 'string' }], formats: { TXT: { template: 'note.txt.hbs' } },
    }),
    'query.sql': 'SELECT 1',
    'note.txt.hbs': '[{{#each rows}}{{note}}{{/each}}]\n',
  });
  const cat = loadCatalog(templates);
  const rows = path.join(dir, 'rows.ndjson');
  writeFileSync(rows, JSON.stringify({ note: `<b>Fish & "chips"</b>` }) + '\n');
  const input = renderInput(cat.get('NOTE')!, validated(cat, 'NOTE', {}, { format: 'TXT' }), rows, path.join(dir, 'n.txt'));
  await new TxtRenderer({ engine: createTemplateEngine({ templatesDir: templates }), maxRows: 10, now: () => new Date() }).render(input);
  assert.equal(readFileSync(input.outPath, 'utf8'), '[<b>Fish & "chips"</b>]\n');
});

void test('the catalog refuses a TXT format without its template', () => {
  const templates = templatesWith(tempDir('rf-txt-'), 'BAD', {
    'report.json': JSON.stringify({
      code: 'BAD', title: { en: 'Bad', no: 'Bad' }, description: 'no template', query: 'query.sql',
      parameters: { type: 'object', properties: {}, additionalProperties: false },
      columns: [{ name: 'note', type: 'string' }], formats: { TXT: {} },
    }),
    'query.sql': 'SELECT 1',
  });
  assert.throws(() => loadCatalog(templates), /formats\.TXT\.template/);
});
