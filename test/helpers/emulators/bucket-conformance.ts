/**
 * One behaviour suite every bucket destination must pass against its real server (GCS emulator, S3
 * server): the big CSV arrives whole, a retry delivers nothing twice, a killed upload leaves no
 * object and the retry after it leaves exactly one complete object.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { GcsIntegration, S3Integration } from '../../../src/config/integrations.js';
import type { BucketDestination, BucketObject } from '../../../src/destinations/bucket-destination.js';
import { killDeliveryWhen } from './kill-delivery.js';
import { digestStream, onlineRetailCsv, type BigCsv } from './retail-csv.js';

export interface BucketUnderTest {
  variant: 'GCS' | 'S3';
  bucket: string;
  integration: GcsIntegration | S3Integration;
  destination: BucketDestination;
  /** Object names under `prefix`. */
  list(prefix: string): Promise<string[]>;
  /** The object's bytes. */
  read(key: string): Promise<AsyncIterable<Buffer | Uint8Array>>;
  /** The object's user metadata. */
  metadata(key: string): Promise<Record<string, string>>;
}

/** Registers the suite; `setup` starts the server and returns the destination under test. */
export function bucketConformance(setup: () => Promise<BucketUnderTest & { stop(): Promise<void> }>): void {
  let csv: BigCsv;
  let b: BucketUnderTest & { stop(): Promise<void> };
  before(async () => {
    [csv, b] = await Promise.all([onlineRetailCsv(), setup()]);
  });
  after(async () => {
    await b?.stop();
    await csv?.remove();
  });

  const objectFor = (key: string): BucketObject => ({
    bucket: b.bucket,
    key,
    contentType: 'text/csv; charset=utf-8',
    sizeBytes: csv.sizeBytes,
    sha256: csv.sha256,
    metadata: { report_id: 'rpt-big', tenant: 'acme' },
  });

  test('the 541,909-line Online Retail CSV arrives whole: same size, sha256 and lines, with report metadata', async () => {
    assert.equal(csv.lines, 541_910, 'header + 541,909 lines');
    const key = 'acme/ONLINE_RETAIL/rpt-big/ONLINE_RETAIL.csv';
    const delivered = await b.destination.deliver(csv.path, objectFor(key));
    assert.equal(delivered.reused, false);
    assert.equal(delivered.uri, `${b.variant === 'GCS' ? 'gs' : 's3'}://${b.bucket}/${key}`);
    const got = await digestStream(await b.read(key));
    assert.deepEqual(got, { sha256: csv.sha256, sizeBytes: csv.sizeBytes, lines: csv.lines });
    const meta = await b.metadata(key);
    assert.equal(meta['sha256'], csv.sha256);
    assert.equal(meta['report_id'], 'rpt-big');
    if (delivered.downloadUrl) {
      const res = await fetch(delivered.downloadUrl);
      assert.equal(res.status, 200);
      assert.equal((await digestStream(res.body as unknown as AsyncIterable<Uint8Array>)).sha256, csv.sha256);
    }
  });

  test('a retried delivery of the same file keeps the one object and uploads nothing', async () => {
    const key = 'retry/rpt-retry/ONLINE_RETAIL.csv';
    assert.equal((await b.destination.deliver(csv.path, objectFor(key))).reused, false);
    const again = await b.destination.deliver(csv.path, objectFor(key));
    assert.equal(again.reused, true);
    assert.deepEqual(await b.list('retry/'), [key]);
  });

  test('an upload killed mid-way leaves no object; the retry leaves exactly one complete object', async () => {
    const key = 'killed/rpt-kill/ONLINE_RETAIL.csv';
    const sentBeforeKill = await killMidUpload(b, csv.path, objectFor(key));
    assert.ok(sentBeforeKill > 0 && sentBeforeKill < csv.sizeBytes, `killed after ${sentBeforeKill} of ${csv.sizeBytes} bytes`);
    assert.deepEqual(await b.list('killed/'), [], 'no partial object is visible');
    const retried = await b.destination.deliver(csv.path, objectFor(key));
    assert.equal(retried.reused, false);
    assert.deepEqual(await b.list('killed/'), [key]);
    const got = await digestStream(await b.read(key));
    assert.equal(got.sha256, csv.sha256);
    assert.equal(got.sizeBytes, csv.sizeBytes);
  });
}

/** Starts the delivery in a child process and SIGKILLs it once some bytes were sent; returns how many. */
async function killMidUpload(b: BucketUnderTest, file: string, object: BucketObject): Promise<number> {
  // At least one 8 MiB chunk/part has gone out: the kill lands mid-upload, not before it.
  const line = await killDeliveryWhen({ variant: b.variant, integration: b.integration, file, object }, (l) => Number(/^progress (\d+)$/.exec(l)?.[1] ?? 0) >= 8 * 1024 * 1024);
  return Number(line.split(' ')[1]);
}
