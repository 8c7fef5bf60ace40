/**
 * The report store on a bucket (`REPORTFLOW_REPORT_STORE_INTEGRATION`), on a real S3 server (moto) and a
 * real GCS emulator (fake-gcs-server): a run's report lands in the bucket, not on disk; the API streams it
 * (with credentials and by its signed link) with the bytes of the object; DELETE and the withdraw activity
 * remove the object; the recorded key names neither bucket nor prefix, so a moved store keeps serving it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { withdrawActivity } from '../../activities/withdraw.js';
import type { GcsIntegration, Integrations, S3Integration } from '../../src/config/integrations.js';
import { BucketDestinations } from '../../src/destinations/bucket-destinations.js';
import { BucketReportStore } from '../../src/destinations/bucket-report-store.js';
import { digestStream } from '../helpers/emulators/retail-csv.js';
import { createGcsBucket, startGcsServer } from '../helpers/emulators/gcs-server.js';
import type { Emulator } from '../helpers/emulators/process.js';
import { S3_TEST_CREDENTIALS } from '../helpers/emulators/s3-server.js';
import { realStack, type RealStack } from '../helpers/real-stack.js';
import { useSampleStack } from '../helpers/sample-stack.js';
import { useTemporalTestServer } from '../helpers/temporal.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');
const BUCKET = 'reportflow-store';
const PREFIX = 'prod/reports';
const temporal = useTemporalTestServer();
const data = useSampleStack('report-store-bucket', BUCKET);
let gcs: Emulator;
before(async () => {
  gcs = await startGcsServer();
  await createGcsBucket(gcs.url, BUCKET);
});
after(async () => {
  await gcs?.stop();
});

const MONTH_CSV = {
  report_code: 'INVOICE_LINES', format: 'CSV', timezone: 'Europe/Oslo',
  parameter_values: [{ name: 'from_date', value: '2011-06-01' }, { name: 'to_date', value: '2011-06-30' }],
};

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A run of `MONTH_CSV` on `stack`, ended: its id and report view. */
async function succeeded(stack: RealStack): Promise<{ id: string; report: { sha256: string; file_name: string } }> {
  const created = await stack.call('POST', '/v1/report-generate-requests', MONTH_CSV);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = String(created.body.id);
  const run = await stack.finished(id);
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
  return { id, report: run.report as { sha256: string; file_name: string } };
}

