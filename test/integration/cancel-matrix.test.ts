/**
 * A cancel at each stage of each format, over the HTTP API, on the real parts (Temporal dev server,
 * PostgreSQL, Chromium, an S3 server and a GCS server): the run ends CANCELLED in the stage it was in,
 * with nothing exported (no LOCAL file or temporary file, no report record, no bucket object) and
 * nothing left in staging; the worker goes on serving. A cancel once the run has succeeded (while it
 * notifies) is refused with 409 RUN_FINISHED and changes nothing.
 *
 * The stages last long enough to be hit on purpose, by real work: a data check and a query that wait
 * in PostgreSQL (`pg_sleep`), renders of many generated rows, bucket uploads of tens of MB, a webhook
 * receiver that answers slowly.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { migrate } from '../../src/data/migrate.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import type { Stage } from '../../src/domain/run-status.js';
import { createGcsBucket, gcsClient, startGcsServer } from '../helpers/emulators/gcs-server.js';
import type { Emulator } from '../helpers/emulators/process.js';
import { createS3Bucket, s3Client, S3_TEST_CREDENTIALS, startS3Server } from '../helpers/emulators/s3-server.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { realStack, type RealStack } from '../helpers/real-stack.js';
import { useTemporalTestServer } from '../helpers/temporal.js';

const PROJECT = path.resolve(import.meta.dirname, '../..');
const temporal = useTemporalTestServer();
let pgServer: TestPostgres;
let db: PgDatabase;
let s3: Emulator;
let gcs: Emulator;
let root: string;

before(async () => {
  [pgServer, s3, gcs] = await Promise.all([startTestPostgres(), startS3Server(), startGcsServer()]);
  db = new PgDatabase({ url: pgServer.url, applicationName: 'cancel-matrix' });
  await migrate(db, { dataDir: '', seed: false });
  await Promise.all([createS3Bucket(s3.url, 'acme-s3'), createGcsBucket(gcs.url, 'acme-gcs')]);
  root = await mkdtemp(path.join(tmpdir(), 'reportflow-cancel-matrix-'));
});
after(async () => {
  await db?.close();
  await Promise.all([pgServer?.stop(), s3?.stop(), gcs?.stop()]);
  if (root) await rm(root, { recursive: true, force: true });
});

/**
 * Two reports of generated rows (no dataset needed): SLOW_CHECK, whose data check waits `wait_s` seconds
 * in PostgreSQL, and LINES: `rows` rows after a wait of `delay_s` seconds in the query, as PDF, HTML,
 * CSV or XML.
 */
async function catalog(dir: string): Promise<string> {
  await cp(path.join(PROJECT, 'templates/_shared'), path.join(dir, '_shared'), { recursive: true });
  const columns = [{ name: 'n', type: 'integer' }, { name: 'label', type: 'string' }, { name: 'amount', type: 'decimal' }];
  const lines = "SELECT g AS n, 'line ' || g || ' ' || repeat(md5(g::text), 3) AS label, (g * 0.01)::numeric(14,2) AS amount FROM (SELECT pg_sleep(:delay_s::float8)) AS s, generate_series(1, :rows::int) AS g ORDER BY g";
  const template = '<!DOCTYPE html><html><body><table>{{#each rows}}<tr><td>{{n}}</td><td>{{label}}</td><td>{{amount}}</td></tr>{{/each}}</table></body></html>';
  const reports = {
    LINES: {
      parameters: { type: 'object', properties: { rows: { type: 'integer', minimum: 0 }, delay_s: { type: 'number', minimum: 0, default: 0 } }, required: ['rows'], additionalProperties: false },
      formats: { PDF: { template: 'lines.hbs' }, HTML: { template: 'lines.hbs' }, CSV: {}, XML: { xml_root: 'lines', xml_row: 'line' } },
      sql: lines,
    },
    SLOW_CHECK: {
      parameters: { type: 'object', properties: { wait_s: { type: 'number', minimum: 0 } }, required: ['wait_s'], additionalProperties: false },
      formats: { CSV: {} },
      sql: "SELECT 1 AS n, 'x' AS label, 1.00 AS amount",
      checks: [{ query: 'check.sql', error_code: 'PARAMETER_INVALID', parameter: 'wait_s', message: 'never' }],
    },
  };
  for (const [code, r] of Object.entries(reports)) {
    await mkdir(path.join(dir, code), { recursive: true });
    await writeFile(path.join(dir, code, 'report.json'), JSON.stringify({
      code, title: { en: code, no: code }, description: `${code}, for cancellation tests.`, parameters: r.parameters,
      query: 'query.sql', columns, formats: r.formats, ...('checks' in r ? { checks: r.checks } : {}),
    }));
    await writeFile(path.join(dir, code, 'query.sql'), r.sql);
    await writeFile(path.join(dir, code, 'lines.hbs'), template);
  }
  await writeFile(path.join(dir, 'SLOW_CHECK', 'check.sql'), 'SELECT 1 FROM pg_sleep(:wait_s::float8)');
  return dir;
}

