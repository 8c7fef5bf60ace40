/**
 * Which report store the settings give: the reports directory by default (unchanged), the bucket store
 * for an S3 or GCS integration, a clear error at start for anything else; and the store's keys, which
 * both stores read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/settings.js';
import { BucketDestinations } from '../../src/destinations/bucket-destinations.js';
import { BucketReportStore } from '../../src/destinations/bucket-report-store.js';
import { keyFor, segmentsOfKey } from '../../src/destinations/local-key.js';
import { LocalDestination } from '../../src/destinations/local-destination.js';
import { reportStoreFor } from '../../src/destinations/report-store.js';

const integrations = new BucketDestinations(new Map([
  ['s3-store', { type: 'S3', region: 'us-east-1' }],
  ['gcs-store', { type: 'GCS' }],
  ['bq', { type: 'BIGQUERY' }],
]), 600);

void test('without REPORTFLOW_REPORT_STORE_INTEGRATION the store is the reports directory, <var>/reports by default', () => {
  const config = loadConfig({ REPORTFLOW_HOME: '/srv/rf' });
  assert.equal(config.reportStorePrefix, 'reports');
  const store = reportStoreFor(config, integrations);
  assert.ok(store instanceof LocalDestination);
  assert.equal(store.rootDir, '/srv/rf/var/reports');
});

void test('an S3 or GCS integration makes the store a bucket store; its SDK is not loaded until first used', () => {
  for (const id of ['s3-store', 'gcs-store']) {
    const config = loadConfig({ REPORTFLOW_REPORT_STORE_INTEGRATION: id, REPORTFLOW_REPORT_STORE_BUCKET: 'b' });
    assert.ok(reportStoreFor(config, integrations) instanceof BucketReportStore, id);
  }
});

void test('a store integration without a bucket, or one that is not S3 or GCS, stops the start with a message naming the setting', () => {
  assert.throws(() => loadConfig({ REPORTFLOW_REPORT_STORE_INTEGRATION: 's3-store' }), /REPORTFLOW_REPORT_STORE_BUCKET must be set/);
  for (const id of ['bq', 'missing']) {
    const config = loadConfig({ REPORTFLOW_REPORT_STORE_INTEGRATION: id, REPORTFLOW_REPORT_STORE_BUCKET: 'b' });
    assert.throws(() => reportStoreFor(config, integrations), /REPORTFLOW_REPORT_STORE_INTEGRATION: "(bq|missing)" is not an S3 or GCS integration/);
  }
});

void test('store keys name the same four segments as LOCAL keys, so either store reads the other\'s records', () => {
  const target = { tenantId: 'acme', reportCode: 'INVOICE', requestId: 'r 1', fileName: 'INVOICE_1.pdf' };
  assert.equal(keyFor(target, 'store'), 'store:///acme/INVOICE/r%201/INVOICE_1.pdf');
  assert.deepEqual(segmentsOfKey(keyFor(target, 'store')), segmentsOfKey(keyFor(target)));
  assert.throws(() => segmentsOfKey('store:///acme/INVOICE/../x.pdf'), /unsafe path segment|not a report key/);
  assert.throws(() => segmentsOfKey('s3://bucket/acme/INVOICE/r/x.pdf'), /not a report key/);
});