for (const variant of ['S3', 'GCS'] as const) {
  void test(`${variant} report store: a run's report is an object in the bucket, downloadable through the API and its signed link, and DELETE and withdraw remove it`, { timeout: 180_000 }, async () => {
    const integration: S3Integration | GcsIntegration = variant === 'S3'
      ? { type: 'S3', endpoint: data.s3.url, ...S3_TEST_CREDENTIALS }
      : { type: 'GCS', apiEndpoint: gcs.url, projectId: 'test' };
    const integrations: Integrations = new Map([['store', integration]]);
    const root = path.join(data.root, variant);
    const stack = await realStack({
      temporal, db: data.db, root, templatesDir: TEMPLATES, integrations,
      config: { reportStoreIntegration: 'store', reportStoreBucket: BUCKET, reportStorePrefix: PREFIX },
    });
    // An independent view of the bucket, through the same adapter the store uses.
    const buckets = new BucketDestinations(integrations, 600);
    const adapter = await buckets.get('store', variant);
    const objectBytes = async (key: string) => (await digestStream(await adapter.read({ bucket: BUCKET, key }))).sha256;
    await stack.run(async () => {
      const { id, report } = await succeeded(stack);
      const key = `${PREFIX}/acme/INVOICE_LINES/${id}/${report.file_name}`;
      assert.equal(await objectBytes(key), report.sha256, 'the bucket holds the run\'s file');
      assert.deepEqual(await readdir(stack.config.reportsDir).catch(() => []), [], 'nothing is written to the reports directory');
      const record = await stack.records.getReport('acme', id);
      assert.equal(record?.uri, `store:///acme/INVOICE_LINES/${id}/${encodeURIComponent(report.file_name)}`, 'the record keeps a key without bucket or prefix');

      const direct = await stack.download(`/v1/reports/${id}/download`);
      assert.equal(direct.status, 200);
      assert.equal(sha256(direct.bytes), report.sha256);
      assert.equal(direct.headers['x-checksum-sha256'], report.sha256);
      assert.ok(direct.bytes.toString('utf8').split('\n').length > 2, 'the file holds rows');
      const link = await stack.call('GET', `/v1/reports/${id}/download-url`);
      assert.equal(link.status, 200, JSON.stringify(link.body));
      const signed = new URL(String(link.body.url));
      const byLink = await stack.download(signed.pathname + signed.search);
      assert.equal(byLink.status, 200);
      assert.equal(sha256(byLink.bytes), report.sha256);

      // The key survives a move of the store: the object copied under another prefix is served from there.
      const moved = new BucketReportStore(async () => adapter, { bucket: BUCKET, prefix: 'elsewhere' });
      await adapter.deliver(await copyToFile(direct.bytes, root), { bucket: BUCKET, key: `elsewhere/acme/INVOICE_LINES/${id}/${report.file_name}`, contentType: 'text/csv', sizeBytes: direct.bytes.length, sha256: report.sha256, metadata: {} });
      assert.equal((await digestStream(await moved.open(record!.uri))).sha256, report.sha256);

      const deleted = await stack.call('DELETE', `/v1/reports/${id}`);
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      await assert.rejects(adapter.read({ bucket: BUCKET, key }), { code: 'ENOENT' }, 'DELETE removed the object');
      assert.equal((await stack.download(`/v1/reports/${id}/download`)).status, 410);

      // Withdraw (what a run cancelled or failed after its export runs) removes the object and the record.
      const second = await succeeded(stack);
      const secondKey = `${PREFIX}/acme/INVOICE_LINES/${second.id}/${second.report.file_name}`;
      assert.equal(await objectBytes(secondKey), second.report.sha256);
      const request = (await stack.records.getRequest('acme', second.id))!.request;
      const store = new BucketReportStore(async () => adapter, { bucket: BUCKET, prefix: PREFIX });
      const withdraw = withdrawActivity({ destination: store, records: stack.records, buckets });
      await new MockActivityEnvironment().run(withdraw, { request, fileName: second.report.file_name });
      await assert.rejects(adapter.read({ bucket: BUCKET, key: secondKey }), { code: 'ENOENT' }, 'withdraw removed the object');
      assert.equal(await stack.records.getReport('acme', second.id), undefined);

      // Health (`GET /health` pings the store): the bucket answers; a store on a missing bucket does not.
      await store.ping();
      await assert.rejects(new BucketReportStore(async () => adapter, { bucket: 'no-such-bucket', prefix: '' }).ping());
    });
  });
}

for (const variant of ['S3', 'GCS'] as const) {
  void test(`${variant} report store: of two attempts putting one report at once (a retry racing a second worker), one object stays and both describe it`, { timeout: 60_000 }, async () => {
    const integration: S3Integration | GcsIntegration = variant === 'S3'
      ? { type: 'S3', endpoint: data.s3.url, ...S3_TEST_CREDENTIALS }
      : { type: 'GCS', apiEndpoint: gcs.url, projectId: 'test' };
    const adapter = await new BucketDestinations(new Map([['store', integration]]), 600).get('store', variant);
    const store = new BucketReportStore(async () => adapter, { bucket: BUCKET, prefix: PREFIX });
    const dir = path.join(data.root, `race-${variant}`);
    await mkdir(dir, { recursive: true });
    for (let round = 0; round < 5; round++) {
      const target = { tenantId: 'acme', reportCode: 'INVOICE', requestId: `race-${variant}-${round}`, fileName: 'INVOICE_536365.pdf' };
      // Two renders of one PDF differ (Chromium stamps its creation time): two files of one report.
      const files = await Promise.all(['A', 'B'].map(async (name) => {
        const bytes = Buffer.from(`%PDF-1.4 attempt ${name} of round ${round}`);
        const file = path.join(dir, `${round}-${name}.pdf`);
        await writeFile(file, bytes);
        return { file, digest: { sizeBytes: bytes.length, sha256: sha256(bytes) } };
      }));
      const puts = await Promise.all(files.map(({ file, digest }) => store.put(file, target, { file: { contentType: 'application/pdf', ...digest } })));
      const stored = await digestStream(await store.open(puts[0]!.uri));
      for (const [i, put] of puts.entries()) {
        assert.deepEqual(put.kept ?? files[i]!.digest, { sizeBytes: stored.sizeBytes, sha256: stored.sha256 }, `round ${round}: attempt ${i} describes the stored object`);
      }
      // A later retry keeps it too.
      const retry = await store.put(files[1]!.file, target, { file: { contentType: 'application/pdf', ...files[1]!.digest } });
      assert.equal((retry.kept ?? files[1]!.digest).sha256, stored.sha256);
    }
  });
}

