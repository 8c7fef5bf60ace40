/**
 * The integrations file: GCS and S3 entries are read with their endpoints and credentials; malformed
 * entries are refused at start with the integration named and no credential in the message; an
 * unknown integration id (or one of another kind) is INTEGRATION_UNKNOWN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadIntegrations, parseIntegrations } from '../../src/config/integrations.js';
import { BucketDestinations } from '../../src/destinations/bucket-destinations.js';
import { ReportError } from '../../src/domain/errors.js';

void test('GCS and S3 integrations are read from the file with their settings', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'reportflow-int-'));
  try {
    const file = path.join(dir, 'integrations.json');
    writeFileSync(file, JSON.stringify({
      'gcs-main': { type: 'GCS', project_id: 'p', key_file: '/etc/sa.json', api_endpoint: 'http://127.0.0.1:4443' },
      minio: { type: 'S3', endpoint: 'http://minio:9000', force_path_style: true, access_key_id: 'AK', secret_access_key: 'SK' },
    }));
    const integrations = loadIntegrations(file);
    assert.deepEqual(integrations.get('gcs-main'), { type: 'GCS', projectId: 'p', keyFile: '/etc/sa.json', apiEndpoint: 'http://127.0.0.1:4443' });
    assert.deepEqual(integrations.get('minio'), { type: 'S3', region: 'us-east-1', endpoint: 'http://minio:9000', forcePathStyle: true, accessKeyId: 'AK', secretAccessKey: 'SK' });
    assert.equal(loadIntegrations(undefined).size, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('malformed entries are refused with the integration named and no secret echoed', () => {
  assert.throws(() => parseIntegrations({ x: { type: 'FTP' } }), /integration "x": type must be "GCS", "S3" or "BIGQUERY"/);
  assert.throws(() => parseIntegrations({ s: { type: 'S3', access_key_id: 'AKIA-SECRET-ID' } }), (err: Error) => /give both/.test(err.message) && !err.message.includes('AKIA-SECRET-ID'));
  assert.throws(() => parseIntegrations([]), /expected a JSON object/);
});

void test('an unknown integration, or one of another kind, is INTEGRATION_UNKNOWN on integration_id', async () => {
  const buckets = new BucketDestinations(parseIntegrations({ g: { type: 'GCS', api_endpoint: 'http://127.0.0.1:1' } }), 600);
  for (const [id, variant] of [['nope', 'GCS'], ['g', 'S3']] as const) {
    await assert.rejects(buckets.get(id, variant), (err: unknown) => err instanceof ReportError && err.code === 'INTEGRATION_UNKNOWN' && err.errors[0]?.field === 'export_location.integration_id');
  }
  assert.ok(await buckets.get('g', 'GCS'));
});
