/**
 * A report requested over the HTTP API with `export_location` in Solvimon's nested form (issue 14),
 * run by the real worker activities on a Temporal test server against PostgreSQL, and delivered to an
 * S3 bucket (moto) at the nested `path_format`: the object is the run's own file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3Client, S3_TEST_CREDENTIALS } from '../helpers/emulators/s3-server.js';
import { realStack } from '../helpers/real-stack.js';
import { useSampleStack } from '../helpers/sample-stack.js';
import { useTemporalTestServer } from '../helpers/temporal.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');
const temporal = useTemporalTestServer();
const data = useSampleStack('export-nested-location', 'solvimon-exports');

void test('a nested S3 export_location delivers the run\'s file to the bucket at its nested path_format', { timeout: 180_000 }, async () => {
  const integrations = new Map([['s3-main', { type: 'S3' as const, endpoint: data.s3.url, ...S3_TEST_CREDENTIALS }]]);
  const stack = await realStack({ temporal, db: data.db, root: data.root, templatesDir: TEMPLATES, integrations });
  await stack.run(async () => {
    const created = await stack.call('POST', '/v1/report-generate-requests', {
      report_code: 'INVOICE_LINES', format: 'CSV', timezone: 'Europe/Oslo',
      parameter_values: [{ name: 'from_date', value: '2011-06-01' }, { name: 'to_date', value: '2011-06-30' }],
      export_location: [{
        integration_id: 's3-main', variant: 'S3',
        s3: { bucket_path: 's3://solvimon-exports/billing', path_format: '{report_code}/{period_from:YYYY-MM}/{request_id}.{ext}', format_type: 'ORIGINAL' },
      }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = String(created.body.id);
    let run: Record<string, unknown> = {};
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      run = (await stack.call('GET', `/v1/report-generate-requests/${id}`)).body;
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(String(run.status))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
    const client = s3Client(data.s3.url);
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: 'solvimon-exports' }));
      assert.deepEqual((listed.Contents ?? []).map((o) => o.Key), [`billing/INVOICE_LINES/2011-06/${id}.csv`]);
      const object = await client.send(new GetObjectCommand({ Bucket: 'solvimon-exports', Key: `billing/INVOICE_LINES/2011-06/${id}.csv` }));
      const bytes = Buffer.from(await object.Body!.transformToByteArray());
      assert.equal(createHash('sha256').update(bytes).digest('hex'), (run.report as { sha256: string }).sha256, 'the bucket holds the run\'s own file');
      assert.ok(bytes.toString('utf8').split('\n').length > 2, 'the file holds rows');
    } finally {
      client.destroy();
    }
    const shown = (run.export_location as Record<string, unknown>[])[1]!;
    assert.deepEqual(shown.s3, { bucket_path: 's3://solvimon-exports/billing', path_format: '{report_code}/{period_from:YYYY-MM}/{request_id}.{ext}', format_type: 'ORIGINAL' });
  });
});
