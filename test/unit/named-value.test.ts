/**
 * Error messages name a client's value only when it is a plain token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namedValue } from '../../src/domain/errors.js';

void test('plain tokens are quoted: typos, time zones, integration ids', () => {
  for (const v of ['docx', 'Europe/Olso', 'America/Argentina/Buenos_Aires', 'Etc/GMT+1', 's3-main', 'INVOICE_LINES', 'nb-NO']) assert.equal(namedValue(v, 'X'), `"${v}"`, v);
});

void test('markup, paths, URLs, traversal, control characters and long text are not echoed', () => {
  for (const v of ['ZWmG}(file:///et', 'file:///etc/passwd', '/work/x', '../../etc/passwd', 'a..b', '<script>', "' OR 1=1 --", 'a\r\nb', 'x'.repeat(65), '', ' x', null, undefined]) {
    assert.equal(namedValue(v, 'X'), 'X', String(v));
  }
});
