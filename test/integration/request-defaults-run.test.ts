/**
 * Request defaults and negotiation through the real thing: requests over the HTTP API, run by the real
 * worker activities on a Temporal test server against a real PostgreSQL holding the Online Retail
 * sample, the files downloaded and checked against SQL over the same database.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { pdfText } from '../helpers/pdf-text.js';
import { realStack, type RealStack } from '../helpers/real-stack.js';
import { useRetailDatabase } from '../helpers/retail-database.js';
import { useTemporalTestServer } from '../helpers/temporal.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');
const temporal = useTemporalTestServer();
const retail = useRetailDatabase('request-defaults-run');

/** Requests a report (with `headers`), waits for it to succeed and downloads it. */
async function runReport(stack: RealStack, body: object, headers: Record<string, string> = {}): Promise<{ run: Record<string, unknown>; file: { headers: Record<string, unknown>; bytes: Buffer } }> {
  const created = await stack.call('POST', '/v1/report-generate-requests', body, headers);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = String(created.body.id);
  const run = await stack.finished(id);
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
  const file = await stack.download(`/v1/reports/${id}/download`);
  assert.equal(file.status, 200);
  return { run, file };
}

/** Line numbers of the invoice lines in `[from, to)` by SQL, in invoice date order. */
async function linesBetween(from: string, to: string): Promise<string[]> {
  const rows = await retail.db.query<{ line_no: number }>('SELECT line_no FROM retail.invoice_line WHERE invoice_date >= $1 AND invoice_date < $2 ORDER BY invoice_date, line_no', [from, to]);
  return rows.map((r) => String(r.line_no));
}

void test('a request without timezone runs in REPORTFLOW_DEFAULT_TIME_ZONE: the day holds the rows of that zone\'s day, also as data_from/data_to', { timeout: 180_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: retail.root, templatesDir: TEMPLATES, config: { defaultTimeZone: 'Asia/Tokyo' } });
  await stack.run(async () => {
    const day = [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-01' }];
    const tokyo = await runReport(stack, { report_code: 'INVOICE_LINES', format: 'CSV', parameter_values: day });
    assert.equal(tokyo.run.timezone, 'Asia/Tokyo', 'the record shows the zone used');
    const rows = parse(tokyo.file.bytes, { columns: true }) as Record<string, string>[];
    const expected = await linesBetween('2011-07-01T00:00:00+09:00', '2011-07-02T00:00:00+09:00');
    // 30 June 19:08 UTC is 1 July 04:08 in Tokyo: those lines belong to Tokyo's 1 July, not UTC's.
    assert.deepEqual(rows.map((r) => r.line_no), expected);
    assert.ok(rows.some((r) => r.invoice_date!.startsWith('2011-07-01T04:08:00') && r.invoice_date!.endsWith('+09:00')), 'times are printed in the default zone');

    const utc = await runReport(stack, { report_code: 'INVOICE_LINES', format: 'CSV', parameter_values: day, timezone: 'UTC' });
    assert.equal(utc.run.timezone, 'UTC');
    const utcRows = parse(utc.file.bytes, { columns: true }) as Record<string, string>[];
    assert.deepEqual(utcRows.map((r) => r.line_no), await linesBetween('2011-07-01T00:00:00Z', '2011-07-02T00:00:00Z'));
    assert.ok(utcRows.length < rows.length && utcRows.length > 0, `the zones' days differ (${utcRows.length} vs ${rows.length} lines)`);

    // The same Tokyo day as Dintero's half-open instants, written in UTC.
    const instants = await runReport(stack, { report_code: 'INVOICE_LINES', format: 'CSV', data_from: '2011-06-30T15:00:00Z', data_to: '2011-07-01T15:00:00Z' });
    assert.deepEqual(instants.run.parameter_values, [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-01' }]);
    assert.deepEqual(instants.file.bytes.toString('utf8'), tokyo.file.bytes.toString('utf8'), 'the same file as from_date/to_date');
  });
});

void test('Accept and Accept-Language choose the file of a real run: a Norwegian PDF, the answer JSON', { timeout: 180_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: retail.root, templatesDir: TEMPLATES });
  await stack.run(async () => {
    const body = { report_code: 'SALES_SUMMARY', timezone: 'Europe/London', parameter_values: [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2010-12-31' }] };
    const { run, file } = await runReport(stack, body, { accept: 'text/csv;q=0.5, application/pdf', 'accept-language': 'nb-NO, no;q=0.9, en;q=0.5' });
    assert.equal(run.format, 'PDF');
    assert.equal(run.language, 'nb', 'nb-NO is Bokmål: nb');
    assert.equal(file.headers['content-type'], 'application/pdf');
    const text = await pdfText(file.bytes);
    assert.match(text, /Nettosalg per land og måned/, 'labels in Norwegian');
    assert.match(text, /Salgsoversikt/);
  });
});

void test('a PDF in nb, sv, da and de: translated labels, title, note, month and country names; nb prints as no', { timeout: 240_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: retail.root, templatesDir: TEMPLATES });
  const expected = {
    nb: ['Salgsoversikt', 'Nettosalg', 'desember 2010', 'Storbritannia', 'Frankrike', 'Demoselger'],
    sv: ['Försäljningsöversikt', 'Nettoförsäljning', 'december 2010', 'Storbritannien', 'Frankrike', 'Demosäljare'],
    da: ['Salgsoversigt', 'Nettosalg', 'december 2010', 'Storbritannien', 'Frankrig', 'Demosælger'],
    de: ['Umsatzübersicht', 'Nettoumsatz', 'Dezember 2010', 'Vereinigtes Königreich', 'Frankreich', 'Demo-Verkäufer'],
  };
  await stack.run(async () => {
    const texts: Record<string, string> = {};
    for (const language of [...Object.keys(expected), 'no']) {
      const body = { report_code: 'SALES_SUMMARY', format: 'PDF', language: language.toUpperCase(), timezone: 'Europe/London', parameter_values: [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2010-12-31' }] };
      const { run, file } = await runReport(stack, body);
      assert.equal(run.language, language, 'codes are taken in any case and recorded lower-case');
      texts[language] = (await pdfText(file.bytes)).replaceAll(String(run.id), '<id>').replace(/\d{1,2}\.? \S+ 20\d\d,? (kl\. )?\d\d[:.]\d\d/g, '<time>');
    }
    for (const [language, words] of Object.entries(expected)) {
      for (const word of words) assert.ok(texts[language]!.includes(word), `${language}: "${word}" in\n${texts[language]}`);
      // The seller's address above the table is the report's constant text; the data's countries below are translated.
      const table = texts[language]!.slice(texts[language]!.indexOf(words[2]!));
      assert.ok(!/United Kingdom|EIRE|France/.test(table), `${language}: the data's country names are translated in\n${table}`);
    }
    const words = (text: string) => text.split(/\s+/).join(' ');
    assert.equal(words(texts.nb!), words(texts.no!), 'nb and no print the same words (pdftotext\'s spacing follows glyph widths of the varying time)');
  });
});
