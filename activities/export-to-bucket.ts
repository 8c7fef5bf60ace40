/**
 * The bucket export activity: delivers the rendered file to one GCS or S3 location of the request
 * (`request.exportLocations[index]`). One activity per location, so a failing bucket retries alone.
 * Retry-safe: the object name is deterministic, uploads become visible only when complete, and an
 * attempt that finds the same bytes already delivered keeps them.
 */
import { Context } from '@temporalio/activity';
import { writeParquet } from '../src/destinations/parquet-file.js';
import type { BucketDelivery as DeliveryRecord, RenderedFile, StagedRows } from '../src/domain/artifacts.js';
import { ReportError } from '../src/domain/errors.js';
import { objectLocation } from '../src/domain/export-locations.js';
import type { BucketExportLocation, ReportPeriod, ReportRequest } from '../src/domain/report-request.js';
import type { ActivityDeps } from './deps.js';
import { inSpan } from '../src/observability/span.js';
import { keepAlive } from './keep-alive.js';

/** The name of the file a bucket location receives: the rendered file's, with `.parquet` for a PARQUET location. */
export function deliveredFileName(renderedFileName: string, location: Pick<BucketExportLocation, 'formatType'>): string {
  return location.formatType === 'PARQUET' ? `${renderedFileName.replace(/\.[^.]+$/, '')}.parquet` : renderedFileName;
}

/**
 * Which location of which run. `period`: the validated period, when the report has one. `staged`:
 * the query's rows, which a `PARQUET` location is written from.
 */
export interface ExportToBucketInput {
  request: ReportRequest;
  rendered: RenderedFile;
  staged?: StagedRows;
  index: number;
  period?: Pick<ReportPeriod, 'fromDate' | 'toDate'>;
}

/**
 * @returns where the file went (`gs://…` / `s3://…`, with a presigned URL for S3).
 * @throws ReportError (non-retryable) for an unknown integration, bad bucket path or path_format;
 *   Error on network and server faults (retried).
 */
export function exportToBucketActivity(deps: Pick<ActivityDeps, 'staging' | 'buckets'>) {
  return async function exportToBucket(input: ExportToBucketInput): Promise<DeliveryRecord> {
    const { request, rendered, index } = input;
    const location = request.exportLocations?.[index];
    if (!location || location.variant === 'BIGQUERY') throw new ReportError('EXPORT_LOCATION_INVALID', `The request has no export location ${index}.`);
    const field = `export_location[${index}]`;
    const parquet = location.formatType === 'PARQUET';
    const fileName = deliveredFileName(rendered.fileName, location);
    const { bucket, key } = objectLocation(location, request, fileName, input.period, field);
    const destination = await deps.buckets.get(location.integrationId, location.variant);
    const ctx = Context.current();
    const alive = keepAlive(ctx, 0);
    try {
      let file = { path: deps.staging.pathFromUri(rendered.uri), contentType: rendered.contentType, sizeBytes: rendered.sizeBytes, sha256: rendered.sha256 };
      if (parquet) {
        if (!input.staged) throw new ReportError('EXPORT_LOCATION_INVALID', 'PARQUET needs the staged rows.');
        // Next to the staged rows, so staging cleanup removes it; same rows give the same bytes on a retry.
        const target = `${deps.staging.pathFromUri(input.staged.uri)}.${index}.parquet`;
        const written = await writeParquet(deps.staging.pathFromUri(input.staged.uri), input.staged.columns, target, (rows) => alive.progress(rows));
        file = { path: target, contentType: 'application/vnd.apache.parquet', sizeBytes: written.sizeBytes, sha256: written.sha256 };
      }
      const delivered = await inSpan(`export ${location.variant}`, { 'reportflow.size_bytes': file.sizeBytes }, () => destination.deliver(
        file.path,
        {
          bucket,
          key,
          contentType: file.contentType,
          sizeBytes: file.sizeBytes,
          sha256: file.sha256,
          metadata: { report_id: request.id, tenant: request.tenantId, report_code: request.reportCode, rows: String(rendered.rows) },
        },
        { signal: ctx.cancellationSignal, onProgress: (bytes) => alive.progress(bytes) },
      ));
      ctx.log.info('report exported to bucket', { variant: location.variant, uri: delivered.uri, reused: delivered.reused });
      return {
        variant: location.variant,
        integrationId: location.integrationId,
        uri: delivered.uri,
        ...(delivered.downloadUrl ? { downloadUrl: delivered.downloadUrl } : {}),
        sizeBytes: file.sizeBytes,
        sha256: file.sha256,
      };
    } finally {
      alive.stop();
    }
  };
}
