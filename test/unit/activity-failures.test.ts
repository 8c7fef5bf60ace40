/**
 * The one conversion from reportflow's ReportError to Temporal's non-retryable ApplicationFailure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { failingAsReportErrors, toFailure } from '../../activities/to-failure.js';
import { DatabaseUnavailableError } from '../../src/data/database.js';
import { ReportError } from '../../src/domain/errors.js';

void test('a ReportError becomes a non-retryable ApplicationFailure typed with its code, field errors as details', () => {
  const errors = [{ field: 'parameter_values.invoice_id', code: 'INVOICE_NOT_FOUND', message: 'Invoice 1 does not exist.' }];
  const failure = toFailure(new ReportError('INVOICE_NOT_FOUND', 'Invoice 1 does not exist.', errors));
  assert.ok(failure instanceof ApplicationFailure);
  assert.equal(failure.type, 'INVOICE_NOT_FOUND');
  assert.equal(failure.message, 'Invoice 1 does not exist.');
  assert.equal(failure.nonRetryable, true);
  assert.deepEqual(failure.details, [errors]);
});

void test('any other error passes through unchanged, so the retry policy retries it', () => {
  const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  assert.equal(toFailure(err), err);
});

void test('a database outage becomes a retryable UNAVAILABLE failure, so exhausted retries end the run UNAVAILABLE, not INTERNAL', () => {
  // PgDatabase, the one door to the database, throws every outage as a DatabaseUnavailableError.
  const outages = [
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
  ].map((cause) => new DatabaseUnavailableError(cause));
  // ...also when a stream or a step wrapped it on the way up.
  outages.push(Object.assign(new Error('render failed'), { cause: new DatabaseUnavailableError(new Error('Connection terminated')) }) as DatabaseUnavailableError);
  for (const err of outages) {
    const failure = toFailure(err);
    assert.ok(failure instanceof ApplicationFailure, err.message);
    assert.equal(failure.type, 'UNAVAILABLE');
    assert.equal(failure.nonRetryable, false);
    assert.match(failure.message, /database could not be reached/);
  }
  // An SQL error is a fault of its own, not an outage.
  const syntax = Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' });
  assert.equal(toFailure(syntax), syntax);
});

void test('a network fault elsewhere (a webhook host, a bucket, SMTP) is not called a database outage', () => {
  // Seen in the worker log of a webhook to an unknown host: "The database could not be reached…: getaddrinfo ENOTFOUND 0.com".
  const faults = [
    Object.assign(new Error('getaddrinfo ENOTFOUND 0.com'), { code: 'ENOTFOUND' }),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
  ];
  for (const err of faults) assert.equal(toFailure(err), err, err.message);
});

void test('a wrapped activity keeps its result and converts what it throws', async () => {
  const ok = failingAsReportErrors(async (a: number, b: number) => a + b);
  assert.equal(await ok(2, 3), 5);
  const bad = failingAsReportErrors(async () => {
    throw new ReportError('REPORT_TOO_LARGE', 'Too many rows for PDF.');
  });
  await assert.rejects(bad(), (e: unknown) => e instanceof ApplicationFailure && e.type === 'REPORT_TOO_LARGE' && e.nonRetryable);
});
