/**
 * The query-data activity: runs the report's SQL (narrowed by the request's filters, see
 * src/data/filter-sql.ts) through a server-side cursor and stages the rows as
 * NDJSON (src/staging/ndjson.ts) in the run's staging folder, heartbeating with the rows written so
 * far. Memory stays bounded (one batch of `config.queryBatchRows` rows). A retry starts over and
 * rewrites the same file: re-reading is cheaper than keeping a cursor alive across attempts.
 * A CSV report on PostgreSQL takes a shorter way: the database prints the CSV and the stage writes the
 * finished report (./copy-report-csv.ts), which the render stage passes on.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { StagedRows } from '../src/domain/artifacts.js';
import { requestColumns, type RequestColumn } from '../src/catalog/column-expansions.js';
import type { ValidatedRequest } from '../src/domain/report-request.js';
import type { Row } from '../src/data/database.js';
import { applyFilters } from '../src/data/filter-sql.js';
import { bindNamedParameters, queryParameters } from '../src/data/sql-binding.js';
import { NdjsonWriter, toStagedValue, type StagedRow } from '../src/staging/ndjson.js';
import type { ActivityDeps } from './deps.js';
import { definitionOf } from './definition-for.js';
import { keepAlive } from './keep-alive.js';
import { copyReportCsv } from './copy-report-csv.js';

/** Name of the staged rows file in a run's staging folder. */
export const STAGED_ROWS_FILE = 'rows.ndjson';

/**
 * @returns the staged file's `file://` URI, row count, size (bytes), sha256, the request's columns
 *   (the definition's, with expanded ones made for the request's parameters) and the worker holding the
 *   file (`deps.stagingWorker`), where the run's next stages must run. For a CSV report copied by the
 *   database, the finished report file instead (`report` set).
 * @throws CancelledFailure when the run is cancelled; a non-retryable `DEFINITION_ERROR` failure when
 *   the query's rows do not fit the definition's columns; ReportError('FILTER_INVALID') (→ non-retryable)
 *   when a filter no longer fits the definition; database faults as plain errors (retried).
 */
export function queryDataActivity(deps: Pick<ActivityDeps, 'catalog' | 'templates' | 'db' | 'staging' | 'stagingWorker' | 'config' | 'logger'> & Partial<Pick<ActivityDeps, 'renderers'>>) {
  return async function queryData(validated: ValidatedRequest): Promise<StagedRows> {
    const ctx = Context.current();
    const { request } = validated;
    const def = await definitionOf(deps, request);
    const query = bindNamedParameters(def.querySql, queryParameters(validated, Object.keys(def.parameters.properties)));
    // The request's filters, if any, wrap the query with bound conditions and re-apply its order.
    const { text, values } = applyFilters(def, query, validated.filters);
    const columns = requestColumns(def.columns, validated.parameters);
    const startedMs = Date.now();
    let rows = 0;
    // Heartbeats also while the query computes its first rows, so a cancel then stops it at once.
    const alive = keepAlive(ctx, rows);
    try {
      if (request.format === 'CSV') {
        const copied = await copyReportCsv(deps, { validated, definition: def, query: { text, values }, columns, signal: ctx.cancellationSignal, onProgress: (n) => alive.progress(n) });
        if (!('declined' in copied)) {
          deps.logger.info({ requestId: request.id, reportCode: def.code, rows: copied.rows, sizeBytes: copied.sizeBytes, ms: Date.now() - startedMs, attempt: ctx.info.attempt }, 'CSV copied from the database');
          return copied;
        }
        deps.logger.debug({ requestId: request.id, reportCode: def.code, reason: copied.declined }, 'CSV rows staged, not copied');
      }
      const outPath = await deps.staging.pathFor(request.id, STAGED_ROWS_FILE);
      const writer = new NdjsonWriter(outPath);
      try {
        for await (const batch of deps.db.stream(text, values, deps.config.queryBatchRows, ctx.cancellationSignal)) {
          // Leaving the loop closes the cursor (the stream's finally) before the cancel is reported.
          if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
          await writer.writeMany(batch.map((row) => stageRow(row, columns, def.code)));
          rows += batch.length;
          alive.progress(rows);
        }
      } catch (err) {
        writer.destroy();
        throw err;
      }
      const summary = await writer.close();
      deps.logger.info({ requestId: request.id, reportCode: def.code, rows: summary.rows, sizeBytes: summary.sizeBytes, ms: Date.now() - startedMs, attempt: ctx.info.attempt }, 'rows staged');
      return {
        uri: deps.staging.uriFor(outPath), rows: summary.rows, sizeBytes: summary.sizeBytes, sha256: summary.sha256, columns: columns.map((c) => ({ name: c.name, type: c.type })),
        ...(deps.stagingWorker ? { worker: deps.stagingWorker } : {}),
      };
    } catch (err) {
      // A fault caused by the cancel (a closed connection) is reported as the cancel it is.
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
      throw err;
    } finally {
      alive.stop();
    }
  };
}

/**
 * Keeps the request's columns, in their order, in the staged format; an expanded column's values are
 * the elements of its query column's array.
 * A query that lacks a column, returns an array of the wrong length or a value its type cannot hold is
 * a definition bug: retrying cannot fix it, so it fails at once (the client sees INTERNAL; the detail
 * goes to the logs).
 */
function stageRow(row: Row, columns: RequestColumn[], reportCode: string): StagedRow {
  const out: StagedRow = {};
  for (const column of columns) {
    if (!Object.prototype.hasOwnProperty.call(row, column.source)) {
      throw ApplicationFailure.create({ type: 'DEFINITION_ERROR', nonRetryable: true, message: `report ${reportCode}: query returns no column "${column.source}"` });
    }
    let value = row[column.source];
    if (column.index !== undefined) {
      if (!Array.isArray(value) || value.length <= column.index) {
        throw ApplicationFailure.create({ type: 'DEFINITION_ERROR', nonRetryable: true, message: `report ${reportCode}: column "${column.source}" has no element ${column.index + 1} for "${column.name}"` });
      }
      value = value[column.index] as unknown;
    }
    try {
      out[column.name] = toStagedValue(value, column);
    } catch (err) {
      throw ApplicationFailure.create({ type: 'DEFINITION_ERROR', nonRetryable: true, message: `report ${reportCode}: ${(err as Error).message}`, cause: err as Error });
    }
  }
  return out;
}
