import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { datasetNamed, datasetNames } from '../../src/catalog/datasets.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { shippedCatalog, TEMPLATES_DIR } from '../fixtures/render-fixtures.js';

test('the shipped catalog offers the Online Retail invoice lines as dataset invoice_lines, with typed columns and a period', () => {
  const catalog = shippedCatalog();
  assert.deepEqual(datasetNames(catalog), ['invoice_lines']);
  const lines = datasetNamed(catalog, 'invoice_lines')!;
  assert.equal(lines.code, 'INVOICE_LINES');
  assert.deepEqual(lines.period, { from_parameter: 'from_date', to_parameter: 'to_date' });
  assert.deepEqual(lines.columns.find((c) => c.name === 'line_total'), { name: 'line_total', type: 'decimal' });
  assert.equal(datasetNamed(catalog, 'nothing'), undefined);
});

test('two definitions offering the same dataset name do not load', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'datasets-'));
  cpSync(TEMPLATES_DIR, dir, { recursive: true });
  const file = path.join(dir, 'SALES_SUMMARY', 'report.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), dataset: 'invoice_lines' }));
  assert.throws(() => loadCatalog(dir), /dataset invoice_lines is already offered by report/);
});
