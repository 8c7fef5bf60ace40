/**
 * Bucket exports in a real run on a real Temporal dev server, to a real GCS emulator and a real S3
 * server: each location is its own activity; the objects hold the rendered bytes under the names
 * path_format gives; a BigQuery table (emulator) gets the run's rows; an S3 server down for 60 s
 * delays the run, which then succeeds without repeating the GCS delivery; a BigQuery emulator down for
 * 60 s (restarted on its data) delays the run, which then succeeds with exactly one set of rows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parquetReadObjects } from 'hyparquet';
import type { History, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { BucketDestinations } from '../../src/destinations/bucket-destinations.js';
import type { ExportedReport } from '../../src/domain/artifacts.js';
import type { RunState } from '../../src/domain/run-status.js';
import type { BucketExportLocation } from '../../src/domain/report-request.js';
import { HttpWebhookNotifier } from '../../src/notifiers/http-webhook-notifier.js';
import { bigQueryClient, startBigQueryServer, type BigQueryEmulator } from '../helpers/emulators/bigquery-server.js';
import { createGcsBucket, gcsClient, startGcsServer } from '../helpers/emulators/gcs-server.js';
import { fromScaled, product } from '../helpers/decimal.js';
import { INVOICES } from '../workflows/fakes.js';
import type { Emulator } from '../helpers/emulators/process.js';
import { digestStream } from '../helpers/emulators/retail-csv.js';
import { createS3Bucket, s3Client, S3_TEST_CREDENTIALS, startS3Server } from '../helpers/emulators/s3-server.js';
import { bundleReportWorkflows, startTemporalTestServer } from '../helpers/temporal.js';
import { activityAttempts, deliveryHandles, invoiceRequest, withHarness, type Harness } from '../workflows/harness.js';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let gcs: Emulator;
let s3: Emulator;
let bq: BigQueryEmulator;
let bqData: string;
before(async () => {
  // On disk, so a BigQuery emulator stopped and started again still holds what was loaded before.
  bqData = await mkdtemp(path.join(tmpdir(), 'reportflow-bqdata-'));
  [env, bundle, gcs, s3, bq] = await Promise.all([
    startTemporalTestServer(),
    bundleReportWorkflows(),
    startGcsServer(),
    startS3Server(),
    startBigQueryServer({ dataDir: bqData }),
  ]);
  await Promise.all([createGcsBucket(gcs.url, 'acme-gcs'), createS3Bucket(s3.url, 'acme-s3')]);
});
after(async () => {
  await Promise.all([gcs?.stop(), s3?.stop(), bq?.stop()]);
  await env?.teardown();
  await rm(bqData, { recursive: true, force: true });
});

const LOCATIONS: BucketExportLocation[] = [
  { variant: 'GCS', integrationId: 'gcs-main', bucketPath: 'gs://acme-gcs/exports', pathFormat: '{tenant}/{generated_at:YYYY/MM/DD}/{request_id}.{ext}', formatType: 'CSV' },
  { variant: 'S3', integrationId: 's3-main', bucketPath: 's3://acme-s3' },
];

function useBuckets(h: Harness): void {
  const integrations = new Map([
    ['gcs-main', { type: 'GCS' as const, apiEndpoint: gcs.url, projectId: 'test' }],
    ['s3-main', { type: 'S3' as const, endpoint: s3.url, ...S3_TEST_CREDENTIALS }],
    ['bq-main', { type: 'BIGQUERY' as const, apiEndpoint: bq.url, projectId: 'test' }],
  ]);
  h.overrides.buckets = new BucketDestinations(integrations, 600);
  h.overrides.notifier = new HttpWebhookNotifier({ timeoutMs: 2000, allowHosts: ['127.0.0.1'] });
}

async function gcsBytes(key: string) {
  return await digestStream(gcsClient(gcs.url).bucket('acme-gcs').file(key).createReadStream({ validation: false }));
}

async function s3Bytes(key: string) {
  const client = s3Client(s3.url);
  try {
    return await digestStream((await client.send(new GetObjectCommand({ Bucket: 'acme-s3', Key: key }))).Body as AsyncIterable<Uint8Array>);
  } finally {
    client.destroy();
  }
}

/** Attempts of each `exportToBucket` activity, by location index. */
async function bucketAttempts(handle: { fetchHistory(): Promise<History> }): Promise<number[]> {
  const history = await handle.fetchHistory();
  const indexByScheduled = new Map<string, number>();
  const out: number[] = [];
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name === 'exportToBucket') {
      indexByScheduled.set(String(e.eventId), (JSON.parse(Buffer.from(s.input!.payloads![0]!.data!).toString('utf8')) as { index: number }).index);
    }
    const st = e.activityTaskStartedEventAttributes;
    const index = st ? indexByScheduled.get(String(st.scheduledEventId)) : undefined;
    if (index !== undefined) out[index] = Math.max(out[index] ?? 0, st!.attempt ?? 1);
  }
  return out;
}

