/**
 * The notification email's words in each language: subject and body say what happened in the
 * request's language; `nb` says what `no` says; codes, ids, figures and links are left as they are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LANGUAGES } from '../../src/domain/report-request.js';
import { emailText, type EmailFacts } from '../../src/notifiers/email-text.js';

const SUCCEEDED: EmailFacts = {
  type: 'report.succeeded',
  reportCode: 'SALES_SUMMARY',
  requestId: 'rpt-1',
  report: { fileName: 'SALES_SUMMARY.pdf', sizeBytes: 2048, rows: 12, sha256: 'ab12', downloadUrl: 'https://r.example/d', copies: [{ uri: 's3://b/k.pdf', downloadUrl: 'https://s3.example/k' }] },
};
const FAILED: EmailFacts = { type: 'report.failed', reportCode: 'INVOICE', requestId: 'rpt-2', error: { code: 'QUERY_FAILED', message: 'boom' } };

const EXPECTED = {
  en: { request: 'request', ready: 'Report SALES_SUMMARY is ready', failed: 'Report INVOICE failed', file: 'File: SALES_SUMMARY.pdf, 2048 bytes, 12 rows', download: 'Download: https://r.example/d', copy: 'Copy: s3://b/k.pdf', error: 'Error QUERY_FAILED: boom' },
  no: { request: 'forespørsel', ready: 'Rapport SALES_SUMMARY er klar', failed: 'Rapport INVOICE feilet', file: 'Fil: SALES_SUMMARY.pdf, 2048 byte, 12 rader', download: 'Last ned: https://r.example/d', copy: 'Kopi: s3://b/k.pdf', error: 'Feil QUERY_FAILED: boom' },
  sv: { request: 'förfrågan', ready: 'Rapport SALES_SUMMARY är klar', failed: 'Rapport INVOICE misslyckades', file: 'Fil: SALES_SUMMARY.pdf, 2048 byte, 12 rader', download: 'Ladda ned: https://r.example/d', copy: 'Kopia: s3://b/k.pdf', error: 'Fel QUERY_FAILED: boom' },
  da: { request: 'forespørgsel', ready: 'Rapport SALES_SUMMARY er klar', failed: 'Rapport INVOICE mislykkedes', file: 'Fil: SALES_SUMMARY.pdf, 2048 byte, 12 rækker', download: 'Hent: https://r.example/d', copy: 'Kopi: s3://b/k.pdf', error: 'Fejl QUERY_FAILED: boom' },
  de: { request: 'Anfrage', ready: 'Bericht SALES_SUMMARY ist fertig', failed: 'Bericht INVOICE ist fehlgeschlagen', file: 'Datei: SALES_SUMMARY.pdf, 2048 Byte, 12 Zeilen', download: 'Herunterladen: https://r.example/d', copy: 'Kopie: s3://b/k.pdf', error: 'Fehler QUERY_FAILED: boom' },
};

void test('each language has its own subject and body; figures, ids and links are kept', () => {
  for (const [language, want] of Object.entries(EXPECTED)) {
    const ok = emailText(SUCCEEDED, language as keyof typeof EXPECTED);
    assert.equal(ok.subject, want.ready, language);
    const lines = ok.text.split('\n');
    assert.equal(lines[0], `${want.ready.replace('SALES_SUMMARY', `SALES_SUMMARY (${want.request} rpt-1)`)}.`, language);
    assert.ok(lines.includes(`${want.file}, sha256 ab12.`), `${language}: ${ok.text}`);
    assert.ok(lines.includes(want.download), `${language}: ${ok.text}`);
    assert.ok(lines.includes(want.copy) && lines.includes('  https://s3.example/k'), `${language}: ${ok.text}`);
    assert.ok(ok.text.endsWith('\n'));
    const failed = emailText(FAILED, language as keyof typeof EXPECTED);
    assert.equal(failed.subject, want.failed, language);
    assert.ok(failed.text.split('\n').includes(want.error), `${language}: ${failed.text}`);
  }
});

void test('nb reads as no, and every language is worded differently from English', () => {
  assert.deepEqual(emailText(SUCCEEDED, 'nb'), emailText(SUCCEEDED, 'no'));
  const english = emailText(SUCCEEDED, 'en').text;
  for (const language of LANGUAGES.filter((l) => l !== 'en')) assert.notEqual(emailText(SUCCEEDED, language).text, english, language);
  assert.deepEqual(Object.keys(EXPECTED).sort(), LANGUAGES.filter((l) => l !== 'nb').sort(), 'every language with its own wording is checked above');
});
