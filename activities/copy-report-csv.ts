/**
 * The query stage's short way for a CSV report on PostgreSQL: the database prints the rows as CSV
 * (`COPY … TO STDOUT`, src/data/copy-csv.ts) and they go straight into the report file, with the
 * comment lines and header the CSV renderer writes; no row becomes a JavaScript object. Issue 11 asks
 * for the full CSV at COPY's pace; the staged path (cursor → NDJSON → csv-stringify) took 7.9 × COPY's
 * time for the 541,909-line INVOICE_LINES export (`npm run bench -- --peers` on PostgreSQL, dea0fc0).
 *
 * It declines, and the query stage stages NDJSON as before, when: the report is a tenant's template
 * (its own layout), the request has a BigQuery or a Parquet export (they read the staged rows, not the
 * file), a column is expanded from an array, the database cannot copy (the embedded engine), or the
 * query's column types need the staged path's conversions.
 */
import { rename, rm } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { StagedRows } from '../src/domain/artifacts.js';
import { UnprintableValueError } from '../src/render/copied-csv-bytes.js';
import { reportFileName } from '../src/domain/file-name.js';
import type { ValidatedRequest } from '../src/domain/report-request.js';
import type { ReportDefinition } from '../src/catalog/report-definition.js';
import type { RequestColumn } from '../src/catalog/column-expansions.js';
import type { BoundQuery } from '../src/data/sql-binding.js';
import type { LocalStaging } from '../src/staging/local-staging.js';
import type { ActivityDeps } from './deps.js';

/** What the short way needs of the query stage. */
export interface CopyCsvInput {
  validated: ValidatedRequest;
  definition: ReportDefinition;
  query: BoundQuery;
  columns: readonly RequestColumn[];
  signal: AbortSignal;
  /** Called with the rows written so far. */
  onProgress(rows: number): void;
}

/**
 * @returns the staged report (`report` set, rows, size in bytes, sha256), or `{declined}` saying why
 *   the rows must be staged as NDJSON instead (nothing was written then).
 * @throws AbortError when `input.signal` aborts; the database's errors (see `Database.copyCsv`); Error
 *   on a write fault; a non-retryable `DEFINITION_ERROR` failure for a timestamp a Date cannot hold.
 */
export async function copyReportCsv(
  deps: Pick<ActivityDeps, 'db' | 'stagingWorker'> & Partial<Pick<ActivityDeps, 'renderers'>> & { staging: LocalStaging },
  input: CopyCsvInput,
): Promise<StagedRows | { declined: string }> {
  const { validated, columns } = input;
  const renderer = deps.renderers?.CSV;
  if (!deps.db.copyCsv || !renderer?.renderCopied) return { declined: 'no COPY here' };
  if (input.definition.tenantTemplate) return { declined: 'a tenant template renders its own layout' };
  if (validated.request.exportLocations?.some((l) => l.variant === 'BIGQUERY' || l.formatType === 'PARQUET')) return { declined: 'a BigQuery or Parquet export reads the staged rows' };
  if (columns.some((c) => c.index !== undefined || c.source !== c.name)) return { declined: 'a column is expanded from an array' };
  const fileName = reportFileName(validated, renderer.extension);
  const outPath = await deps.staging.pathFor(validated.request.id, fileName);
  // Written under another name and renamed into place: the file is never written again (see `partPathFor`).
  const partPath = deps.staging.partPathFor(outPath);
  const specs = columns.map((c) => ({ name: c.name, type: c.type }));
  const outcome = await deps.db.copyCsv(
    input.query,
    { columns: specs, ...(input.definition.order_by ? { orderBy: input.definition.order_by } : {}) },
    (csv) => renderer.renderCopied!({ definition: input.definition, validated, columns: specs, outPath: partPath, signal: input.signal, onProgress: input.onProgress }, csv),
    input.signal,
  ).catch(async (err: unknown) => {
    await rm(partPath, { force: true });
    // As the staged path's stageRow: a value the column's type cannot hold is a definition bug, not retried.
    if (err instanceof UnprintableValueError) {
      throw ApplicationFailure.create({ type: 'DEFINITION_ERROR', nonRetryable: true, message: `report ${input.definition.code}: ${err.message}`, cause: err });
    }
    throw err;
  });
  if (!outcome.copied) return { declined: outcome.reason };
  await rename(partPath, outPath);
  const { rows, sizeBytes, sha256 } = outcome.value;
  return {
    uri: deps.staging.uriFor(outPath), rows, sizeBytes, sha256, columns: specs,
    ...(deps.stagingWorker ? { worker: deps.stagingWorker } : {}),
    report: { format: 'CSV', fileName, contentType: renderer.contentType, sealed: true },
  };
}
