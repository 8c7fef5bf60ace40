/**
 * The BIGQUERY destination via @google-cloud/bigquery: loads a run's staged rows (NDJSON, see
 * src/staging/ndjson.ts) into a table with one load job, each row tagged with the run's id in
 * `_reportflow_request_id`. The dataset and table are created when missing, the table's schema from
 * the report definition's column types.
 *
 * Exactly once per run, in three layers:
 * - Before loading, the table is asked how many rows carry the run's id: all of them means an earlier
 *   attempt already loaded (kept); some of them (a half-finished load on a server without atomic
 *   jobs) are deleted and loaded again.
 * - The load job id is deterministic: real BigQuery refuses a second job of that id with 409, and the
 *   retry then waits for the first. A job of that id that *failed* would block every retry, so the
 *   next id in the sequence `jobId`, `jobId_r1`, `jobId_r2`, … is used instead; one still running is
 *   waited for.
 * - After loading, the run's row count must equal the staged count; anything else fails the attempt
 *   (the next one repairs it by the first layer).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BigQuery, type Table, type TableField } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import type { BigQueryIntegration } from '../config/integrations.js';
import type { ColumnSpec } from '../domain/artifacts.js';

/** The column that tells runs apart. */
export const RUN_ID_COLUMN = '_reportflow_request_id';

/** How many job ids of one run and location may have failed before the load gives up. */
const MAX_JOB_ID_GENERATIONS = 50;

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

/** What a load left behind. */
export interface BigQueryLoadResult {
  /** `bigquery://project/dataset/table`. */
  uri: string;
  /** Rows of this run in the table after the load. */
  rows: number;
  /** True when an earlier attempt had already loaded every row (or its job was still running and did). */
  reused: boolean;
  /** The job id the rows were loaded with by this attempt (`jobId` or `jobId_rN`); absent when reused. */
  jobId?: string;
}

/**
 * Where a load is: `upload` while rows are tagged and sent (`rows` so far), `job` once the upload is
 * complete and the server runs the load job, `wait` while waiting for an earlier attempt's job.
 */
export interface BigQueryLoadProgress {
  stage: 'upload' | 'job' | 'wait';
  rows: number;
}

/** Options of one load. */
export interface BigQueryLoadOptions {
  /** Called as the load advances (for heartbeats). */
  onProgress?: (progress: BigQueryLoadProgress) => void;
  /** Aborts the upload (activity cancelled); a job already created keeps running on the server. */
  signal?: AbortSignal;
}

/** Loads staged rows into BigQuery tables of one integration. */
export class BigQueryDestination {
  private readonly bq: BigQuery;

  /** @param integration project, credentials (`keyFile`), `location` and endpoint (`apiEndpoint`, e.g. an emulator). */
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
   * Loads the staged NDJSON file `stagedPath` as described by `load`, or keeps an earlier attempt's rows.
   * @throws Error on server faults or a failed load job (retried), when the table's row count for the
   *   run does not match `expectedRows` afterwards, or when `MAX_JOB_ID_GENERATIONS` job ids all failed.
   */
  async load(stagedPath: string, load: BigQueryLoad, options: BigQueryLoadOptions = {}): Promise<BigQueryLoadResult> {
    const onProgress = options.onProgress ?? (() => undefined);
    const dataset = this.bq.dataset(load.datasetId);
    const [datasetExists] = await dataset.exists();
    if (!datasetExists) await ignoreAlreadyExists(dataset.create());
    const table = dataset.table(load.table);
    const [tableExists] = await table.exists();
    if (!tableExists) await ignoreAlreadyExists(table.create({ schema: { fields: schemaOf(load.columns) } }));
    const projectId = await this.bq.getProjectId();
    const uri = `bigquery://${projectId}/${load.datasetId}/${load.table}`;
    const fqTable = `\`${projectId}.${load.datasetId}.${load.table}\``;
    const complete = (rows: number): BigQueryLoadResult => ({ uri, rows, reused: true });

    let before = await this.runRows(fqTable, load.runId);
    if (before === load.expectedRows) return complete(before);
    for (let generation = 0; generation < MAX_JOB_ID_GENERATIONS; generation++) {
      const jobId = generation === 0 ? load.jobId : `${load.jobId}_r${generation}`;
      const state = await this.jobState(jobId);
      if (state === 'failed') continue;
      if (state === 'live') {
        // An earlier attempt's job (running, or done after its worker died): its rows count, not ours.
        onProgress({ stage: 'wait', rows: before });
        await this.bq.job(jobId, this.jobLocation()).promise().catch(() => undefined);
        before = await this.runRows(fqTable, load.runId);
        if (before === load.expectedRows) return complete(before);
        continue;
      }
      if (before > 0) await this.query(`DELETE FROM ${fqTable} WHERE ${RUN_ID_COLUMN} = @run`, { run: load.runId });
      try {
        await this.upload(table, stagedPath, load.runId, jobId, onProgress, options.signal);
      } catch (err) {
        // Real BigQuery: an attempt created this job meanwhile; wait for that one instead.
        if ((err as { code?: number }).code !== 409) throw err;
        onProgress({ stage: 'wait', rows: 0 });
        await this.bq.job(jobId, this.jobLocation()).promise();
      }
      const rows = await this.runRows(fqTable, load.runId);
      if (rows !== load.expectedRows) throw new Error(`BigQuery ${uri} holds ${rows} rows of run ${load.runId}, expected ${load.expectedRows}`);
      return { uri, rows, reused: false, jobId };
    }
    throw new Error(`BigQuery load of run ${load.runId} into ${uri}: the last ${MAX_JOB_ID_GENERATIONS} job ids (${load.jobId}, ${load.jobId}_r1, …) all failed`);
  }

