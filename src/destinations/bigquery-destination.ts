/**
 * The BIGQUERY destination via @google-cloud/bigquery: loads a run's staged rows (NDJSON, see
 * src/staging/ndjson.ts) into a table with one load job, each row tagged with the run's id in
 * `_reportflow_request_id`. The dataset and table are created when missing, the table's schema from
 * the report definition's column types.
 *
 * Exactly once per run: the load job id is deterministic (real BigQuery refuses a second job of that
 * id with 409, and the retry then waits for the first), and before loading the table is asked how
 * many rows carry the run's id: all of them means an earlier attempt already loaded (kept), some of
 * them (a half-finished earlier load on a server without atomic jobs) are deleted and loaded again.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { BigQuery, type TableField } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import type { BigQueryIntegration } from '../config/integrations.js';
import type { ColumnSpec } from '../domain/artifacts.js';

/** The column that tells runs apart. */
export const RUN_ID_COLUMN = '_reportflow_request_id';

const BQ_TYPES: Record<ColumnSpec['type'], string> = {
  string: 'STRING',
  integer: 'INT64',
  // NUMERIC: 29 integer and 9 fractional digits, exact; enough for money and prices. A value with more
  // fractional digits is refused by the load (change the column to BIGNUMERIC by hand for such data).
  decimal: 'NUMERIC',
  boolean: 'BOOL',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/** One load. `jobId`: deterministic per run and location; `expectedRows`: the staged row count. */
export interface BigQueryLoad {
  datasetId: string;
  table: string;
  columns: ColumnSpec[];
  runId: string;
  jobId: string;
  expectedRows: number;
}

export interface BigQueryLoadResult {
  /** `bigquery://project/dataset/table`. */
  uri: string;
  /** Rows of this run in the table after the load. */
  rows: number;
  /** True when an earlier attempt had already loaded every row. */
  reused: boolean;
}

export class BigQueryDestination {
  private readonly bq: BigQuery;

  constructor(private readonly integration: Omit<BigQueryIntegration, 'type'>) {
    const emulator = integration.apiEndpoint !== undefined && integration.keyFile === undefined;
    this.bq = new BigQuery({
      ...(integration.projectId ? { projectId: integration.projectId } : {}),
      ...(integration.keyFile ? { keyFilename: integration.keyFile } : {}),
      ...(integration.location ? { location: integration.location } : {}),
      ...(integration.apiEndpoint ? { apiEndpoint: integration.apiEndpoint } : {}),
      // An emulator takes no credentials, but the client's upload path needs an auth client to set
      // request headers; a static token does, without reaching for Google's metadata server.
      ...(emulator ? { useAuthWithCustomEndpoint: true, authClient: staticTokenClient() } : {}),
    });
  }

  /**
   * Loads the staged NDJSON file `stagedPath` as described by `load`.
   * @param onProgress called with rows prepared so far (for heartbeats).
   * @throws Error on server faults or a failed load job (retried), or when the table's row count for
   *   the run does not match `expectedRows` afterwards.
   */
  async load(stagedPath: string, load: BigQueryLoad, onProgress: (rows: number) => void = () => undefined): Promise<BigQueryLoadResult> {
    const dataset = this.bq.dataset(load.datasetId);
    const [datasetExists] = await dataset.exists();
    if (!datasetExists) await ignoreAlreadyExists(dataset.create());
    const table = dataset.table(load.table);
    const [tableExists] = await table.exists();
    if (!tableExists) await ignoreAlreadyExists(table.create({ schema: { fields: schemaOf(load.columns) } }));
    const projectId = await this.bq.getProjectId();
    const uri = `bigquery://${projectId}/${load.datasetId}/${load.table}`;
    const fqTable = `\`${projectId}.${load.datasetId}.${load.table}\``;

    const before = await this.runRows(fqTable, load.runId);
    if (before === load.expectedRows) return { uri, rows: before, reused: true };
    if (before > 0) await this.query(`DELETE FROM ${fqTable} WHERE ${RUN_ID_COLUMN} = @run`, { run: load.runId });

    const tagged = `${stagedPath}.${load.jobId}.bq.ndjson`;
    try {
      await tagRows(stagedPath, tagged, load.runId, onProgress);
      try {
        const [job] = await table.createLoadJob(tagged, { sourceFormat: 'NEWLINE_DELIMITED_JSON', writeDisposition: 'WRITE_APPEND', jobId: load.jobId });
        await job.promise();
      } catch (err) {
        // Real BigQuery: an earlier attempt created the job already; wait for that one instead.
        if ((err as { code?: number }).code !== 409) throw err;
        await this.bq.job(load.jobId).promise();
      }
    } finally {
      await rm(tagged, { force: true });
    }
    const rows = await this.runRows(fqTable, load.runId);
    if (rows !== load.expectedRows) throw new Error(`BigQuery ${uri} holds ${rows} rows of run ${load.runId}, expected ${load.expectedRows}`);
    return { uri, rows, reused: false };
  }

  private async runRows(fqTable: string, runId: string): Promise<number> {
    const [rows] = await this.query(`SELECT COUNT(*) AS n FROM ${fqTable} WHERE ${RUN_ID_COLUMN} = @run`, { run: runId });
    return Number((rows[0] as { n?: unknown } | undefined)?.n ?? 0);
  }

  private async query(sql: string, params: Record<string, string>) {
    return await this.bq.query({ query: sql, params, ...(this.integration.location ? { location: this.integration.location } : {}) });
  }
}

/** The table schema: the report's columns (nullable) and the run id column (required). */
export function schemaOf(columns: ColumnSpec[]): TableField[] {
  return [{ name: RUN_ID_COLUMN, type: 'STRING', mode: 'REQUIRED' }, ...columns.map((c) => ({ name: c.name, type: BQ_TYPES[c.type], mode: 'NULLABLE' }))];
}

/** Copies the NDJSON rows to `target`, each with `"_reportflow_request_id": runId` added in front. */
async function tagRows(source: string, target: string, runId: string, onProgress: (rows: number) => void): Promise<void> {
  const prefix = `{${JSON.stringify(RUN_ID_COLUMN)}:${JSON.stringify(runId)}`;
  const out = createWriteStream(target);
  let rows = 0;
  for await (const line of createInterface({ input: createReadStream(source, 'utf8'), crlfDelay: Infinity })) {
    if (line.length === 0) continue;
    // Every staged line is one JSON object: `{}` becomes `{"id":"…"}`, `{"a":1}` becomes `{"id":"…","a":1}`.
    const tagged = line === '{}' ? `${prefix}}\n` : `${prefix},${line.slice(1)}\n`;
    if (!out.write(tagged)) await once(out, 'drain');
    if (++rows % 50_000 === 0) onProgress(rows);
  }
  out.end();
  await once(out, 'finish');
}

async function ignoreAlreadyExists(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    // Two runs creating the same table at once: the loser uses the winner's.
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

function staticTokenClient(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'emulator', expiry_date: Date.now() + 365 * 24 * 3600 * 1000 });
  return client;
}