const S3_LOCATION = { variant: 'S3', integration_id: 's3-main', bucket_path: 's3://acme-s3/cancel' };
const GCS_PARQUET = { variant: 'GCS', integration_id: 'gcs-main', bucket_path: 'gs://acme-gcs/cancel', format_type: 'PARQUET' };
const params = (values: Record<string, number>) => Object.entries(values).map(([name, value]) => ({ name, value }));

interface Case {
  name: string;
  body: Record<string, unknown>;
  stage: Stage;
  /** Also wait for a file of at least this many bytes in the run's staging folder (work under way). */
  stagedBytes?: number;
}

const CASES: Case[] = [
  { name: 'VALIDATE (a data check waiting in the database)', stage: 'VALIDATE', body: { report_code: 'SLOW_CHECK', format: 'CSV', parameter_values: params({ wait_s: 6 }) } },
  { name: 'QUERY_DATA (the query waiting in the database)', stage: 'QUERY_DATA', body: { report_code: 'LINES', format: 'CSV', parameter_values: params({ rows: 1000, delay_s: 6 }) } },
  { name: 'RENDER of a PDF (Chromium printing)', stage: 'RENDER', body: { report_code: 'LINES', format: 'PDF', parameter_values: params({ rows: 20_000 }) } },
  { name: 'RENDER of HTML', stage: 'RENDER', body: { report_code: 'LINES', format: 'HTML', parameter_values: params({ rows: 150_000 }) } },
  // On PostgreSQL a CSV is printed by the database into the report file during QUERY_DATA (COPY).
  { name: 'QUERY_DATA of a CSV the database prints (COPY under way)', stage: 'QUERY_DATA', body: { report_code: 'LINES', format: 'CSV', parameter_values: params({ rows: 3_000_000 }) }, stagedBytes: 1_000_000 },
  { name: 'RENDER of XML', stage: 'RENDER', body: { report_code: 'LINES', format: 'XML', parameter_values: params({ rows: 500_000 }) } },
  { name: 'EXPORT to an S3 bucket (upload under way)', stage: 'EXPORT', body: { report_code: 'LINES', format: 'CSV', parameter_values: params({ rows: 600_000 }), export_location: S3_LOCATION } },
  { name: 'EXPORT of Parquet to a GCS bucket', stage: 'EXPORT', body: { report_code: 'LINES', format: 'CSV', parameter_values: params({ rows: 600_000 }), export_location: GCS_PARQUET } },
];

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(50)) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

async function bucketObjects(prefix: string): Promise<string[]> {
  const client = s3Client(s3.url);
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'acme-s3', Prefix: prefix }));
    const [files] = await gcsClient(gcs.url).bucket('acme-gcs').getFiles({ prefix });
    return [...(listed.Contents ?? []).map((o) => `s3://acme-s3/${o.Key}`), ...files.map((f) => `gs://acme-gcs/${f.name}`)];
  } finally {
    client.destroy();
  }
}

/** Bytes of the largest file under the run's staging folder (0 when none). */
async function stagedSize(stack: RealStack, id: string): Promise<number> {
  const entries = await readdir(path.join(stack.config.stagingDir, id), { recursive: true, withFileTypes: true }).catch(() => []);
  const sizes = await Promise.all(entries.filter((e) => e.isFile()).map((e) => stat(path.join(e.parentPath, e.name)).then((s) => s.size, () => 0)));
  return Math.max(0, ...sizes);
}

async function leftovers(stack: RealStack, code: string, id: string): Promise<string[]> {
  const found: string[] = [];
  const reportDir = path.join(stack.config.reportsDir, 'acme', code, id);
  for (const f of await readdir(reportDir).catch(() => [])) found.push(`reports/${f}`);
  for (const f of await readdir(path.join(stack.config.stagingDir, id)).catch(() => [])) found.push(`staging/${f}`);
  if (await stack.records.getReport('acme', id)) found.push('report record');
  found.push(...(await bucketObjects('cancel/')));
  return found;
}

