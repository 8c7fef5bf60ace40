/**
 * The BigQuery export activity: loads the run's staged rows (not the rendered file) into the table of
 * one BIGQUERY location (`request.exportLocations[index]`). One activity per location, so a failing
 * load retries alone. Retry-safe: the load job id is deterministic per run and location, rows
 * already loaded by an earlier attempt are recognised by the run id column, and an earlier attempt's
 * job still running is waited for (see src/destinations/bigquery-destination.ts).
 */
import { Context } from '@temporalio/activity';
import type { BucketDelivery, StagedRows } from '../src/domain/artifacts.js';
import { ReportError } from '../src/domain/errors.js';
import type { ReportRequest } from '../src/domain/report-request.js';
import type { ActivityDeps } from './deps.js';
import { inSpan } from '../src/observability/span.js';
import { keepAlive } from './keep-alive.js';

/** The deterministic load job id of a run's BigQuery location `index` (job ids allow letters, digits, `_` and `-`). */
export function bigQueryJobId(requestId: string, index: number): string {
  return `reportflow_${requestId.replace(/[^A-Za-z0-9_-]/g, '_')}_${index}`;
}

/** Which location of which run; `staged`: the query activity's rows. */
export interface ExportToBigQueryInput {
  request: ReportRequest;
  staged: StagedRows;
  index: number;
}

/**
 * @returns the table as `bigquery://project/dataset/table`, with the staged rows' size and sha256.
 * @throws ReportError('INTEGRATION_UNKNOWN') for an unknown integration (non-retryable); Error on
 *   server faults and failed load jobs (retried).
 */
export function exportToBigQueryActivity(deps: Pick<ActivityDeps, 'staging' | 'buckets'>) {
  return async function exportToBigQuery(input: ExportToBigQueryInput): Promise<BucketDelivery> {
    const { request, staged, index } = input;
    const location = request.exportLocations?.[index];
    if (location?.variant !== 'BIGQUERY') throw new ReportError('EXPORT_LOCATION_INVALID', `Export location ${index} is not a BIGQUERY location.`);
    const destination = await deps.buckets.bigQuery(location.integrationId);
    const ctx = Context.current();
    const alive = keepAlive(ctx, 0);
    const result = await inSpan('export BIGQUERY', { 'reportflow.rows': staged.rows }, () => destination.load(
      deps.staging.pathFromUri(staged.uri),
      {
        datasetId: location.datasetId,
        table: location.streamName,
        columns: staged.columns,
        runId: request.id,
        jobId: bigQueryJobId(request.id, index),
        expectedRows: staged.rows,
      },
      { onProgress: (progress) => alive.progress(progress), signal: ctx.cancellationSignal },
    )).finally(() => alive.stop());
    ctx.log.info('report rows loaded into BigQuery', { uri: result.uri, rows: result.rows, reused: result.reused, jobId: result.jobId });
    return { variant: 'BIGQUERY', integrationId: location.integrationId, uri: result.uri, sizeBytes: staged.sizeBytes, sha256: staged.sha256 };
  };
}