void test('a run delivers to GCS and S3 under path_format names, and the webhook lists both copies with a presigned S3 link', async () => {
  await withHarness(
    env,
    bundle,
    async (h) => {
      const request = invoiceRequest({ exportLocations: LOCATIONS, notify: { webhookUrl: h.receiver.url() }, requestedAt: '2024-02-29T23:30:00.000Z' });
      const handle = await h.start(request);
      const state = (await handle.result()) as RunState;
      assert.equal(state.status, 'SUCCEEDED', JSON.stringify(state.error));
      const report = state.report as ExportedReport;
      const gcsKey = `exports/acme/2024/02/29/${request.id}.csv`;
      const s3Key = `acme/INVOICE/${request.id}/${report.fileName}`;
      assert.deepEqual(
        report.deliveries?.map((d) => d.uri),
        [`gs://acme-gcs/${gcsKey}`, `s3://acme-s3/${s3Key}`],
      );
      const local = await h.exportedFiles();
      assert.equal(local.length, 1, 'the LOCAL copy is still written');
      for (const got of [await gcsBytes(gcsKey), await s3Bytes(s3Key)]) {
        assert.equal(got.sha256, report.sha256);
        assert.equal(got.sizeBytes, report.sizeBytes);
      }
      // Taken at the run's own first attempt: no delivery workflow.
      assert.deepEqual(await deliveryHandles(h.client, handle), []);
      assert.equal(h.receiver.received.length, 1);
      const event = h.receiver.received[0]!.event;
      const s3Copy = event.report?.deliveries?.find((d) => d.variant === 'S3');
      assert.ok(s3Copy?.download_url, 'presigned link in the event');
      const res = await fetch(s3Copy.download_url);
      assert.equal(createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex'), report.sha256);
    },
    useBuckets,
  );
});

void test('a BIGQUERY location gets the run\'s rows, tagged with its id; count and SUM(quantity*unit_price) match the source', async () => {
  await withHarness(
    env,
    bundle,
    async (h) => {
      const request = invoiceRequest({ exportLocations: [{ variant: 'BIGQUERY', integrationId: 'bq-main', datasetId: 'reports', streamName: 'invoice_lines' }] });
      const handle = await h.start(request);
      const state = (await handle.result()) as RunState;
      assert.equal(state.status, 'SUCCEEDED', JSON.stringify(state.error));
      assert.deepEqual(state.report?.deliveries?.map((d) => d.uri), ['bigquery://test/reports/invoice_lines']);
      const [rows] = await bigQueryClient(bq.url).query({
        query: 'SELECT COUNT(*) AS n, CAST(SUM(quantity * unit_price) AS STRING) AS total FROM `test.reports.invoice_lines` WHERE _reportflow_request_id = @run',
        params: { run: request.id },
      });
      const source = INVOICES['536365']!;
      const expected = source.reduce((sum, r) => sum + product(String(r['quantity']), String(r['unit_price'])), 0n);
      const row = rows[0] as { n: number; total: string };
      assert.equal(Number(row.n), source.length);
      assert.equal(Number(row.total).toFixed(2), fromScaled(expected, 2));
    },
    useBuckets,
  );
});

void test('a PARQUET location gets the run\'s rows as a Parquet object named .parquet', async () => {
  await withHarness(
    env,
    bundle,
    async (h) => {
      const request = invoiceRequest({ exportLocations: [{ variant: 'GCS', integrationId: 'gcs-main', bucketPath: 'gs://acme-gcs/parquet', formatType: 'PARQUET' }] });
      const handle = await h.start(request);
      const state = (await handle.result()) as RunState;
      assert.equal(state.status, 'SUCCEEDED', JSON.stringify(state.error));
      const uri = state.report?.deliveries?.[0]?.uri ?? '';
      assert.match(uri, new RegExp(`^gs://acme-gcs/parquet/acme/INVOICE/${request.id}/INVOICE_536365_.*\\.parquet$`));
      const file = gcsClient(gcs.url).bucket('acme-gcs').file(uri.replace('gs://acme-gcs/', ''));
      const [bytes] = await file.download({ validation: false });
      const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer })) as Record<string, unknown>[];
      assert.deepEqual(rows.map((r) => r['description']), INVOICES['536365']!.map((r) => r['description']));
      const [meta] = await file.getMetadata();
      assert.equal(meta.contentType, 'application/vnd.apache.parquet');
      assert.equal(meta.metadata?.['sha256'], state.report?.deliveries?.[0]?.sha256);
    },
    useBuckets,
  );
});