for (const variant of ['S3', 'GCS'] as const) {
  void test(`${variant} report store: a bulk run's ZIP is read from and stored in the bucket, and served by the API`, { timeout: 180_000 }, async () => {
    const integration: S3Integration | GcsIntegration = variant === 'S3'
      ? { type: 'S3', endpoint: data.s3.url, ...S3_TEST_CREDENTIALS }
      : { type: 'GCS', apiEndpoint: gcs.url, projectId: 'test' };
    const integrations: Integrations = new Map([['store', integration]]);
    const stack = await realStack({
      temporal, db: data.db, root: path.join(data.root, `${variant}-zip`), templatesDir: TEMPLATES, integrations,
      config: { reportStoreIntegration: 'store', reportStoreBucket: BUCKET, reportStorePrefix: PREFIX },
    });
    const adapter = await new BucketDestinations(integrations, 600).get('store', variant);
    await stack.run(async () => {
      const [{ n }] = (await data.db.query<{ n: number }>(
        `SELECT count(DISTINCT invoice_no)::int AS n FROM retail.invoice_line WHERE invoice_date >= '2011-06-30T00:00:00Z' AND invoice_date < '2011-07-02T00:00:00Z'`,
      )) as [{ n: number }];
      assert.ok(n >= 2, `the sample has invoices that day (${n})`);
      const created = await stack.call('POST', '/v1/report-bulk-requests', { report_code: 'INVOICE', format: 'HTML', timezone: 'UTC', zip: true, concurrency: 4, parameter_values: [{ name: 'from_date', value: '2011-06-30' }, { name: 'to_date', value: '2011-07-01' }] });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const id = String(created.body.id);
      let view: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
      for (const deadline = Date.now() + 150_000; Date.now() < deadline && (view.status ?? 'RUNNING') === 'RUNNING';) {
        await new Promise((r) => setTimeout(r, 250));
        view = (await stack.call('GET', `/v1/report-bulk-requests/${id}`)).body;
      }
      assert.deepEqual([view.status, view.succeeded, view.zip?.entries], ['SUCCEEDED', n, n], JSON.stringify(view));
      const zip = await stack.download(`/v1/report-bulk-requests/${id}/zip`);
      assert.equal(zip.status, 200);
      assert.equal(sha256(zip.bytes), view.zip.sha256);
      const key = `${PREFIX}/acme/INVOICE/${id}/INVOICE_bulk_${id}.zip`;
      assert.equal((await digestStream(await adapter.read({ bucket: BUCKET, key }))).sha256, view.zip.sha256, 'the bucket holds the ZIP');
      assert.deepEqual(await readdir(stack.config.reportsDir).catch(() => []), [], 'nothing is written to the reports directory');
    });
  });
}

/** Writes `bytes` to a file under `dir` for an upload. */
async function copyToFile(bytes: Buffer, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'copy.csv');
  await writeFile(file, bytes);
  return file;
}
