/**
 * The shape of a report run as it travels through the API, the workflow and the activities.
 * Sandbox-safe: plain types only, no I/O. Field names are camelCase here; the HTTP API maps them
 * to and from snake_case.
 */

/**
 * Output formats a report definition may allow. `HTML` is the PDF's source page, handy for previews;
 * `XLSX` is an Excel workbook (Office Open XML) with typed cells; `TXT` is plain text from a text
 * template of the definition (a plain-text invoice, a fixed-width file).
 */
export const OUTPUT_FORMATS = ['PDF', 'HTML', 'CSV', 'XML', 'XLSX', 'TXT'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * `MANUAL`: asked for with `POST /v1/report-generate-requests`. `SCHEDULED`: started by a subscription's
 * schedule for its own time (a `trigger` without a range too: it runs the schedule's action now).
 * `BACKFILL`: a subscription's run for a time a client asked for, with `backfill` or a `trigger` with
 * `{from, to}`.
 */
export const RUN_TYPES = ['MANUAL', 'SCHEDULED', 'BACKFILL'] as const;
export type RunType = (typeof RUN_TYPES)[number];

/**
 * Languages for labels, number and date formatting: English (formatted as `en-GB`), Norwegian Bokmål
 * as `no` or `nb` (the same: `nb-NO`, `no`'s translations), Swedish (`sv-SE`), Danish (`da-DK`) and
 * German (`de-DE`). Requests give them in any case; the API lower-cases them.
 */
export const LANGUAGES = ['en', 'no', 'nb', 'sv', 'da', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

/** A language whose translations are files of their own: every one but `nb`, which reads `no`'s. */
export type TranslationLanguage = Exclude<Language, 'nb'>;

/** Where `language` finds its translations: `nb` → `no`, every other language itself. */
export function translationLanguage(language: Language): TranslationLanguage {
  return language === 'nb' ? 'no' : language;
}

/** One typed parameter as the client sent it; validated against the report definition's JSON Schema. */
export interface ParameterValue {
  name: string;
  value: unknown;
}

/** The LOCAL destination: a directory on the worker's filesystem (always written; the API's download serves it). */
export interface LocalExportLocation {
  variant: 'LOCAL';
}

/**
 * Which file a bucket receives: the rendered file as is (`ORIGINAL`), `CSV` (only for a CSV report), or
 * the report's rows as `PARQUET` (any report format; the file name's extension becomes `.parquet`).
 */
export const BUCKET_FORMAT_TYPES = ['ORIGINAL', 'CSV', 'PARQUET'] as const;
export type BucketFormatType = (typeof BUCKET_FORMAT_TYPES)[number];

/**
 * A GCS or S3 bucket. `bucketPath`: `gs://bucket/prefix` or `s3://bucket/prefix` (prefix optional).
 * `pathFormat`: object name under the prefix, with tokens (see src/domain/path-format.ts); default
 * `DEFAULT_PATH_FORMAT`. `integrationId`: the configured integration holding credentials and endpoint.
 */
export interface BucketExportLocation {
  variant: 'GCS' | 'S3';
  integrationId: string;
  bucketPath: string;
  pathFormat?: string;
  formatType?: BucketFormatType;
}

/**
 * A BigQuery table that receives the report's rows (not the rendered file), each with the run's id in
 * column `_reportflow_request_id`. `datasetId` and `streamName` (the table) are BigQuery identifiers;
 * both are created when missing, the table with a schema from the report definition's columns.
 */
export interface BigQueryExportLocation {
  variant: 'BIGQUERY';
  integrationId: string;
  datasetId: string;
  streamName: string;
}

/** A location delivered besides the LOCAL copy, by its own activity. */
export type ExternalExportLocation = BucketExportLocation | BigQueryExportLocation;

/** Where the finished file goes. Every request has the LOCAL copy; other locations are delivered in addition. */
export type ExportLocation = LocalExportLocation | ExternalExportLocation;

/**
 * Who to tell when the run ends. `webhookUrl`: an http(s) URL that receives a signed JSON POST.
 * `emails`: recipients, each sent its own message.
 */
export interface NotifySettings {
  webhookUrl?: string;
  emails?: string[];
}

/**
 * A request to generate one report: the workflow's input.
 * `id` is also the Temporal workflow id. `timezone` is an IANA name applied to every date printed
 * and to period boundaries. `requestedAt` is an ISO-8601 instant with offset, set by the API.
 */
export interface ReportRequest {
  id: string;
  tenantId: string;
  /**
   * `inline` when the report's definition says `run_mode: inline` and whoever started the run knew it
   * (the API does, from its catalog): the run then validates in a local activity as well, so a small
   * report's whole run is one workflow task. Absent: validation is an activity of its own, its stage
   * visible and cancellable while it runs (a slow data check).
   */
  runMode?: 'inline';
  reportCode: string;
  parameterValues: ParameterValue[];
  /** How the run came about; absent on records from before it was kept (see `runOrigin`). */
  runType?: RunType;
  /** The subscription whose run this is; absent for API requests. */
  reportSubscriptionId?: string;
  /**
   * The saved report configuration this run was made from (`report_configuration_id`) and its version
   * then: a later change of the configuration does not change what an earlier run says it used.
   */
  reportConfigurationId?: string;
  reportConfigurationVersion?: number;
  /**
   * The tenant template this run renders (`template_id`) and its version at request time: a later
   * `PUT` of the template does not change what this run renders. `reportCode` is then `TEMPLATE_<id>`.
   */
  templateId?: string;
  templateVersion?: number;
  format: OutputFormat;
  language: Language;
  timezone: string;
  customerId?: string;
  /** CSV only: the file starts with `#` comment lines naming the report, its period, zone and filters. */
  csvCommentLines?: boolean;
  exportLocation?: LocalExportLocation;
  /** Bucket and BigQuery destinations delivered besides the LOCAL copy, each by its own activity. */
  exportLocations?: ExternalExportLocation[];
  notify?: NotifySettings;
  requestedAt: string;
  /** Free client key/values kept with the request's record and searchable (keys ≤ 64, values ≤ 512 chars). */
  metadata?: Record<string, string>;
  /** ISO-8601 instant (UTC) before which the run does not start (Temporal start delay); unset: at once. */
  generateAt?: string;
  /**
   * An explicit period (set by subscriptions from the run's nominal time). It wins over the
   * definition's period parameters, which are filled from its `fromDate`/`toDate`, and its exact
   * instants bound the query; it also puts the period into the file name.
   */
  period?: ReportPeriod;
  /**
   * Row filters, as the client sent them (unchecked): field name (one the definition declares
   * filterable) → operator → value(s). Fields and the operators of one field are ANDed.
   * Checked and typed by src/catalog/validate-filters.ts into `ValidatedRequest.filters`.
   */
  filters?: ReportFilters;
}

/**
 * Filter operators. `between` is inclusive and takes exactly two values `[low, high]`; `in`/`nin`
 * take a non-empty list; the others one value. `nin` also keeps rows whose field is NULL; every
 * other operator never matches NULL.
 */
export const FILTER_OPERATORS = ['eq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'nin'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** Filters in wire form: field name → operator → value (scalar, `[low, high]` or a list). */
export type ReportFilters = Record<string, Partial<Record<FilterOperator, unknown>>>;

/**
 * A typed, normalised filter value: string; integer (safe JS integer); decimal as a decimal string
 * (e.g. `"2.55"`, exact); date `YYYY-MM-DD`; timestamp as an ISO-8601 instant with offset; boolean.
 */
export type FilterScalar = string | number | boolean;

/** One checked condition on one field: field and operator come from the definition's whitelist. */
export type ValidatedFilter =
  | { field: string; operator: 'eq' | 'gt' | 'gte' | 'lt' | 'lte'; value: FilterScalar }
  | { field: string; operator: 'between'; value: [FilterScalar, FilterScalar] }
  | { field: string; operator: 'in' | 'nin'; value: FilterScalar[] };

/**
 * A half-open report period `[from, to)` as ISO-8601 instants with offset, computed in the request's
 * time zone. `fromDate`/`toDate` are the inclusive calendar dates the client asked for (YYYY-MM-DD).
 */
export interface ReportPeriod {
  from: string;
  to: string;
  fromDate: string;
  toDate: string;
}

/**
 * A request after validation: parameters typed and defaulted, period resolved.
 * `parameters` maps parameter name to its typed value (string, number, boolean or null).
 */
export interface ValidatedRequest {
  request: ReportRequest;
  parameters: Record<string, string | number | boolean | null>;
  period?: ReportPeriod;
  /** The request's filters, checked and typed, in definition order; absent when none were given. */
  filters?: ValidatedFilter[];
  /** `inline` when the report's definition runs its stages as local activities (see `run_mode` of report.json); else staged. */
  runMode?: 'inline';
}
