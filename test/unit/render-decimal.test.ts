import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decimalToString, parseDecimal, sumDecimals } from '../../src/render/helpers/decimal.js';

test('summing money strings is exact where floats drift', () => {
  const values = Array.from({ length: 10 }, () => '0.1');
  assert.notEqual(values.reduce((a, v) => a + Number(v), 0), 1); // the float trap this guards against
  assert.equal(sumDecimals(values), '1.0');
  assert.equal(sumDecimals(['15.30', '20.34', '22.00', '20.34', '20.34', '15.30', '25.50']), '139.12');
});

test('sums keep the largest scale and handle signs, integers and nulls', () => {
  assert.equal(sumDecimals(['2.1', '-0.375', 3, null, undefined, '']), '4.725');
  assert.equal(sumDecimals(['-27.5']), '-27.5');
  assert.equal(sumDecimals(['11062.06', '-11062.06', '-11062.06']), '-11062.06');
  assert.equal(sumDecimals([]), '0');
});

test('sums beyond float precision stay exact', () => {
  assert.equal(sumDecimals(['9007199254740993.01', '0.02']), '9007199254740993.03');
});

test('the net revenue of every line total adds up exactly (a million small sums)', () => {
  const many = Array.from({ length: 1_000_000 }, (_, i) => (i % 2 ? '0.01' : '-0.005'));
  assert.equal(sumDecimals(many), '2500.000');
});

test('parseDecimal rejects what is not a plain decimal', () => {
  for (const bad of ['1e5', '1,5', 'abc', '', '.', '--1']) assert.throws(() => parseDecimal(bad), RangeError, bad);
  assert.deepEqual(parseDecimal('.5'), { units: 5n, scale: 1 });
  assert.equal(decimalToString(parseDecimal('-0.05')), '-0.05');
  assert.equal(decimalToString(parseDecimal(1e-7)), '0.0000001');
});
