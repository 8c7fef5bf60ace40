/**
 * JSON Schemas of one `export_location` entry: as a request gives it (flat, nested as Solvimon writes it,
 * or both) and as a record shows it (always both). The nested form keeps `variant`, `integration_id` and
 * `stream_name` at the top and puts the variant's own fields in an object named for it:
 * `{variant: 'S3', integration_id, s3: {bucket_path, path_format, format_type}}`,
 * `{variant: 'BIGQUERY', integration_id, stream_name, bigquery: {dataset_id}}` (issue 14).
 * Flat and nested fields that disagree are refused by src/api/export-location-wire.ts, naming the nested field.
 */
import { text } from './text-schema.js';

const bucketFields = {
  bucket_path: text(1024, 6),
  path_format: text(512),
  format_type: { type: 'string', enum: ['ORIGINAL', 'CSV', 'PARQUET'] },
} as const;
// BigQuery identifiers: a dataset and a table name.
const datasetId = { type: 'string', pattern: '^[A-Za-z0-9_]{1,1024}$' } as const;

const bucketObject = { type: 'object', additionalProperties: false, properties: bucketFields } as const;
const bigqueryObject = { type: 'object', additionalProperties: false, required: ['dataset_id'], properties: { dataset_id: datasetId } } as const;

/** For a bucket variant: `bucket_path` flat, or inside the variant's own object (`key`). */
function bucketPathIn(key: 's3' | 'gcs') {
  return { anyOf: [{ required: ['bucket_path'] }, { required: [key], properties: { [key]: { required: ['bucket_path'] } } }] } as const;
}

/**
 * One export location: `LOCAL`, a GCS / S3 bucket or a BigQuery table reached through a configured
 * integration. Each variant takes only the fields it uses; another one (e.g. a `path_format` on LOCAL,
 * whose files are always named `<tenant>/<report_code>/<id>/<file>`, or a `bigquery` object on S3) is
 * refused, never ignored.
 */
export const EXPORT_LOCATION = {
  type: 'object',
  required: ['variant'],
  additionalProperties: false,
  properties: {
    variant: { type: 'string', enum: ['LOCAL', 'GCS', 'S3', 'BIGQUERY'] },
    integration_id: text(64),
    ...bucketFields,
    dataset_id: datasetId,
    stream_name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,1023}$' },
    s3: { ...bucketObject, description: 'S3 only: the bucket fields, nested (as an alternative to the flat ones).' },
    gcs: { ...bucketObject, description: 'GCS only: the bucket fields, nested (as an alternative to the flat ones).' },
    bigquery: { ...bigqueryObject, description: 'BIGQUERY only: `dataset_id`, nested (as an alternative to the flat one).' },
  },
  allOf: [
    {
      if: { required: ['variant'], properties: { variant: { const: 'GCS' } } },
      then: { required: ['integration_id'], properties: { dataset_id: false, stream_name: false, s3: false, bigquery: false }, ...bucketPathIn('gcs') },
    },
    {
      if: { required: ['variant'], properties: { variant: { const: 'S3' } } },
      then: { required: ['integration_id'], properties: { dataset_id: false, stream_name: false, gcs: false, bigquery: false }, ...bucketPathIn('s3') },
    },
    {
      if: { required: ['variant'], properties: { variant: { const: 'BIGQUERY' } } },
      then: {
        required: ['integration_id', 'stream_name'],
        properties: { bucket_path: false, path_format: false, format_type: false, s3: false, gcs: false },
        anyOf: [{ required: ['dataset_id'] }, { required: ['bigquery'] }],
      },
    },
    {
      if: { required: ['variant'], properties: { variant: { const: 'LOCAL' } } },
      then: { properties: { integration_id: false, bucket_path: false, path_format: false, format_type: false, dataset_id: false, stream_name: false, s3: false, gcs: false, bigquery: false } },
    },
  ],
} as const;

/** One export location as records show it: the flat fields and the variant's nested object, both (they agree). */
export const EXPORT_LOCATION_VIEW = {
  type: 'object',
  required: ['variant'],
  properties: {
    variant: { type: 'string', enum: ['LOCAL', 'GCS', 'S3', 'BIGQUERY'] },
    integration_id: { type: 'string' },
    bucket_path: { type: 'string' },
    path_format: { type: 'string' },
    format_type: { type: 'string' },
    dataset_id: { type: 'string' },
    stream_name: { type: 'string' },
    s3: { type: 'object', properties: { bucket_path: { type: 'string' }, path_format: { type: 'string' }, format_type: { type: 'string' } } },
    gcs: { type: 'object', properties: { bucket_path: { type: 'string' }, path_format: { type: 'string' }, format_type: { type: 'string' } } },
    bigquery: { type: 'object', properties: { dataset_id: { type: 'string' } } },
  },
} as const;
