/**
 * The BIGQUERY destination against a real BigQuery emulator (bqemulator, REST API, started by the
 * test): the 541,909 Online Retail lines load whole (row count and SUM(quantity*unit_price) match the
 * source exactly), tagged with the run's id; a retried load of the same run adds no rows, also when
 * the first attempt was killed (SIGKILL) mid-upload or after its upload while the server ran the job;
 * rows of a half-finished load are replaced, and a failed job of the run's job id does not block it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BigQueryDestination, type BigQueryLoad } from '../../src/destinations/bigquery-destination.js';
import { toScaled } from '../helpers/decimal.js';
import { bigQueryClient, startBigQueryServer, type BigQueryEmulator } from '../helpers/emulators/bigquery-server.js';
import { killDeliveryWhen } from '../helpers/emulators/kill-delivery.js';
import { ONLINE_RETAIL_COLUMNS as COLUMNS, stageOnlineRetail } from '../helpers/emulators/retail-csv.js';

let server: BigQueryEmulator;
let dir: string;
let staged: string;
let source: { rows: number; sum: bigint };

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'reportflow-bq-'));
  staged = path.join(dir, 'rows.ndjson');
  [server, source] = await Promise.all([startBigQueryServer(), stageOnlineRetail(staged)]);
});
after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const integration = () => ({ type: 'BIGQUERY' as const, apiEndpoint: server.url, projectId: 'test' });

/** A load of the staged rows into `retail.<table>` for run `runId`, with that run's deterministic job id. */
function loadInto(table: string, runId: string, expectedRows = source.rows): BigQueryLoad {
  return { datasetId: 'retail', table, columns: COLUMNS, runId, jobId: `reportflow_${runId}_0`, expectedRows };
}

/**
 * Row count and exact SUM(quantity*unit_price) (scaled like test/helpers/decimal.ts) of the whole
 * table `retail.<table>`, and the rows of `runId` in it: whatever any attempt left is counted.
 */
async function tableTotals(table: string, runId: string): Promise<{ n: number; sum: bigint; runRows: number }> {
  const [rows] = await bigQueryClient(server.url).query({
    query: `SELECT COUNT(*) AS n, CAST(SUM(quantity * unit_price) AS STRING) AS total, COUNTIF(_reportflow_request_id = @run) AS run_rows FROM \`test.retail.${table}\``,
    params: { run: runId },
  });
  const row = rows[0] as { n: number; total: string | null; run_rows: number };
  // NUMERIC sums print with up to 9 decimals; the data's products have at most 6.
  const total = (row.total ?? '0').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return { n: Number(row.n), sum: toScaled(total), runRows: Number(row.run_rows) };
}

/** The first `rows` staged lines, as their own staged file. */
async function stagedHead(rows: number): Promise<string> {
  const file = path.join(dir, `head-${rows}.ndjson`);
  const out = createWriteStream(file);
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(staged, 'utf8'), crlfDelay: Infinity })) {
    if (n++ === rows) break;
    out.write(line + '\n');
  }
  await new Promise((resolve) => out.end(resolve));
  return file;
}

void test('the 541,909 Online Retail lines load whole: row count and SUM(quantity*unit_price) match the source', { timeout: 600_000 }, async () => {
  assert.equal(source.rows, 541_909);
  const dest = new BigQueryDestination(integration());
  const load = loadInto('online_retail_lines', 'rpt-bq-1');
  const result = await dest.load(staged, load);
  assert.deepEqual(result, { uri: 'bigquery://test/retail/online_retail_lines', rows: source.rows, reused: false, jobId: load.jobId });
  assert.deepEqual(await tableTotals('online_retail_lines', 'rpt-bq-1'), { n: source.rows, sum: source.sum, runRows: source.rows });

  // A retry of the same run (same job id) finds every row there and loads nothing.
  assert.equal((await dest.load(staged, load)).reused, true);
  assert.equal((await tableTotals('online_retail_lines', 'rpt-bq-1')).n, source.rows);

  // The table's schema comes from the report's column types, with the run id column first.
  const [meta] = await bigQueryClient(server.url).dataset('retail').table('online_retail_lines').getMetadata();
  const fields = (meta.schema.fields as { name: string; type: string }[]).map((f) => `${f.name}:${f.type}`);
  assert.deepEqual(fields.slice(0, 1), ['_reportflow_request_id:STRING']);
  assert.ok(fields.includes('quantity:INT64') && fields.includes('invoice_date:TIMESTAMP'), fields.join());
});

