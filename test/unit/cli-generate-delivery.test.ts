/**
 * `reportflow generate` delivery and request options: `--export` (shorthand or JSON, with
 * `--path-format` / `--format-type`), `--webhook`, `--email`, `--customer`, `--metadata`, `--filter`,
 * `--generate-at` and `--idempotency-key`, checked as the exact request a fake API receives; bad values
 * exit 2 before anything is sent; API errors print their field errors.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportLocations, parseExport, parseFilters, parseGenerateAt, parseMetadata } from '../../src/cli/request-options.js';
import { FAKE_API_KEY, startFakeApiCli, type FakeApiCli } from '../helpers/cli-fixture.js';

let api: FakeApiCli;
before(async () => {
  api = await startFakeApiCli();
});
after(async () => {
  await api.close();
});
beforeEach(() => api.reset());

const ID = '0193c5e2-7a1b-7c3d-9e4f-0123456789ab';

/** The 201 body of a created request. */
function created(overrides: Record<string, unknown> = {}) {
  return {
    id: ID, status: 'PENDING', stage: null, report_code: 'INVOICE_LINES', parameter_values: [], format: 'CSV', language: 'en', timezone: 'UTC',
    customer_id: null, created_at: '2026-03-01T05:00:00.000Z', links: { self: `/v1/report-generate-requests/${ID}`, download: `/v1/reports/${ID}/download` }, ...overrides,
  };
}

void test('--export shorthands become export_location objects: gcs, s3, bigquery (or bq), local and JSON', () => {
  assert.deepEqual(parseExport('gcs:gcs-main:gs://acme-reports/monthly'), { variant: 'GCS', integration_id: 'gcs-main', bucket_path: 'gs://acme-reports/monthly' });
  assert.deepEqual(parseExport('S3:s3-main:s3://acme'), { variant: 'S3', integration_id: 's3-main', bucket_path: 's3://acme' });
  assert.deepEqual(parseExport('bigquery:bq-main:reports.invoice_lines'), { variant: 'BIGQUERY', integration_id: 'bq-main', dataset_id: 'reports', stream_name: 'invoice_lines' });
  assert.deepEqual(parseExport('bq:bq-main:reports.lines'), { variant: 'BIGQUERY', integration_id: 'bq-main', dataset_id: 'reports', stream_name: 'lines' });
  assert.deepEqual(parseExport('local'), { variant: 'LOCAL' });
  assert.deepEqual(parseExport('{"variant":"S3","integration_id":"s3-main","bucket_path":"s3://b/p","format_type":"PARQUET"}'), {
    variant: 'S3', integration_id: 's3-main', bucket_path: 's3://b/p', format_type: 'PARQUET',
  });
});

void test('a malformed --export is refused with what was expected', () => {
  assert.throws(() => parseExport('gcs:gcs-main:s3://wrong-scheme'), /--export gcs: expects gs:\/\/<bucket>\[\/<prefix>\] after the integration, got "s3:\/\/wrong-scheme"/);
  assert.throws(() => parseExport('s3:main:s3://'), /expects s3:\/\/<bucket>/);
  assert.throws(() => parseExport('bigquery:bq-main:project.reports.lines'), /expects <dataset>\.<table>/);
  assert.throws(() => parseExport('ftp:x:ftp://host'), /--export expects gcs:<integration>:gs:\/\/<bucket>/);
  assert.throws(() => parseExport('gcs:gs://bucket'), /--export gcs:gs:\/\/bucket: the integration id is missing; write gcs:<integration>:gs:\/\/bucket/);
  assert.throws(() => parseExport('{"variant":'), /--export: not valid JSON/);
  assert.throws(() => parseExport('{"integration_id":"x"}'), /must be an object with a "variant"/);
});

void test('--path-format and --format-type fill every gcs/s3 export that does not set its own, and need one', () => {
  const locations = exportLocations(
    ['gcs:g:gs://b/p', '{"variant":"S3","integration_id":"s","bucket_path":"s3://b","format_type":"ORIGINAL"}', 'bigquery:q:d.t'],
    { pathFormat: '{request_id}.{ext}', formatType: 'parquet' },
  );
  assert.deepEqual(locations, [
    { variant: 'GCS', integration_id: 'g', bucket_path: 'gs://b/p', path_format: '{request_id}.{ext}', format_type: 'PARQUET' },
    { variant: 'S3', integration_id: 's', bucket_path: 's3://b', format_type: 'ORIGINAL', path_format: '{request_id}.{ext}' },
    { variant: 'BIGQUERY', integration_id: 'q', dataset_id: 'd', stream_name: 't' },
  ]);
  assert.equal(exportLocations([], {}), undefined);
  assert.throws(() => exportLocations(['bigquery:q:d.t'], { formatType: 'CSV' }), /--path-format and --format-type apply to gcs and s3 exports: add one with --export/);
  assert.throws(() => exportLocations(['gcs:g:gs://b'], { formatType: 'xlsx' }), /--format-type expects one of CSV, PARQUET, ORIGINAL, got "xlsx"/);
});