void test('a cancel at each stage of each format ends CANCELLED with nothing exported and nothing staged, and the service keeps serving', { timeout: 600_000 }, async (t) => {
  const templatesDir = await catalog(path.join(root, 'templates'));
  const stack = await realStack({
    temporal, db, root, templatesDir,
    config: { pdfMaxRows: 200_000 },
    integrations: new Map([
      ['s3-main', { type: 'S3' as const, endpoint: s3.url, ...S3_TEST_CREDENTIALS }],
      ['gcs-main', { type: 'GCS' as const, apiEndpoint: gcs.url, projectId: 'test' }],
    ]),
  });
  await stack.run(async () => {
    for (const c of CASES) {
      const created = await stack.call('POST', '/v1/report-generate-requests', c.body);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = String(created.body.id);
      const seen = await until(`${c.name}: stage ${c.stage}`, 120_000, async () => {
        const { body } = await stack.call('GET', `/v1/report-generate-requests/${id}`);
        assert.ok(!['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(body.status), `${c.name}: the run ended (${body.status}, stage ${body.stage}) before it could be cancelled in ${c.stage}`);
        return body.stage === c.stage ? body : undefined;
      });
      if (c.stagedBytes) await until(`${c.name}: ${c.stagedBytes} bytes staged`, 60_000, async () => ((await stagedSize(stack, id)) >= c.stagedBytes! ? true : undefined));
      const cancel = await stack.call('POST', `/v1/report-generate-requests/${id}/cancel`);
      assert.equal(cancel.status, 202, `${c.name}: ${JSON.stringify(cancel.body)}`);
      const cancelledAt = Date.now();
      const final = await until(`${c.name}: a final status`, 60_000, async () => {
        const { body } = await stack.call('GET', `/v1/report-generate-requests/${id}`);
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(body.status) ? body : undefined;
      });
      assert.equal(final.status, 'CANCELLED', `${c.name}: ${JSON.stringify(final)}`);
      assert.equal(final.stage, c.stage, `${c.name}: cancelled in ${seen.stage}`);
      assert.equal(final.error?.code, 'RUN_CANCELLED');
      // The workflow ends after its clean-up activities; then nothing of the run may be left.
      await temporal.env.client.workflow.getHandle(id).result().catch(() => undefined);
      assert.deepEqual(await leftovers(stack, String(c.body.report_code), id), [], `${c.name}: left behind`);
      assert.equal((await stack.call('GET', `/v1/reports/${id}/download`)).body.error?.code, 'RUN_CANCELLED');
      t.diagnostic(`${c.name}: CANCELLED ${Date.now() - cancelledAt} ms after the cancel`);
    }

    // A cancel while the succeeded run notifies (the receiver answers slowly) comes too late: 409.
    let hooks = 0;
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hooks++;
        setTimeout(() => res.writeHead(204).end(), 3000);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const created = await stack.call('POST', '/v1/report-generate-requests', { report_code: 'LINES', format: 'CSV', parameter_values: params({ rows: 10 }), notify: { webhook_url: url } });
      const id = String(created.body.id);
      await until('the run to succeed and notify', 60_000, async () => {
        const { body } = await stack.call('GET', `/v1/report-generate-requests/${id}`);
        return body.status === 'SUCCEEDED' && hooks > 0 ? body : undefined;
      });
      const cancel = await stack.call('POST', `/v1/report-generate-requests/${id}/cancel`);
      assert.equal(cancel.status, 409, JSON.stringify(cancel.body));
      assert.equal(cancel.body.error.code, 'RUN_FINISHED');
      await temporal.env.client.workflow.getHandle(id).result();
      const { body } = await stack.call('GET', `/v1/report-generate-requests/${id}`);
      assert.equal(body.status, 'SUCCEEDED');
      assert.equal((await stack.call('GET', `/v1/reports/${id}`)).status, 200, 'the report stays');
    } finally {
      receiver.close();
    }

    // The worker still serves, and no Chromium page is left open.
    const after = await stack.call('POST', '/v1/report-generate-requests', { report_code: 'LINES', format: 'PDF', parameter_values: params({ rows: 5 }) });
    const done = await temporal.env.client.workflow.getHandle(String(after.body.id)).result() as { status: string };
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(stack.rendering.browserPool.stats().activePages, 0);
  });
});