void test('an unknown integration fails the run at once with INTEGRATION_UNKNOWN', async () => {
  await withHarness(
    env,
    bundle,
    async (h) => {
      const handle = await h.start(invoiceRequest({ exportLocations: [{ variant: 'S3', integrationId: 'nope', bucketPath: 's3://acme-s3' }] }));
      await assert.rejects(handle.result(), (err: unknown) => (err as { cause?: { type?: string } }).cause?.type === 'INTEGRATION_UNKNOWN');
      assert.deepEqual(await bucketAttempts(handle), [1]);
    },
    useBuckets,
  );
});

void test('an S3 server down for 60 seconds delays the run, which then succeeds; the GCS delivery is not repeated', { timeout: 240_000 }, async () => {
  await withHarness(
    env,
    bundle,
    async (h) => {
      await s3.stop();
      const downAt = Date.now();
      const request = invoiceRequest({ exportLocations: LOCATIONS });
      const handle = await h.start(request);
      await new Promise((r) => setTimeout(r, 60_000));
      s3 = await startS3Server(s3.port);
      await createS3Bucket(s3.url, 'acme-s3');
      const state = (await handle.result()) as RunState;
      assert.equal(state.status, 'SUCCEEDED', JSON.stringify(state.error));
      assert.ok(Date.now() - downAt >= 60_000);
      const [gcsAttempts, s3Attempts] = await bucketAttempts(handle);
      assert.equal(gcsAttempts, 1, 'GCS delivered once');
      assert.ok((s3Attempts ?? 0) > 1, `S3 retried (${s3Attempts} attempts)`);
      const client = s3Client(s3.url);
      const listed = await client.send(new ListObjectsV2Command({ Bucket: 'acme-s3' }));
      client.destroy();
      assert.deepEqual(listed.Contents?.map((o) => o.Key), [`acme/INVOICE/${request.id}/${(state.report as ExportedReport).fileName}`]);
    },
    useBuckets,
  );
});

void test('a BigQuery emulator down for 60 seconds delays the run, which then succeeds with exactly one set of the run\'s rows', { timeout: 300_000 }, async () => {
  await withHarness(
    env,
    bundle,
    async (h) => {
      await bq.stop();
      const downAt = Date.now();
      const request = invoiceRequest({ exportLocations: [{ variant: 'BIGQUERY', integrationId: 'bq-main', datasetId: 'reports', streamName: 'invoice_lines_outage' }] });
      const handle = await h.start(request);
      await new Promise((r) => setTimeout(r, 60_000));
      // The same server on the same port and data, as after a real outage.
      bq = await startBigQueryServer(bq.options);
      const state = (await handle.result()) as RunState;
      assert.equal(state.status, 'SUCCEEDED', JSON.stringify(state.error));
      assert.ok(Date.now() - downAt >= 60_000);
      const attempts = (await activityAttempts(handle))['exportToBigQuery'] ?? 0;
      assert.ok(attempts > 1, `the load was retried (${attempts} attempts)`);

      const [rows] = await bigQueryClient(bq.url).query({
        query: 'SELECT COUNT(*) AS n, COUNTIF(_reportflow_request_id = @run) AS run_rows, CAST(SUM(quantity * unit_price) AS STRING) AS total FROM `test.reports.invoice_lines_outage`',
        params: { run: request.id },
      });
      const source = INVOICES['536365']!;
      const expected = source.reduce((sum, r) => sum + product(String(r['quantity']), String(r['unit_price'])), 0n);
      const row = rows[0] as { n: number; run_rows: number; total: string };
      assert.deepEqual([Number(row.n), Number(row.run_rows)], [source.length, source.length], 'one set of rows, all of this run');
      assert.equal(Number(row.total).toFixed(2), fromScaled(expected, 2));
    },
    useBuckets,
  );
});