void test('--filter field.op=value merges into filters: lists for in/nin/between, numbers and booleans typed, quotes keep strings', () => {
  assert.deepEqual(parseFilters(['country.in=France,Germany', 'quantity.gte=10']), { country: { in: ['France', 'Germany'] }, quantity: { gte: 10 } });
  assert.deepEqual(parseFilters(['quantity.gte=10', 'quantity.lt=100', 'unit_price.between=0.5,2.55', 'country=United Kingdom', 'country.NIN=EIRE']), {
    quantity: { gte: 10, lt: 100 }, unit_price: { between: [0.5, 2.55] }, country: { eq: 'United Kingdom', nin: ['EIRE'] },
  });
  assert.deepEqual(parseFilters(['stock_code.eq="71053"', 'stock_code.in="85123A","22,1",71053', 'paid.eq=true', 'quantity.lt=-1e2', 'invoice_no.eq=C536379']), {
    stock_code: { eq: '71053', in: ['85123A', '22,1', 71053] }, paid: { eq: true }, quantity: { lt: -100 }, invoice_no: { eq: 'C536379' },
  });
  assert.equal(parseFilters([]), undefined);
});

void test('a malformed --filter is refused: unknown operator, no "=", a repeated condition, between without two values', () => {
  assert.throws(() => parseFilters(['quantity.like=1']), /unknown operator "like"; use one of eq, gt, gte, lt, lte, in, nin, between/);
  assert.throws(() => parseFilters(['quantity']), /--filter expects <field>\.<op>=<value>/);
  assert.throws(() => parseFilters(['quantity.gte=1', 'quantity.gte=2']), /--filter quantity\.gte is given twice/);
  assert.throws(() => parseFilters(['quantity.between=1']), /between takes two values, low,high/);
  assert.throws(() => parseFilters(['country.in=France,,Spain']), /empty value/);
  assert.throws(() => parseFilters(['country.eq="unterminated']), /not a well-quoted string/);
});

void test('--metadata key=value and --generate-at are checked before sending', () => {
  assert.deepEqual(parseMetadata(['batch=2026-03', 'note=a=b']), { batch: '2026-03', note: 'a=b' });
  assert.throws(() => parseMetadata(['=x']), /--metadata expects key=value/);
  assert.throws(() => parseMetadata(['a=1', 'a=2']), /--metadata a is given twice/);
  assert.equal(parseGenerateAt('2026-03-01T06:00:00+01:00'), '2026-03-01T06:00:00+01:00');
  assert.equal(parseGenerateAt('2026-03-01T05:00:00.000Z'), '2026-03-01T05:00:00.000Z');
  assert.throws(() => parseGenerateAt('2026-03-01 06:00'), /--generate-at expects an ISO-8601 instant with an offset/);
  assert.throws(() => parseGenerateAt('2026-03-01T06:00:00'), /with an offset/);
});

void test('generate sends every delivery and request option in one POST, with the Idempotency-Key header', async () => {
  api.on('POST /v1/report-generate-requests', { status: 201, body: created() });
  const res = await api.run([
    'generate', 'INVOICE_LINES', '-p', 'from_date=2011-01-01', '-p', 'to_date=2011-02-01', '-f', 'csv',
    '--export', 'gcs:gcs-main:gs://acme-reports/monthly', '--export', 's3:s3-main:s3://acme-archive',
    '--export', 'bigquery:bq-main:reports.invoice_lines', '--path-format', '{report_code}/{request_id}.{ext}', '--format-type', 'PARQUET',
    '--webhook', 'https://hooks.example.test/reports', '--email', 'finance@example.com', '--email', 'ops@example.com',
    '--customer', '12347', '--metadata', 'batch=2026-03', '--metadata', 'source=cli',
    '--filter', 'country.in=France,Germany', '--filter', 'quantity.gte=10',
    '--generate-at', '2026-03-01T06:00:00+01:00', '--idempotency-key', 'monthly-2026-03',
  ]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, `${ID}\n`);
  assert.equal(res.stderr, '');
  assert.equal(api.requests.length, 1);
  const [req] = api.requests;
  assert.deepEqual([req!.method, req!.path, req!.search], ['POST', '/v1/report-generate-requests', '']);
  assert.equal(req!.headers['x-api-key'], FAKE_API_KEY);
  assert.equal(req!.headers['idempotency-key'], 'monthly-2026-03');
  assert.equal(req!.headers['content-type'], 'application/json');
  assert.deepEqual(req!.body, {
    report_code: 'INVOICE_LINES',
    parameter_values: [{ name: 'from_date', value: '2011-01-01' }, { name: 'to_date', value: '2011-02-01' }],
    format: 'csv',
    customer_id: '12347',
    notify: { webhook_url: 'https://hooks.example.test/reports', emails: ['finance@example.com', 'ops@example.com'] },
    export_location: [
      { variant: 'GCS', integration_id: 'gcs-main', bucket_path: 'gs://acme-reports/monthly', path_format: '{report_code}/{request_id}.{ext}', format_type: 'PARQUET' },
      { variant: 'S3', integration_id: 's3-main', bucket_path: 's3://acme-archive', path_format: '{report_code}/{request_id}.{ext}', format_type: 'PARQUET' },
      { variant: 'BIGQUERY', integration_id: 'bq-main', dataset_id: 'reports', stream_name: 'invoice_lines' },
    ],
    filters: { country: { in: ['France', 'Germany'] }, quantity: { gte: 10 } },
    metadata: { batch: '2026-03', source: 'cli' },
    generate_at: '2026-03-01T06:00:00+01:00',
  });
});

