/**
 * `export_location` as Solvimon writes it (issue 14): the variant's fields nested in an object named for
 * it. Accepted alone or beside agreeing flat fields, one or several, and normalised into the one domain
 * shape; a nested object of another variant, or flat and nested fields that disagree, are refused with
 * 400 naming the field. The request's record shows each location in both forms.
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

async function post(exportLocation: unknown) {
  const res = await api.app.inject({
    method: 'POST',
    url: '/v1/report-generate-requests',
    headers: auth(),
    payload: { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'CSV', export_location: exportLocation },
  });
  return { status: res.statusCode, body: res.json() as JsonBody, raw: res.body };
}

function refusal(res: { body: JsonBody }): { code: string; fields: string[] } {
  return { code: res.body.error?.code, fields: (res.body.error?.errors ?? []).map((e: { field: string }) => e.field) };
}

const S3_NESTED = { integration_id: 's3-main', variant: 'S3', s3: { bucket_path: 's3://acme-reports/solvimon', path_format: '{report_code}/{request_id}.{ext}', format_type: 'PARQUET' } };
const GCS_NESTED = { integration_id: 'gcs-main', variant: 'GCS', gcs: { bucket_path: 'gs://acme-reports' } };
const BQ_NESTED = { integration_id: 'bq-main', variant: 'BIGQUERY', stream_name: 'invoices', bigquery: { dataset_id: 'billing' } };

void test('nested S3, GCS and BIGQUERY locations reach the run in the domain shape the flat form gives', async () => {
  const res = await post([S3_NESTED, GCS_NESTED, BQ_NESTED]);
  assert.equal(res.status, 201, res.raw);
  assert.deepEqual(api.runs.runs.get(res.body.id)!.request.exportLocations, [
    { variant: 'S3', integrationId: 's3-main', bucketPath: 's3://acme-reports/solvimon', pathFormat: '{report_code}/{request_id}.{ext}', formatType: 'PARQUET' },
    { variant: 'GCS', integrationId: 'gcs-main', bucketPath: 'gs://acme-reports' },
    { variant: 'BIGQUERY', integrationId: 'bq-main', datasetId: 'billing', streamName: 'invoices' },
  ]);
});

void test('one nested location (not in a list) is accepted, and so are flat fields beside agreeing nested ones', async () => {
  const one = await post(BQ_NESTED);
  assert.equal(one.status, 201, one.raw);
  assert.deepEqual(api.runs.runs.get(one.body.id)!.request.exportLocations, [{ variant: 'BIGQUERY', integrationId: 'bq-main', datasetId: 'billing', streamName: 'invoices' }]);
  const both = await post({ ...S3_NESTED, bucket_path: 's3://acme-reports/solvimon', format_type: 'PARQUET' });
  assert.equal(both.status, 201, both.raw);
  assert.equal(api.runs.runs.get(both.body.id)!.request.exportLocations?.[0]?.variant, 'S3');
});

void test('the record shows every location flat and nested, LOCAL first; what it shows can be posted again as it is', async () => {
  const res = await post([S3_NESTED, { variant: 'GCS', integration_id: 'gcs-main', bucket_path: 'gs://acme-reports' }, BQ_NESTED]);
  assert.equal(res.status, 201, res.raw);
  const shown = [
    { variant: 'LOCAL' },
    { variant: 'S3', integration_id: 's3-main', ...S3_NESTED.s3, s3: S3_NESTED.s3 },
    { variant: 'GCS', integration_id: 'gcs-main', bucket_path: 'gs://acme-reports', gcs: { bucket_path: 'gs://acme-reports' } },
    { variant: 'BIGQUERY', integration_id: 'bq-main', dataset_id: 'billing', stream_name: 'invoices', bigquery: { dataset_id: 'billing' } },
  ];
  assert.deepEqual(res.body.export_location, shown);
  const read = await api.app.inject({ method: 'GET', url: `/v1/report-generate-requests/${res.body.id}`, headers: auth() });
  assert.deepEqual(read.json().export_location, shown);
  const again = await post(shown);
  assert.equal(again.status, 201, again.raw);
  assert.deepEqual(api.runs.runs.get(again.body.id)!.request.exportLocations, api.runs.runs.get(res.body.id)!.request.exportLocations);
});

void test('a request with no location besides LOCAL shows no export_location', async () => {
  const res = await post({ variant: 'LOCAL' });
  assert.equal(res.status, 201, res.raw);
  assert.equal(res.body.export_location, undefined);
});

void test('a nested object of another variant is refused on that object', async () => {
  assert.deepEqual(refusal(await post({ integration_id: 's3-main', variant: 'S3', bigquery: { dataset_id: 'billing' } })).fields.includes('export_location.bigquery'), true);
  const wrong = await post({ integration_id: 's3-main', variant: 'S3', s3: { bucket_path: 's3://acme-reports' }, gcs: { bucket_path: 'gs://acme-reports' } });
  assert.deepEqual(refusal(wrong), { code: 'REQUEST_INVALID', fields: ['export_location.gcs'] });
  assert.deepEqual(refusal(await post({ variant: 'LOCAL', s3: {} })), { code: 'REQUEST_INVALID', fields: ['export_location.s3'] });
  const bq = await post({ ...BQ_NESTED, s3: { bucket_path: 's3://acme-reports' } });
  assert.deepEqual(refusal(bq), { code: 'REQUEST_INVALID', fields: ['export_location.s3'] });
});

void test('a bucket location with no bucket_path, flat or nested, is refused', async () => {
  const res = await post({ integration_id: 's3-main', variant: 'S3', s3: { path_format: '{request_id}.{ext}' } });
  assert.equal(res.status, 400, res.raw);
  assert.ok(refusal(res).fields.includes('export_location.s3.bucket_path'), res.raw);
});

void test('flat and nested fields that disagree are refused with EXPORT_LOCATION_INVALID on the nested field', async () => {
  for (const [location, field] of [
    [{ ...S3_NESTED, bucket_path: 's3://other-bucket' }, 'export_location.s3.bucket_path'],
    [{ ...S3_NESTED, format_type: 'ORIGINAL' }, 'export_location.s3.format_type'],
    [{ ...BQ_NESTED, dataset_id: 'other' }, 'export_location.bigquery.dataset_id'],
    [[{ variant: 'LOCAL' }, { ...GCS_NESTED, gcs: { bucket_path: 'gs://acme-reports', path_format: 'a/{request_id}' }, path_format: 'b/{request_id}' }], 'export_location[1].gcs.path_format'],
  ] as const) {
    const before = api.runs.runs.size;
    const res = await post(location);
    assert.equal(res.status, 400, res.raw);
    assert.deepEqual(refusal(res), { code: 'EXPORT_LOCATION_INVALID', fields: [field] });
    assert.equal(api.runs.runs.size, before, 'no run started');
  }
});

void test('a bad nested bucket path or path_format is named on its nested field', async () => {
  assert.deepEqual(refusal(await post({ ...GCS_NESTED, gcs: { bucket_path: 's3://acme-reports' } })), { code: 'EXPORT_LOCATION_INVALID', fields: ['export_location.gcs.bucket_path'] });
  assert.deepEqual(refusal(await post([{ ...S3_NESTED, s3: { bucket_path: 's3://acme', path_format: '../x' } }])), { code: 'PATH_FORMAT_INVALID', fields: ['export_location[0].s3.path_format'] });
});