  /**
   * Removes every row of run `runId` from the table, after waiting for the load jobs of this run that
   * are still live on the server (`jobId`, `jobId_r1`, …: an abandoned attempt's job may still land).
   * A missing dataset or table means nothing was loaded. Idempotent.
   * @returns rows deleted.
   * @throws Error on server faults (retried).
   */
  async withdraw(load: Pick<BigQueryLoad, 'datasetId' | 'table' | 'runId' | 'jobId'>): Promise<number> {
    const table = this.bq.dataset(load.datasetId).table(load.table);
    for (let generation = 0; generation < MAX_JOB_ID_GENERATIONS; generation++) {
      const jobId = generation === 0 ? load.jobId : `${load.jobId}_r${generation}`;
      const state = await this.jobState(jobId);
      if (state === 'absent') break;
      if (state === 'live') await this.bq.job(jobId, this.jobLocation()).promise().catch(() => undefined);
    }
    const [exists] = await table.exists().catch((err: unknown) => {
      if ((err as { code?: number }).code === 404) return [false] as const;
      throw err;
    });
    if (!exists) return 0;
    const fqTable = `\`${await this.bq.getProjectId()}.${load.datasetId}.${load.table}\``;
    const rows = await this.runRows(fqTable, load.runId);
    if (rows > 0) await this.query(`DELETE FROM ${fqTable} WHERE ${RUN_ID_COLUMN} = @run`, { run: load.runId });
    return rows;
  }

  /** Streams the tagged rows into a load job `jobId` and resolves when the job is done. */
  private async upload(
    table: Table,
    stagedPath: string,
    runId: string,
    jobId: string,
    onProgress: (progress: BigQueryLoadProgress) => void,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    let rows = 0;
    const target = table.createWriteStream({ sourceFormat: 'NEWLINE_DELIMITED_JSON', writeDisposition: 'WRITE_APPEND', jobId });
    target.once('job', () => onProgress({ stage: 'job', rows }));
    const source = Readable.from(
      taggedRows(stagedPath, runId, (n) => {
        rows = n;
        onProgress({ stage: 'upload', rows });
      }),
    );
    // The client's write stream finishes only when its job is complete, and errors when the job fails.
    await pipeline(source, target, ...(signal ? [{ signal }] : []));
  }

  /** `absent` (no such job), `failed` (done with an error) or `live` (pending, running or done well). */
  private async jobState(jobId: string): Promise<'absent' | 'failed' | 'live'> {
    try {
      const [meta] = await this.bq.job(jobId, this.jobLocation()).getMetadata();
      return (meta as { status?: { errorResult?: unknown } }).status?.errorResult ? 'failed' : 'live';
    } catch (err) {
      if ((err as { code?: number }).code === 404) return 'absent';
      throw err;
    }
  }

  private jobLocation(): { location?: string } {
    return this.integration.location ? { location: this.integration.location } : {};
  }

  private async runRows(fqTable: string, runId: string): Promise<number> {
    const [rows] = await this.query(`SELECT COUNT(*) AS n FROM ${fqTable} WHERE ${RUN_ID_COLUMN} = @run`, { run: runId });
    return Number((rows[0] as { n?: unknown } | undefined)?.n ?? 0);
  }

  private async query(sql: string, params: Record<string, string>) {
    return await this.bq.query({ query: sql, params, ...this.jobLocation() });
  }
}

/** The table schema: the report's columns (nullable) and the run id column (required). */
export function schemaOf(columns: ColumnSpec[]): TableField[] {
  return [{ name: RUN_ID_COLUMN, type: 'STRING', mode: 'REQUIRED' }, ...columns.map((c) => ({ name: c.name, type: BQ_TYPES[c.type], mode: 'NULLABLE' }))];
}

/** The NDJSON rows of `source`, each with `"_reportflow_request_id": runId` added in front, in chunks of about 256 KiB. */
async function* taggedRows(source: string, runId: string, onRows: (rows: number) => void): AsyncGenerator<string> {
  const prefix = `{${JSON.stringify(RUN_ID_COLUMN)}:${JSON.stringify(runId)}`;
  let chunk = '';
  let rows = 0;
  for await (const line of createInterface({ input: createReadStream(source, 'utf8'), crlfDelay: Infinity })) {
    if (line.length === 0) continue;
    // Every staged line is one JSON object: `{}` becomes `{"id":"…"}`, `{"a":1}` becomes `{"id":"…","a":1}`.
    chunk += line === '{}' ? `${prefix}}\n` : `${prefix},${line.slice(1)}\n`;
    rows++;
    if (chunk.length >= 256 * 1024) {
      yield chunk;
      chunk = '';
      onRows(rows);
    }
  }
  if (chunk.length > 0) yield chunk;
  onRows(rows);
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