void test('without the new options the body and headers are as before: no Idempotency-Key, no empty fields', async () => {
  api.on('POST /v1/report-generate-requests', { status: 201, body: created() });
  const res = await api.run(['generate', 'INVOICE', '-p', 'invoice_id=536365', '--email', 'a@example.com']);
  assert.equal(res.code, 0, res.stderr);
  const [req] = api.requests;
  assert.equal(req!.headers['idempotency-key'], undefined);
  assert.deepEqual(req!.body, { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'pdf', notify: { emails: ['a@example.com'] } });
});

void test('a replayed Idempotency-Key prints the original id and says nothing new was started', async () => {
  api.on('POST /v1/report-generate-requests', { status: 201, body: created({ status: 'SUCCEEDED' }), headers: { 'x-idempotency-replayed': 'true' } });
  const res = await api.run(['generate', 'INVOICE', '-p', 'invoice_id=536365', '--idempotency-key', 'k1']);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, `${ID}\n`);
  assert.equal(res.stderr, `note: request ${ID} was made earlier with this Idempotency-Key; nothing new was started\n`);
});

void test('bad option values exit 2 with the reason and send nothing', async () => {
  for (const [argv, reason] of [
    [['--export', 'gcs:main:bucket/prefix'], /--export gcs: expects gs:\/\/<bucket>/],
    [['--export', 'bigquery:bq:t', '--format-type', 'CSV'], /expects <dataset>\.<table>/],
    [['--export', 'bigquery:bq:d.t', '--path-format', '{request_id}'], /apply to gcs and s3 exports/],
    [['--filter', 'quantity.like=1'], /unknown operator "like"/],
    [['--metadata', 'novalue'], /--metadata expects key=value/],
    [['--generate-at', 'tomorrow'], /--generate-at expects an ISO-8601 instant/],
  ] as const) {
    const res = await api.run(['generate', 'INVOICE', '-p', 'invoice_id=536365', ...argv]);
    assert.equal(res.code, 2, `${argv.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, /^error: /);
    assert.match(res.stderr, reason);
  }
  assert.equal(api.requests.length, 0);
});

void test('the API\'s refusal is printed with each field and code, and exits 2; a reused Idempotency-Key too', async () => {
  api.on('POST /v1/report-generate-requests', {
    status: 400,
    body: { error: { code: 'INTEGRATION_UNKNOWN', message: 'No GCS integration "nope" is configured.', errors: [{ field: 'export_location[0].integration_id', code: 'INTEGRATION_UNKNOWN', message: 'is not a configured GCS integration' }] } },
  });
  const res = await api.run(['generate', 'INVOICE', '-p', 'invoice_id=536365', '--export', 'gcs:nope:gs://b']);
  assert.equal(res.code, 2);
  assert.equal(res.stdout, '');
  assert.equal(res.stderr, 'INTEGRATION_UNKNOWN: No GCS integration "nope" is configured.\n  export_location[0].integration_id: INTEGRATION_UNKNOWN is not a configured GCS integration\n');

  api.on('POST /v1/report-generate-requests', {
    status: 422,
    body: { error: { code: 'IDEMPOTENCY_KEY_REUSED', message: 'This Idempotency-Key was already used with a different request body.', errors: [{ field: 'Idempotency-Key', code: 'IDEMPOTENCY_KEY_REUSED', message: `Already names request ${ID}; use a new key for a new request.` }] } },
  });
  const reused = await api.run(['generate', 'INVOICE', '-p', 'invoice_id=1', '--idempotency-key', 'k1']);
  assert.equal(reused.code, 2);
  assert.match(reused.stderr, /^IDEMPOTENCY_KEY_REUSED: .*\n {2}Idempotency-Key: IDEMPOTENCY_KEY_REUSED Already names request /);
});
