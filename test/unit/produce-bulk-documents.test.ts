/**
 * The bulk batch activity with fake steps (the real ones run in test/integration/bulk-run.test.ts):
 * what it records per document, what a retry skips, how a transient fault and a cancel end an attempt;
 * and how a batch that failed for good is settled from its documents' records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { produceBulkDocumentsActivity, type BulkBatchInput, type BulkDocumentSteps } from '../../activities/produce-bulk-documents.js';
import { settleBulkDocumentsActivity } from '../../activities/settle-bulk-documents.js';
import type { BulkRequest } from '../../src/domain/bulk-request.js';
import type { ReportRequest } from '../../src/domain/report-request.js';
import type { RequestRecord, RunStateUpdate } from '../../src/records/records.js';

const BULK: BulkRequest = {
  id: 'b1', tenantId: 'acme', requestedAt: '2026-12-01T00:00:00Z',
  template: { reportCode: 'INVOICE', format: 'PDF', parameterValues: [], timezone: 'UTC', language: 'en', runMode: 'inline' } as unknown as BulkRequest['template'],
  keyParameter: 'invoice_id', keyParameters: {}, concurrency: 2,
};

/** Fake steps: `bad` keys fail validation for good (NO_DATA); `flaky` keys' produce throws a plain Error once. */
function fakeSteps(options: { bad?: string[]; flaky?: string[]; recorded?: Record<string, RequestRecord['status']>; onProduce?: (key: string) => Promise<void> | void } = {}) {
  const writes: Array<[string, string]> = [];
  const produced: string[] = [];
  const looked: string[] = [];
  const flaky = new Set(options.flaky);
  const key = (r: ReportRequest) => String(r.parameterValues.find((p) => p.name === 'invoice_id')?.value);
  const steps: BulkDocumentSteps = {
    records: {
      getRequest: async (_tenant, id) => {
        looked.push(id);
        const status = options.recorded?.[id];
        return status ? ({ status, error: status === 'FAILED' ? { code: 'NO_DATA', message: 'none', errors: [] } : undefined } as RequestRecord) : undefined;
      },
    },
    startRun: async (request: ReportRequest, running: RunStateUpdate) => {
      writes.push([request.id, running.status]);
      if (options.bad?.includes(key(request))) throw ApplicationFailure.create({ type: 'NO_DATA', message: 'No rows.', nonRetryable: true, details: [[{ field: 'invoice_id', code: 'NO_DATA', message: 'none' }]] });
      return { request, parameters: {} };
    },
    produceReport: async ({ request }) => {
      await options.onProduce?.(key(request));
      // As the real stages do: a cancelled activity's stage stops.
      if (Context.current().cancellationSignal.aborted) throw new CancelledFailure('cancelled');
      if (flaky.delete(key(request))) throw new Error('browser crashed');
      produced.push(request.id);
      return {} as never;
    },
    recordRunState: async (request, update) => {
      writes.push([request.id, update.error ? `${update.status} ${update.error.code} ${update.stage}` : update.status]);
    },
    withdraw: async (request) => {
      writes.push([request.id, 'WITHDRAWN']);
    },
  };
  return { steps, writes, produced, looked };
}

const input = (keys: string[], concurrency = 2): BulkBatchInput => ({ bulk: BULK, keys, concurrency });

void test('a first attempt makes every document, records each end, and counts a document bad for good as failed', async () => {
  const fake = fakeSteps({ bad: ['3'] });
  const result = await new MockActivityEnvironment({ attempt: 1 }).run(produceBulkDocumentsActivity(fake.steps), input(['1', '2', '3', '4']));
  assert.deepEqual(result, { succeeded: 3, failed: 1, cancelled: 0, failures: [{ key: '3', requestId: 'b1:3', code: 'NO_DATA' }] });
  assert.deepEqual(fake.produced.sort(), ['b1:1', 'b1:2', 'b1:4']);
  assert.deepEqual(fake.writes.filter(([id]) => id === 'b1:3'), [['b1:3', 'RUNNING'], ['b1:3', 'FAILED NO_DATA VALIDATE']]);
  assert.deepEqual(fake.writes.filter(([id]) => id === 'b1:1'), [['b1:1', 'RUNNING'], ['b1:1', 'SUCCEEDED']]);
  assert.deepEqual(fake.looked, [], 'a first attempt looks up no records');
});

