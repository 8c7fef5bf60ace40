/**
 * The BIGQUERY destination against a real BigQuery emulator (bqemulator, REST API, started by the
 * test): the 541,909 Online Retail lines load whole (row count and SUM(quantity*unit_price) match the
 * source), tagged with the run's id; a retried load of the same run adds no rows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BigQueryDestination } from '../../src/destinations/bigquery-destination.js';
import { fromScaled } from '../helpers/decimal.js';
import { ONLINE_RETAIL_COLUMNS as COLUMNS, stageOnlineRetail } from '../helpers/emulators/retail-csv.js';
import { bigQueryClient, startBigQueryServer } from '../helpers/emulators/bigquery-server.js';
import type { Emulator } from '../helpers/emulators/process.js';

let server: Emulator;
let dir: string;
let staged: string;
let sourceRows = 0;
let sourceSum = 0n;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'reportflow-bq-'));
  staged = path.join(dir, 'rows.ndjson');
  let source: { rows: number; sum: bigint };
  [server, source] = await Promise.all([startBigQueryServer(), stageOnlineRetail(staged)]);
  sourceRows = source.rows;
  sourceSum = source.sum;
});
after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function runTotals(runId: string): Promise<{ n: number; total: string }> {
  const [rows] = await bigQueryClient(server.url).query({
    query: 'SELECT COUNT(*) AS n, CAST(SUM(quantity * unit_price) AS STRING) AS total FROM `test.retail.online_retail_lines` WHERE _reportflow_request_id = @run',
    params: { run: runId },
  });
  const row = rows[0] as { n: number; total: string | null };
  return { n: Number(row.n), total: row.total === null ? '0' : Number(row.total).toFixed(2) };
}

void test('the 541,909 Online Retail lines load whole: row count and SUM(quantity*unit_price) match the source', { timeout: 600_000 }, async () => {
  assert.equal(sourceRows, 541_909);
  const dest = new BigQueryDestination({ apiEndpoint: server.url, projectId: 'test' });
  const load = { datasetId: 'retail', table: 'online_retail_lines', columns: COLUMNS, runId: 'rpt-bq-1', jobId: 'reportflow_rpt-bq-1_0', expectedRows: sourceRows };
  const result = await dest.load(staged, load);
  assert.deepEqual(result, { uri: 'bigquery://test/retail/online_retail_lines', rows: sourceRows, reused: false });
  assert.deepEqual(await runTotals('rpt-bq-1'), { n: sourceRows, total: fromScaled(sourceSum, 2) });

  // A retry of the same run (same job id) finds every row there and loads nothing.
  assert.equal((await dest.load(staged, load)).reused, true);
  assert.equal((await runTotals('rpt-bq-1')).n, sourceRows);

  // The table's schema comes from the report's column types, with the run id column first.
  const [meta] = await bigQueryClient(server.url).dataset('retail').table('online_retail_lines').getMetadata();
  const fields = (meta.schema.fields as { name: string; type: string }[]).map((f) => `${f.name}:${f.type}`);
  assert.deepEqual(fields.slice(0, 1), ['_reportflow_request_id:STRING']);
  assert.ok(fields.includes('quantity:INT64') && fields.includes('invoice_date:TIMESTAMP'), fields.join());
});
