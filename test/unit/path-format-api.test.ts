/**
 * Bucket export locations at the API: a good one is started with the run; a bad path_format or
 * bucket path is refused with 400 on the field, before any run starts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auth, startTestApi, type JsonBody, type TestApi } from '../helpers/api-fixture.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api.close();
});

async function post(exportLocation: unknown, notify?: unknown) {
  const res = await api.app.inject({
    method: 'POST',
    url: '/v1/report-generate-requests',
    headers: auth(),
    payload: { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'CSV', export_location: exportLocation, ...(notify ? { notify } : {}) },
  });
  return { status: res.statusCode, body: res.json() as JsonBody, raw: res.body };
}

function fields(res: { body: JsonBody }): string[] {
  return (res.body.error?.errors ?? []).map((e: { field: string }) => e.field);
}

void test('several locations and email recipients are accepted and reach the run as bucket locations', async () => {
  const res = await post(
    [
      { variant: 'LOCAL' },
      { variant: 'GCS', integration_id: 'gcs-main', bucket_path: 'gs://acme-reports/exports', path_format: '{tenant}/{generated_at:YYYY/MM/DD}/{request_id}.{ext}', format_type: 'CSV' },
      { variant: 'S3', integration_id: 's3-main', bucket_path: 's3://acme-reports' },
    ],
    { emails: ['a@example.test', 'b@example.test'] },
  );
  assert.equal(res.status, 201, res.raw);
  const request = api.runs.runs.get(res.body.id)!.request;
  assert.deepEqual(request.exportLocation, { variant: 'LOCAL' });
  assert.deepEqual(request.exportLocations, [
    { variant: 'GCS', integrationId: 'gcs-main', bucketPath: 'gs://acme-reports/exports', pathFormat: '{tenant}/{generated_at:YYYY/MM/DD}/{request_id}.{ext}', formatType: 'CSV' },
    { variant: 'S3', integrationId: 's3-main', bucketPath: 's3://acme-reports' },
  ]);
  assert.deepEqual(request.notify, { emails: ['a@example.test', 'b@example.test'] });
});

for (const [label, pathFormat, field] of [
  ['an absolute path', '/{tenant}/{request_id}.{ext}', 'export_location.path_format'],
  ['a .. segment', '{tenant}/../{request_id}.{ext}', 'export_location.path_format'],
  ['an empty segment', '{tenant}//{request_id}.{ext}', 'export_location.path_format'],
  ['an unknown token', '{tenant}/{secret}.{ext}', 'export_location.path_format'],
  ['{customer_id} without a customer id', '{customer_id}/{request_id}.{ext}', 'export_location.path_format'],
] as const) {
  void test(`a path_format with ${label} is refused with 400 PATH_FORMAT_INVALID`, async () => {
    const before = api.runs.runs.size;
    const res = await post({ variant: 'S3', integration_id: 's3-main', bucket_path: 's3://acme-reports', path_format: pathFormat });
    assert.equal(res.status, 400, res.raw);
    assert.equal(res.body.error.code, 'PATH_FORMAT_INVALID', res.raw);
    assert.deepEqual(fields(res), [field]);
    assert.equal(api.runs.runs.size, before, 'no run started');
  });
}

void test('the field names the location in a list', async () => {
  const res = await post([{ variant: 'LOCAL' }, { variant: 'GCS', integration_id: 'g', bucket_path: 'gs://b-1', path_format: '../x' }]);
  assert.equal(res.status, 400, res.raw);
  assert.deepEqual(fields(res), ['export_location[1].path_format']);
});

void test('a bucket path of the wrong scheme is refused with EXPORT_LOCATION_INVALID', async () => {
  const res = await post({ variant: 'GCS', integration_id: 'g', bucket_path: 's3://acme-reports' });
  assert.equal(res.status, 400, res.raw);
  assert.equal(res.body.error.code, 'EXPORT_LOCATION_INVALID');
  assert.deepEqual(fields(res), ['export_location.bucket_path']);
});

void test('a BIGQUERY location reaches the run with its dataset and table; one without dataset_id is refused', async () => {
  const ok = await post({ variant: 'BIGQUERY', integration_id: 'bq-main', dataset_id: 'reports', stream_name: 'invoice_lines' });
  assert.equal(ok.status, 201, ok.raw);
  assert.deepEqual(api.runs.runs.get(ok.body.id)!.request.exportLocations, [{ variant: 'BIGQUERY', integrationId: 'bq-main', datasetId: 'reports', streamName: 'invoice_lines' }]);
  const bad = await post({ variant: 'BIGQUERY', integration_id: 'bq-main', stream_name: 'invoice_lines' });
  assert.equal(bad.status, 400, bad.raw);
  assert.ok(fields(bad).includes('export_location.dataset_id'), bad.raw);
  const badName = await post({ variant: 'BIGQUERY', integration_id: 'bq-main', dataset_id: 'reports', stream_name: 'drop table;' });
  assert.equal(badName.status, 400, badName.raw);
});

void test('a bucket location without integration_id is refused by the schema', async () => {
  const res = await post({ variant: 'S3', bucket_path: 's3://acme-reports' });
  assert.equal(res.status, 400, res.raw);
  assert.equal(res.body.error.code, 'REQUEST_INVALID');
});

void test('with the integrations configured, an unknown integration_id (or one of another kind) is 400 at request time', async () => {
  const checked = await startTestApi({ integrations: new Map([['gcs-main', { type: 'GCS' as const }], ['s3-main', { type: 'S3' as const, region: 'eu-west-1' }]]) });
  try {
    const send = (exportLocation: unknown) => checked.app.inject({
      method: 'POST', url: '/v1/report-generate-requests', headers: auth(),
      payload: { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'CSV', export_location: exportLocation },
    });
    const good = await send([{ variant: 'LOCAL' }, { variant: 'GCS', integration_id: 'gcs-main', bucket_path: 'gs://acme-reports' }]);
    assert.equal(good.statusCode, 201, good.body);
    for (const [location, field] of [
      [{ variant: 'GCS', integration_id: 'nope', bucket_path: 'gs://acme-reports' }, 'export_location.integration_id'],
      [[{ variant: 'LOCAL' }, { variant: 'S3', integration_id: 'gcs-main', bucket_path: 's3://acme-reports' }], 'export_location[1].integration_id'],
    ] as const) {
      const res = await send(location);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.code, 'INTEGRATION_UNKNOWN');
      assert.deepEqual(res.json().error.errors.map((e: { field: string }) => e.field), [field]);
    }
    assert.equal(checked.runs.runs.size, 1, 'only the good request started a run');
  } finally {
    await checked.close();
  }
});

void test('a field a location variant does not use is refused with 400 naming it, never ignored (LOCAL path_format included)', async () => {
  for (const [location, field] of [
    [{ variant: 'LOCAL', path_format: '../../../etc/passwd' }, 'export_location.path_format'],
    [[{ variant: 'GCS', integration_id: 'g', bucket_path: 'gs://b-1' }, { variant: 'LOCAL', path_format: '{tenant}/{request_id}.{ext}' }], 'export_location[1].path_format'],
    [{ variant: 'LOCAL', bucket_path: 's3://acme-reports' }, 'export_location.bucket_path'],
    [{ variant: 'LOCAL', format_type: 'PARQUET' }, 'export_location.format_type'],
    [{ variant: 'BIGQUERY', integration_id: 'bq-main', dataset_id: 'reports', stream_name: 'lines', path_format: '{request_id}' }, 'export_location.path_format'],
    [{ variant: 'S3', integration_id: 's3-main', bucket_path: 's3://acme-reports', dataset_id: 'reports' }, 'export_location.dataset_id'],
  ] as const) {
    const before = api.runs.runs.size;
    const res = await post(location);
    assert.equal(res.status, 400, res.raw);
    assert.equal(res.body.error.code, 'REQUEST_INVALID', res.raw);
    assert.deepEqual(fields(res), [field], res.raw);
    assert.equal(api.runs.runs.size, before, 'no run started');
  }
});