void test('a retry does not make again a document recorded SUCCEEDED or FAILED, and makes the others', async () => {
  const fake = fakeSteps({ recorded: { 'b1:1': 'SUCCEEDED', 'b1:2': 'FAILED', 'b1:3': 'RUNNING' } });
  const result = await new MockActivityEnvironment({ attempt: 2 }).run(produceBulkDocumentsActivity(fake.steps), input(['1', '2', '3', '4']));
  assert.deepEqual(result, { succeeded: 3, failed: 1, cancelled: 0, failures: [{ key: '2', requestId: 'b1:2', code: 'NO_DATA' }] });
  assert.deepEqual(fake.produced.sort(), ['b1:3', 'b1:4']);
  assert.deepEqual(fake.looked.sort(), ['b1:1', 'b1:2', 'b1:3', 'b1:4']);
});

void test('a transient fault fails the attempt after the documents in production ended, and starts no more', async () => {
  let releaseOther!: () => void;
  const otherHeld = new Promise<void>((r) => (releaseOther = r));
  const fake = fakeSteps({
    flaky: ['1'],
    // Document 2 is still in production when document 1 fails: it must end (and be recorded) first.
    onProduce: async (key) => {
      if (key === '2') await otherHeld;
      if (key === '1') setTimeout(releaseOther, 50);
    },
  });
  await assert.rejects(new MockActivityEnvironment({ attempt: 1 }).run(produceBulkDocumentsActivity(fake.steps), input(['1', '2', '3', '4'])), /browser crashed/);
  assert.deepEqual(fake.produced, ['b1:2'], 'the document in production was finished; none was started after the fault');
  assert.deepEqual(fake.writes.filter(([, s]) => s !== 'RUNNING'), [['b1:2', 'SUCCEEDED']], 'only its end is recorded: the failed one is made again by the retry');
});

void test('a cancel stops the document in production (taken back, recorded CANCELLED), starts no more, and returns the counts', async () => {
  const env = new MockActivityEnvironment({ attempt: 1 });
  const fake = fakeSteps({ onProduce: (key) => { if (key === '2') env.cancel('CANCELLED', new ActivityCancellationDetails({ cancelRequested: true })); } });
  const result = await env.run(produceBulkDocumentsActivity(fake.steps), input(['1', '2', '3', '4', '5'], 1));
  assert.deepEqual(result, { succeeded: 1, failed: 0, cancelled: 4, failures: [] });
  assert.deepEqual(fake.produced, ['b1:1']);
  assert.deepEqual(fake.writes.filter(([id]) => id !== 'b1:1'), [['b1:2', 'RUNNING'], ['b1:2', 'WITHDRAWN'], ['b1:2', 'CANCELLED RUN_CANCELLED QUERY_DATA']], 'nothing of the documents after it');
});

void test('stopped by its worker shutting down, the batch fails the attempt and records no document as cancelled (the retry makes them)', async () => {
  const env = new MockActivityEnvironment({ attempt: 1 });
  const fake = fakeSteps({ onProduce: (key) => { if (key === '2') env.cancel('WORKER_SHUTDOWN', new ActivityCancellationDetails({ workerShutdown: true })); } });
  await assert.rejects(env.run(produceBulkDocumentsActivity(fake.steps), input(['1', '2', '3', '4', '5'], 1)), CancelledFailure);
  assert.deepEqual(fake.produced, ['b1:1']);
  assert.deepEqual(fake.writes.filter(([id]) => id !== 'b1:1'), [['b1:2', 'RUNNING']], 'document 2 stays RUNNING, neither withdrawn nor CANCELLED');
});

void test('a batch that failed for good is settled: ended documents counted as recorded, the unfinished and the unstarted withdrawn and recorded FAILED', async () => {
  const fake = fakeSteps({ recorded: { 'b1:1': 'SUCCEEDED', 'b1:2': 'FAILED', 'b1:3': 'RUNNING', 'b1:4': 'CANCELLED' } });
  const settle = settleBulkDocumentsActivity(fake.steps);
  const result = await new MockActivityEnvironment().run(settle, { bulk: BULK, keys: ['1', '2', '3', '4', '5'], error: { code: 'UNAVAILABLE', message: 'The database is down.' } });
  assert.deepEqual(result, {
    succeeded: 1, failed: 3, cancelled: 1,
    failures: [{ key: '2', requestId: 'b1:2', code: 'NO_DATA' }, { key: '3', requestId: 'b1:3', code: 'UNAVAILABLE' }, { key: '5', requestId: 'b1:5', code: 'UNAVAILABLE' }],
  });
  assert.deepEqual(fake.writes, [
    ['b1:3', 'WITHDRAWN'], ['b1:3', 'FAILED UNAVAILABLE VALIDATE'],
    ['b1:5', 'WITHDRAWN'], ['b1:5', 'FAILED UNAVAILABLE VALIDATE'],
  ], 'only the documents without a final record are written, each taken back first');
  assert.deepEqual(fake.produced, [], 'settling makes no document');
});
