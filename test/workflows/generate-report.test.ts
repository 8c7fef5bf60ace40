/**
 * The report workflow's happy path on a real Temporal dev server: states seen through the status
 * query, the exported file, search attributes, the success webhook, and replay of the recorded history.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { SA_REPORT_CODE, SA_STAGE, SA_STATUS, SA_TENANT } from '../../src/domain/search-attributes.js';
import type { RunState } from '../../src/domain/run-status.js';
import { statusQuery } from '../../workflows/messages.js';
import { useTemporalTestServer } from '../helpers/temporal.js';
import { pollUntil } from '../helpers/within.js';
import { Readable } from 'node:stream';
import { CsvRenderer } from '../../src/render/csv-renderer.js';
import { INVOICES, stubRenderers } from './fakes.js';
import { activityAttempts, invoiceRequest, settledDelivery, withHarness } from './harness.js';

const temporal = useTemporalTestServer();

void test('a run goes RUNNING through each stage to SUCCEEDED and exports the file it reports', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    let openGate!: () => void;
    h.renderer.gate = new Promise((resolve) => (openGate = resolve));
    const request = invoiceRequest();
    const handle = await h.start(request);

    // Held in RENDER by the gate: the query shows the stage, and the earlier stages' start times.
    const during = await pollUntil(10_000, 'the run in RENDER', async () => {
      const s = await handle.query(statusQuery);
      return s.stage === 'RENDER' ? s : undefined;
    });
    assert.equal(during.status, 'RUNNING');
    assert.deepEqual(Object.keys(during.stageStartedAt), ['VALIDATE', 'QUERY_DATA', 'RENDER']);
    const described = await handle.describe();
    assert.equal(described.typedSearchAttributes.get(SA_STATUS), 'RUNNING');
    assert.equal(described.typedSearchAttributes.get(SA_STAGE), 'RENDER');
    // The run recorded itself as RUNNING for the API (the request had no record: runs from schedules do not).
    assert.equal((await h.records.getRequest('acme', request.id))?.status, 'RUNNING');
    openGate();

    const result: RunState = await handle.result();
    assert.equal(result.status, 'SUCCEEDED');
    assert.equal(result.error, undefined);
    assert.deepEqual(Object.keys(result.stageStartedAt), ['VALIDATE', 'QUERY_DATA', 'RENDER', 'EXPORT']);
    const report = result.report!;
    assert.equal(report.fileName, `INVOICE_536365_${request.id}.csv`);
    assert.equal(report.contentType, 'text/csv');
    assert.equal(report.rows, INVOICES['536365']!.length);
    assert.equal(report.destination, 'LOCAL');
    const record = (await h.records.getRequest('acme', request.id))!;
    assert.equal(record.status, 'SUCCEEDED');
    assert.ok(record.completedAt);
    assert.deepEqual(
      { fileName: record.report?.fileName, sha256: record.report?.sha256, sizeBytes: record.report?.sizeBytes, rows: record.report?.rows, uri: record.report?.uri },
      { fileName: report.fileName, sha256: report.sha256, sizeBytes: report.sizeBytes, rows: report.rows, uri: report.uri },
    );

    // The file is where the report says, under <tenant>/<code>/<id>/, with the size and digest it reports.
    assert.deepEqual(await h.exportedFiles(), [`acme/INVOICE/${request.id}/${report.fileName}`]);
    // The run and its record keep the file's key relative to the reports directory, not a path.
    assert.equal(report.uri, `local:///acme/INVOICE/${request.id}/${report.fileName}`);
    const bytes = await readFile(h.destination.pathOf(report.uri));
    assert.equal(report.sizeBytes, bytes.length);
    assert.equal(report.sha256, createHash('sha256').update(bytes).digest('hex'));
    const lines = bytes.toString('utf8').trim().split('\n');
    assert.equal(lines[0], 'invoice_no,description,quantity,unit_price');
    assert.equal(lines[1], '"536365","WHITE HANGING HEART T-LIGHT HOLDER",6,"2.55"');
    assert.equal(lines.length, 1 + INVOICES['536365']!.length);

    // The query answers after the end too, and staging was cleaned up.
    assert.deepEqual(await handle.query(statusQuery), result);
    assert.equal(existsSync(path.join(h.config.stagingDir, request.id)), false);
  });
});

void test('a CSV the query stage copied goes to the export without a render activity, and is the file exported', async () => {
  // The database side of COPY is faked here (test/integration/csv-copy.test.ts runs it on PostgreSQL):
  // it hands the CSV renderer two records as PostgreSQL prints them.
  const printed = '536365,WHITE HANGING HEART T-LIGHT HOLDER,6,2.55\n536365,WHITE METAL LANTERN,6,3.39\n';
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const request = invoiceRequest();
      const handle = await h.start(request);
      const result: RunState = await handle.result();
      assert.equal(result.status, 'SUCCEEDED');
      const attempts = await activityAttempts(handle);
      assert.equal(attempts.queryData, 1);
      assert.equal(attempts.renderReport, undefined, `activities: ${JSON.stringify(attempts)}`);
      assert.equal(attempts.exportReport, 1);
      const bytes = await readFile(h.destination.pathOf(result.report!.uri));
      assert.equal(bytes.toString('utf8'), `invoice_no,description,quantity,unit_price\r\n${printed.replaceAll('\n', '\r\n')}`);
      assert.equal(result.report!.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(result.report!.rows, 2);
    },
    (h) => {
      h.db.copyCsv = async <T>(_query: unknown, _shape: unknown, consume: (csv: Readable) => Promise<T>) => ({ copied: true as const, value: await consume(Readable.from([Buffer.from(printed)])) });
      h.overrides.renderers = { ...stubRenderers(h.renderer), CSV: new CsvRenderer() };
    },
  );
});

void test('a finished run is findable by its search attributes', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const request = invoiceRequest({ tenantId: 'tenant-sa' });
    const handle = await h.start(request);
    await handle.result();

    const described = await handle.describe();
    assert.equal(described.typedSearchAttributes.get(SA_STATUS), 'SUCCEEDED');
    assert.equal(described.typedSearchAttributes.get(SA_REPORT_CODE), 'INVOICE');
    assert.equal(described.typedSearchAttributes.get(SA_TENANT), 'tenant-sa');

    // Visibility is eventually consistent: poll the list briefly.
    const found = await pollUntil(10_000, 'the run in the visibility list', async () => {
      const ids: string[] = [];
      for await (const wf of h.client.workflow.list({ query: `ReportCode="INVOICE" AND ReportStatus="SUCCEEDED" AND ReportTenant="tenant-sa"` })) ids.push(wf.workflowId);
      return ids.includes(request.id) ? ids : undefined;
    });
    assert.deepEqual(found, [request.id]);
  });
});

void test('the webhook receives report.succeeded once delivered, with a stable event id across retries', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const request = invoiceRequest({ notify: { webhookUrl: h.receiver.url() } });
      const handle = await h.start(request);
      const result = await handle.result();
      assert.equal(result.status, 'SUCCEEDED');
      assert.equal(result.stage, 'NOTIFY');
      assert.equal(result.notifyError, undefined);
      const { delivery, failure } = await settledDelivery(h.client, handle);
      assert.equal(failure, undefined);

      // The run's own POST got a 503; its delivery workflow retried it, as attempt 2 of the same
      // delivery. Both carry the same event id and body.
      assert.equal(h.receiver.received.length, 2);
      assert.equal((await activityAttempts(handle)).concludeRun, 1);
      assert.equal((await activityAttempts(delivery)).notify, 1);
      const [recorded] = (await h.records.getRequest('acme', request.id))!.webhookDeliveries!;
      assert.deepEqual([recorded!.status, recorded!.attempts, recorded!.lastHttpStatus, recorded!.eventId], ['DELIVERED', 2, 204, `${request.id}:report.succeeded`]);
      // The retry kept the schedule: it came the schedule's first wait (5 s) after the refused attempt.
      const gapMs = h.receiver.received[1]!.at - h.receiver.received[0]!.at;
      assert.ok(gapMs >= 5_000 && gapMs < 8_000, `retried ${gapMs} ms after the first attempt`);
      const [first, second] = h.receiver.received;
      assert.deepEqual(first!.event, second!.event);
      const { headers, event } = second!;
      assert.equal(headers['content-type'], 'application/json');
      assert.equal(headers['user-agent'], 'reportflow');
      assert.equal(headers['x-reportflow-event-id'], `${request.id}:report.succeeded`);
      assert.equal(event.event_id, `${request.id}:report.succeeded`);
      assert.equal(event.type, 'report.succeeded');
      assert.equal(event.status, 'SUCCEEDED');
      assert.equal(event.request_id, request.id);
      assert.equal(event.tenant_id, 'acme');
      assert.equal(event.report_code, 'INVOICE');
      assert.ok(!Number.isNaN(Date.parse(event.occurred_at)));
      assert.deepEqual(event.report, {
        file_name: result.report!.fileName,
        content_type: 'text/csv',
        size_bytes: result.report!.sizeBytes,
        sha256: result.report!.sha256,
        rows: 5,
        download_url: `https://reports.example.test/v1/reports/${request.id}/download`,
      });
    },
    (h) => {
      h.receiver.statuses = [503];
    },
  );
});

void test('the recorded history of a successful run and of its webhook delivery replay without non-determinism', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    // The first attempt is answered 503, so the run hands the retry to a delivery workflow.
    h.receiver.statuses = [503];
    const request = invoiceRequest({ notify: { webhookUrl: h.receiver.url() } });
    const handle = await h.start(request);
    await handle.result();
    const { delivery } = await settledDelivery(h.client, handle);
    await Worker.runReplayHistory({ workflowBundle: temporal.bundle }, await handle.fetchHistory(), request.id);
    await Worker.runReplayHistory({ workflowBundle: temporal.bundle }, await delivery.fetchHistory(), delivery.workflowId);
  });
});
