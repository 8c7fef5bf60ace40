import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDate, formatDateTime, formatMoney, formatMonth, formatNumber, intlLocale } from '../../src/render/helpers/intl-format.js';

// Intl uses NARROW NO-BREAK/NO-BREAK spaces and U+2212 MINUS in Norwegian; compare on plain characters.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ').replace(/\u2212/g, '-');
const en = { language: 'en', timeZone: 'Europe/London' } as const;
const no = { language: 'no', timeZone: 'Europe/Oslo' } as const;

test('languages map to en-GB and nb-NO', () => {
  assert.equal(intlLocale('en'), 'en-GB');
  assert.equal(intlLocale('no'), 'nb-NO');
});

test('money is GBP with the language\'s grouping and decimal mark', () => {
  assert.equal(formatMoney('1234.5', en), '£1,234.50');
  assert.equal(plain(formatMoney('1234.5', no)), '1 234,50 £');
  assert.equal(plain(formatMoney('-27.5', no)), '-27,50 £');
  assert.equal(formatMoney('-27.5', en), '-£27.50');
  assert.equal(formatMoney('9747747.93', en), '£9,747,747.93');
});

test('money keeps every digit of the value: exact, not rounded through a float', () => {
  assert.equal(formatMoney('0.125', en), '£0.125');
  assert.equal(formatMoney('12345678901234567.89', en), '£12,345,678,901,234,567.89');
  assert.equal(formatMoney('3', en, 'EUR'), '€3.00');
});

test('money and numbers print nothing for null and the raw text for garbage', () => {
  assert.equal(formatMoney(null, en), '');
  assert.equal(formatMoney(undefined, en), '');
  assert.equal(formatMoney('n/a', en), 'n/a');
  assert.equal(formatNumber(null, en), '');
});

test('numbers group thousands and honour the decimals argument', () => {
  assert.equal(formatNumber(80995, en, 0), '80,995');
  assert.equal(plain(formatNumber(-80995, no, 0)), '-80 995');
  assert.equal(plain(formatNumber('1234.5', no, 2)), '1 234,50');
  assert.equal(formatNumber('1234.567', en), '1,234.567');
});

test('a winter instant prints in GMT in London and CET in Oslo', () => {
  const instant = '2010-12-01T08:26:00.000Z';
  assert.equal(plain(formatDateTime(instant, en)), '1 Dec 2010, 08:26 GMT');
  assert.equal(plain(formatDateTime(instant, no)), '1. des. 2010, 09:26 CET');
});

test('a summer instant is converted to BST in London and CEST in Oslo', () => {
  const instant = '2011-07-01T08:00:00.000Z';
  assert.equal(plain(formatDateTime(instant, en)), '1 Jul 2011, 09:00 BST');
  assert.equal(plain(formatDateTime(instant, no)), '1. juli 2011, 10:00 CEST');
  assert.equal(plain(formatDateTime(instant, { language: 'en', timeZone: 'America/New_York' })), '1 Jul 2011, 04:00 GMT-4');
});

test('the date of an instant is the date in the request\'s zone', () => {
  const lateEvening = '2011-06-30T23:30:00.000Z'; // 1 July in London (BST) and Oslo, 30 June in UTC
  assert.equal(formatDate(lateEvening, en), '1 Jul 2011');
  assert.equal(formatDate(lateEvening, { language: 'en', timeZone: 'UTC' }), '30 Jun 2011');
  assert.equal(formatDate(lateEvening, no), '1. juli 2011');
});

test('a bare calendar date prints as that date whatever the zone', () => {
  assert.equal(formatDate('2011-07-01', { language: 'en', timeZone: 'Pacific/Honolulu' }), '1 Jul 2011');
  assert.equal(formatDate('2011-12-09', { language: 'no', timeZone: 'Asia/Tokyo' }), '9. des. 2011');
});

test('months print as words in each language', () => {
  assert.equal(formatMonth('2011-07', en), 'July 2011');
  assert.equal(formatMonth('2010-12', no), 'desember 2010');
  assert.equal(formatMonth('July', en), 'July');
});
