/**
 * How the report workflow fails, retries and is cancelled, on a real Temporal dev server: bad input
 * fails at once with its error code, transient faults are retried, a cancelled render stops and
 * exports nothing, and a webhook that answers 4xx is not asked again (and does not change the run's outcome).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { SA_STAGE, SA_STATUS } from '../../src/domain/search-attributes.js';
import { statusQuery } from '../../workflows/messages.js';
import { useTemporalTestServer } from '../helpers/temporal.js';
import { invoiceCatalog } from './fakes.js';
import { activityAttempts, deliveryHandles, invoiceRequest, withHarness } from './harness.js';

const temporal = useTemporalTestServer();

/** The failure a run ended with, checked to be a WorkflowFailedError. */
async function failureOf(result: Promise<unknown>): Promise<WorkflowFailedError> {
  const err = await result.then(
    () => assert.fail('the run should not succeed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
  return err;
}

void test('an unknown report code fails after one attempt with REPORT_CODE_UNKNOWN and status FAILED', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const request = invoiceRequest({ reportCode: 'NO_SUCH_REPORT', notify: { webhookUrl: h.receiver.url() } });
    const handle = await h.start(request);
    const err = await failureOf(handle.result());

    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'REPORT_CODE_UNKNOWN');
    assert.equal(err.cause.nonRetryable, true);
    assert.equal(err.cause.message, 'Unknown report code "NO_SUCH_REPORT".');
    // The run records its end and sends the webhook itself, once, in one local activity: taken at the
    // first attempt, it needs no delivery workflow.
    assert.deepEqual(await activityAttempts(handle), { validateRequest: 1, concludeRun: 1, cleanupStaging: 1 });
    assert.equal(h.db.streamCalls, 0);
    assert.deepEqual(await deliveryHandles(h.client, handle), []);
    const [d] = (await h.records.getRequest('acme', request.id))!.webhookDeliveries ?? [];
    assert.deepEqual([d?.status, d?.attempts, d?.lastHttpStatus, d?.eventId], ['DELIVERED', 1, 204, `${request.id}:report.failed`]);

    const state = await handle.query(statusQuery);
    assert.equal(state.status, 'FAILED');
    assert.equal(state.stage, 'VALIDATE');
    assert.equal(state.error?.code, 'REPORT_CODE_UNKNOWN');
    assert.deepEqual(state.error?.errors.map((e) => e.field), ['report_code']);
    const record = await h.records.searchRequests({ tenantId: 'acme', limit: 10, statuses: ['FAILED'] });
    assert.deepEqual(record.items.map((r) => [r.status, r.stage, r.error?.code]), [['FAILED', 'VALIDATE', 'REPORT_CODE_UNKNOWN']]);
    const described = await handle.describe();
    assert.equal(described.status.name, 'FAILED');
    assert.equal(described.typedSearchAttributes.get(SA_STATUS), 'FAILED');
    assert.equal(described.typedSearchAttributes.get(SA_STAGE), 'VALIDATE');

    assert.equal(h.receiver.received.length, 1);
    const { event } = h.receiver.received[0]!;
    assert.equal(event.type, 'report.failed');
    assert.equal(event.event_id, `${request.id}:report.failed`);
    assert.deepEqual(event.error, { code: 'REPORT_CODE_UNKNOWN', message: 'Unknown report code "NO_SUCH_REPORT".' });
    assert.equal(event.report, undefined);
  });
});

void test('a failed data check fails with its own code and the field it names', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const handle = await h.start(invoiceRequest({ parameterValues: [{ name: 'invoice_id', value: '999999' }] }));
    const err = await failureOf(handle.result());
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'INVOICE_NOT_FOUND');
    const state = await handle.query(statusQuery);
    assert.deepEqual(state.error, {
      code: 'INVOICE_NOT_FOUND',
      message: 'Invoice 999999 does not exist.',
      errors: [{ field: 'parameter_values.invoice_id', code: 'INVOICE_NOT_FOUND', message: 'Invoice 999999 does not exist.' }],
    });
    assert.equal((await activityAttempts(handle)).validateRequest, 1);
  });
});

void test('a database fault in the middle of queryData is retried and the retry rewrites the staged rows', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const handle = await h.start(invoiceRequest());
      const result = await handle.result();
      assert.equal(result.status, 'SUCCEEDED');
      assert.equal(h.db.streamCalls, 2);
      assert.equal((await activityAttempts(handle)).queryData, 2);
      // 5 rows, not 2 (first attempt's batch) + 5.
      assert.equal(result.report!.rows, 5);
    },
    (h) => {
      h.db.failStreams = 1;
    },
  );
});

