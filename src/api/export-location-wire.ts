/**
 * `export_location` entries on the wire and in the domain. A request may give a location's fields flat
 * (`bucket_path`), nested in an object named for its variant as Solvimon writes them (`s3.bucket_path`,
 * `gcs.…`, `bigquery.dataset_id`), or both when they agree; all become the one domain shape here, at the
 * API's edge, so the workflow and the destinations know one form. Records show both forms (see
 * `exportLocationToBody`), so a location read back can be sent again as it is.
 */
import { ReportError } from '../domain/errors.js';
import type { BucketFormatType, ExternalExportLocation } from '../domain/report-request.js';

/** The bucket fields, flat or in a variant's object. */
export interface BucketFieldsBody {
  bucket_path?: string;
  path_format?: string;
  format_type?: BucketFormatType;
}

/** One `export_location` entry as sent, after schema validation (see `EXPORT_LOCATION`). */
export interface ExportLocationBody extends BucketFieldsBody {
  variant: 'LOCAL' | 'GCS' | 'S3' | 'BIGQUERY';
  integration_id?: string;
  dataset_id?: string;
  stream_name?: string;
  s3?: BucketFieldsBody;
  gcs?: BucketFieldsBody;
  bigquery?: { dataset_id?: string };
}

/** The object key of a variant's nested fields. */
function nestedKey(variant: 'GCS' | 'S3' | 'BIGQUERY'): 's3' | 'gcs' | 'bigquery' {
  return variant === 'S3' ? 's3' : variant === 'GCS' ? 'gcs' : 'bigquery';
}

/**
 * True when `body` gives some of its fields nested: errors about them then name the nested field.
 * Schema validation has already refused a nested object of another variant.
 */
export function isNested(body: ExportLocationBody): boolean {
  return body.variant !== 'LOCAL' && body[nestedKey(body.variant)] !== undefined;
}

/**
 * `flat` and `nested` as one value.
 * @throws ReportError('EXPORT_LOCATION_INVALID') on `<field>.<key>.<name>` when both are given and differ.
 */
function agreed<T>(flat: T | undefined, nested: T | undefined, field: string, key: string, name: string): T | undefined {
  if (flat !== undefined && nested !== undefined && flat !== nested) {
    throw new ReportError('EXPORT_LOCATION_INVALID', `${field}.${key}.${name} and ${field}.${name} disagree; give one, or the same value in both.`, [
      { field: `${field}.${key}.${name}`, code: 'EXPORT_LOCATION_INVALID', message: `disagrees with ${field}.${name}` },
    ]);
  }
  return flat ?? nested;
}

/**
 * The domain location of a non-LOCAL entry, flat and nested fields merged.
 * @param field the entry's field path for errors, e.g. `export_location[1]`.
 * @throws ReportError('EXPORT_LOCATION_INVALID') when a flat field and its nested twin disagree.
 */
export function toExternalLocation(body: ExportLocationBody, field: string): ExternalExportLocation {
  if (body.variant === 'BIGQUERY') {
    const datasetId = agreed(body.dataset_id, body.bigquery?.dataset_id, field, 'bigquery', 'dataset_id');
    return { variant: 'BIGQUERY', integrationId: body.integration_id ?? '', datasetId: datasetId ?? '', streamName: body.stream_name ?? '' };
  }
  const variant = body.variant as 'GCS' | 'S3';
  const key = nestedKey(variant);
  const nested = body[key as 's3' | 'gcs'] ?? {};
  const pathFormat = agreed(body.path_format, nested.path_format, field, key, 'path_format');
  const formatType = agreed(body.format_type, nested.format_type, field, key, 'format_type');
  return {
    variant,
    integrationId: body.integration_id ?? '',
    bucketPath: agreed(body.bucket_path, nested.bucket_path, field, key, 'bucket_path') ?? '',
    ...(pathFormat !== undefined ? { pathFormat } : {}),
    ...(formatType !== undefined ? { formatType } : {}),
  };
}

/**
 * A delivered location back in the body's shape, flat and nested both (the inverse of
 * `toExternalLocation`, for any client); credentials stay in the integration it names.
 */
export function exportLocationToBody(location: ExternalExportLocation): ExportLocationBody {
  if (location.variant === 'BIGQUERY') {
    return {
      variant: 'BIGQUERY', integration_id: location.integrationId, dataset_id: location.datasetId, stream_name: location.streamName,
      bigquery: { dataset_id: location.datasetId },
    };
  }
  const fields: BucketFieldsBody = {
    bucket_path: location.bucketPath,
    ...(location.pathFormat !== undefined ? { path_format: location.pathFormat } : {}),
    ...(location.formatType !== undefined ? { format_type: location.formatType } : {}),
  };
  return { variant: location.variant, integration_id: location.integrationId, ...fields, [nestedKey(location.variant)]: { ...fields } };
}
