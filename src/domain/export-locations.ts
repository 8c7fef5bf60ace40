/**
 * Rules for bucket export locations, shared by the API (400 at request time) and the export activity
 * (non-retryable failure). Sandbox-safe.
 */
import { ReportError } from './errors.js';
import { DEFAULT_PATH_FORMAT, renderPathFormat, type PathValues } from './path-format.js';
import type { BucketExportLocation, ReportRequest, ReportPeriod } from './report-request.js';

/** `gs://bucket/prefix/` → `{ bucket, prefix: 'prefix' }` (prefix without slashes at either end, may be empty); undefined when malformed. */
export function parseBucketPath(bucketPath: string, scheme: 'gs' | 's3'): { bucket: string; prefix: string } | undefined {
  const m = new RegExp(`^${scheme}://([a-z0-9][a-z0-9._-]{1,221}[a-z0-9])(/.*)?$`).exec(bucketPath);
  if (!m) return undefined;
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((s) => s === '..' || s === '.') || prefix.includes('//')) return undefined;
  return { bucket: m[1]!, prefix };
}

/**
 * The bucket and object name `location` gives for this run's file.
 * @param field the location's field path for errors, e.g. `export_location[1]`.
 * @param period the validated period, when the report has one (for `{period_from}` / `{period_to}`).
 * @throws ReportError('EXPORT_LOCATION_INVALID') on a malformed bucket path or a `format_type` the
 *   request's format cannot be delivered as; ReportError('PATH_FORMAT_INVALID') when `path_format`
 *   is bad or yields an absolute path, `..` or an empty segment.
 */
export function objectLocation(
  location: BucketExportLocation,
  request: ReportRequest,
  fileName: string,
  period: Pick<ReportPeriod, 'fromDate' | 'toDate'> | undefined,
  field = 'export_location',
): { bucket: string; key: string } {
  const scheme = location.variant === 'GCS' ? 'gs' : 's3';
  const parsed = parseBucketPath(location.bucketPath, scheme);
  if (!parsed) {
    throw new ReportError('EXPORT_LOCATION_INVALID', `bucket_path must look like ${scheme}://bucket/prefix.`, [
      { field: `${field}.bucket_path`, code: 'EXPORT_LOCATION_INVALID', message: `must be ${scheme}://<bucket>[/<prefix>] without . or .. segments` },
    ]);
  }
  if (location.formatType === 'CSV' && request.format !== 'CSV') {
    throw new ReportError('EXPORT_LOCATION_INVALID', `format_type CSV needs a CSV report, not ${request.format}.`, [
      { field: `${field}.format_type`, code: 'EXPORT_LOCATION_INVALID', message: 'CSV is only offered for format CSV; use ORIGINAL' },
    ]);
  }
  const values: PathValues = {
    tenant: request.tenantId,
    reportCode: request.reportCode,
    requestId: request.id,
    ...(request.customerId !== undefined ? { customerId: request.customerId } : {}),
    fileName,
    ...(period ? { periodFrom: period.fromDate, periodTo: period.toDate } : {}),
    generatedAt: request.requestedAt,
    timezone: request.timezone,
  };
  let name: string;
  try {
    name = renderPathFormat(location.pathFormat ?? DEFAULT_PATH_FORMAT, values);
  } catch (err) {
    throw new ReportError('PATH_FORMAT_INVALID', `${(err as Error).message}.`, [
      { field: `${field}.path_format`, code: 'PATH_FORMAT_INVALID', message: (err as Error).message },
    ]);
  }
  return { bucket: parsed.bucket, key: parsed.prefix ? `${parsed.prefix}/${name}` : name };
}

/**
 * Checks every bucket location of `request` before a run starts, with stand-ins for what is known
 * only later (the file name `<REPORT_CODE>.<ext>`, period days `2000-01-01`).
 * @throws ReportError as `objectLocation` does, naming the location's index in `field`.
 */
export function checkExportLocations(request: ReportRequest, fieldOf: (index: number) => string): void {
  (request.exportLocations ?? []).forEach((location, i) => {
    if (location.variant === 'BIGQUERY') return;
    const ext = location.formatType === 'PARQUET' ? 'parquet' : request.format.toLowerCase();
    objectLocation(location, request, `${request.reportCode}.${ext}`, { fromDate: '2000-01-01', toDate: '2000-01-31' }, fieldOf(i));
  });
}