void test('cancelling a run during a slow render aborts the renderer, exports nothing and ends CANCELLED', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const request = invoiceRequest({ notify: { webhookUrl: h.receiver.url() } });
      const handle = await h.start(request);
      for (let i = 0; (await handle.query(statusQuery)).stage !== 'RENDER'; i++) {
        assert.ok(i < 100, 'the run never reached RENDER');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const cancelledAt = Date.now();
      await handle.cancel();
      const err = await failureOf(handle.result());
      const stopMs = Date.now() - cancelledAt;
      assert.ok(err.cause instanceof CancelledFailure, `expected CancelledFailure, got ${String(err.cause)}`);

      assert.equal(h.renderer.sawAbort, true);
      assert.deepEqual(await h.exportedFiles(), []);
      assert.equal((await activityAttempts(handle)).exportReport, undefined);
      assert.equal(existsSync(path.join(h.config.stagingDir, request.id)), false);

      const state = await handle.query(statusQuery);
      assert.equal(state.status, 'CANCELLED');
      assert.equal(state.stage, 'RENDER');
      assert.equal(state.error?.code, 'RUN_CANCELLED');
      const record = (await h.records.getRequest('acme', request.id))!;
      assert.equal(record.status, 'CANCELLED');
      assert.equal(record.error?.code, 'RUN_CANCELLED');
      assert.equal(record.report, undefined);
      const described = await handle.describe();
      assert.equal(described.status.name, 'CANCELLED');
      assert.equal(described.typedSearchAttributes.get(SA_STATUS), 'CANCELLED');

      assert.deepEqual(await deliveryHandles(h.client, handle), []);
      assert.deepEqual(h.receiver.received.map((r) => r.event.event_id), [`${request.id}:report.cancelled`]);
      assert.equal(h.receiver.received[0]!.event.status, 'CANCELLED');
      assert.ok(stopMs < 5000, `cancel took ${stopMs} ms to take effect`);
      console.log(`cancel → run closed in ${stopMs} ms`);
    },
    (h) => {
      h.renderer.slow = true;
    },
  );
});

for (const runMode of ['staged', 'inline'] as const) {
  void test(`a webhook answering 4xx is not retried, the delivery FAILS with WEBHOOK_REJECTED and the report still succeeds (${runMode} run)`, async () => {
    await withHarness(
      temporal.env,
      temporal.bundle,
      async (h) => {
        const request = invoiceRequest({ ...(runMode === 'inline' ? { runMode } : {}), notify: { webhookUrl: h.receiver.url() } });
        const handle = await h.start(request);
        const result = await handle.result();
        assert.equal(result.status, 'SUCCEEDED');
        // The run's own attempt was refused for good: no retry, and no delivery workflow to make one.
        assert.deepEqual(await deliveryHandles(h.client, handle), []);
        assert.equal(h.receiver.received.length, 1);
        // A staged run makes it at its end (concludeRun); an inline run in its one step (startAndProduce).
        const attempts = await activityAttempts(handle);
        assert.deepEqual([attempts.concludeRun, attempts.startAndProduce], runMode === 'inline' ? [undefined, 1] : [1, undefined]);
        const record = (await h.records.getRequest('acme', request.id))!;
        assert.equal(record.status, 'SUCCEEDED');
        assert.deepEqual(record.notifyError, {
          code: 'WEBHOOK_REJECTED',
          message: 'The webhook receiver answered 410 to report.succeeded.',
          errors: [{ field: 'notify.webhook_url', code: 'WEBHOOK_REJECTED', message: 'answered 410' }],
        });
        const [d] = record.webhookDeliveries ?? [];
        assert.deepEqual([d?.status, d?.attempts, d?.lastHttpStatus, d?.nextAttemptAt, d?.error?.code], ['FAILED', 1, 410, undefined, 'WEBHOOK_REJECTED']);
        assert.equal((await h.exportedFiles()).length, 1);
      },
      (h) => {
        h.receiver.statuses = [410];
        if (runMode === 'inline') h.catalog = invoiceCatalog('inline');
      },
    );
  });
}

void test('every long stage heartbeats within 30 s (a dead worker\'s export is retried within its heartbeat timeout, not after 5 minutes)', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const handle = await h.start(invoiceRequest());
    await handle.result();
    const history = await handle.fetchHistory();
    const heartbeatSeconds: Record<string, number | undefined> = {};
    for (const e of history.events ?? []) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s) heartbeatSeconds[s.activityType!.name!] = s.heartbeatTimeout ? Number(s.heartbeatTimeout.seconds ?? 0) : undefined;
    }
    assert.deepEqual(
      { queryData: heartbeatSeconds.queryData, renderReport: heartbeatSeconds.renderReport, exportReport: heartbeatSeconds.exportReport },
      { queryData: 30, renderReport: 30, exportReport: 30 },
    );
  });
});

void test('a run that fails for good after its LOCAL copy was delivered takes it back: no file, no report record', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    // An S3 location whose integration this worker lacks fails the export for good (INTEGRATION_UNKNOWN),
    // after the LOCAL copy and its record were written.
    const request = invoiceRequest({ exportLocations: [{ variant: 'S3', integrationId: 'not-configured', bucketPath: 's3://nowhere' }] });
    const handle = await h.start(request);
    const err = await failureOf(handle.result());
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'INTEGRATION_UNKNOWN');
    const attempts = await activityAttempts(handle);
    assert.equal(attempts.exportReport, 1, 'the LOCAL copy was made');
    assert.equal(attempts.withdrawReport, 1, 'and taken back');
    assert.deepEqual(await h.exportedFiles(), [], 'no report file is left');
    assert.equal(await h.records.getReport('acme', request.id), undefined, 'nor its record');
    const state = await handle.query(statusQuery);
    assert.equal(state.status, 'FAILED');
    assert.equal(state.stage, 'EXPORT');
  });
});