void test('a load killed mid-upload and retried with the same job id leaves exactly one set of rows: count and SUM match the source', { timeout: 600_000 }, async () => {
  const load = loadInto('killed_mid_upload', 'rpt-bq-kill-upload');
  // About a fifth of the rows sent: the kill lands in the middle of the upload request.
  const killedAt = await killDeliveryWhen({ variant: 'BIGQUERY', integration: integration(), file: staged, load }, (line) => {
    const m = /^stage upload (\d+)$/.exec(line);
    return m !== null && Number(m[1]) >= 100_000;
  });
  assert.match(killedAt, /^stage upload \d+$/);

  const retried = await new BigQueryDestination(integration()).load(staged, load);
  assert.equal(retried.rows, source.rows);
  assert.deepEqual(await tableTotals('killed_mid_upload', load.runId), { n: source.rows, sum: source.sum, runRows: source.rows });
});

void test('a load killed after its upload, while the server runs the job, is kept by the retry: exactly one set of rows', { timeout: 600_000 }, async () => {
  const load = loadInto('killed_in_job', 'rpt-bq-kill-job');
  // Every row handed to the upload: the server takes the request, the worker dies before the job's answer.
  await killDeliveryWhen({ variant: 'BIGQUERY', integration: integration(), file: staged, load }, (line) => line === `stage upload ${source.rows}`, { delayMs: 1000 });

  const retried = await new BigQueryDestination(integration()).load(staged, load);
  assert.equal(retried.rows, source.rows);
  assert.equal(retried.reused, true, 'the killed attempt\'s job loaded the rows; the retry recognised them and loaded nothing');
  assert.deepEqual(await tableTotals('killed_in_job', load.runId), { n: source.rows, sum: source.sum, runRows: source.rows });
});

void test('rows left by a half-finished earlier load of the run are replaced, not added to', async () => {
  const [part, whole] = [await stagedHead(2_000), await stagedHead(5_000)];
  const dest = new BigQueryDestination(integration());
  // A server without atomic jobs stopped after 2,000 of the run's 5,000 rows.
  await dest.load(part, loadInto('half_finished', 'rpt-bq-half', 2_000));
  const result = await dest.load(whole, loadInto('half_finished', 'rpt-bq-half', 5_000));
  assert.deepEqual([result.rows, result.reused], [5_000, false]);
  assert.deepEqual(await tableTotals('half_finished', 'rpt-bq-half').then((t) => [t.n, t.runRows]), [5_000, 5_000]);
});

void test('a failed job of the run\'s job id does not block the retries: the load uses the next id of the sequence', async () => {
  const rows = await stagedHead(1_000);
  const load = loadInto('after_failed_job', 'rpt-bq-failed', 1_000);
  // An earlier attempt's job of that id failed (real BigQuery would refuse the id again with 409).
  await bigQueryClient(server.url).createQueryJob({ query: 'SELECT ERROR("earlier attempt failed")', jobId: load.jobId }).catch(() => undefined);
  const [failed] = await bigQueryClient(server.url).job(load.jobId).getMetadata();
  assert.ok(failed.status?.errorResult, 'the emulator keeps the failed job');

  const result = await new BigQueryDestination(integration()).load(rows, load);
  assert.deepEqual([result.rows, result.reused, result.jobId], [1_000, false, `${load.jobId}_r1`]);
  assert.equal((await tableTotals('after_failed_job', load.runId)).n, 1_000);
});
