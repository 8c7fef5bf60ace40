/**
 * What `reportflow generate` turns into request body fields beyond the report itself: export
 * locations (`--export`, `--path-format`, `--format-type`), filters (`--filter`), metadata
 * (`--metadata`) and a start time (`--generate-at`). Pure parsing: the API still validates every value
 * against the report definition and its configuration; this only catches what cannot be meant.
 */
import { UsageError } from './io.js';

/** One `export_location` entry as the API takes it (snake_case, see src/api/report-requests/body-schema.ts). */
export interface ExportLocationBody {
  variant: string;
  integration_id?: string;
  bucket_path?: string;
  path_format?: string;
  format_type?: string;
  dataset_id?: string;
  stream_name?: string;
  [other: string]: unknown;
}

/** A filter value as sent: numbers and booleans typed, everything else a string. */
export type FilterValue = string | number | boolean;

/** `filters` as the API takes it: `{field: {operator: value or values}}`. */
export type FiltersBody = Record<string, Record<string, FilterValue | FilterValue[]>>;

/** What `--help` says about `--export` and `--filter`. */
export const REQUEST_OPTIONS_HELP = `
Export locations (--export, repeatable; the LOCAL copy is always written as well):
  gcs:<integration>:gs://<bucket>[/<prefix>]   a GCS bucket
  s3:<integration>:s3://<bucket>[/<prefix>]    an S3 or S3-compatible bucket
  bigquery:<integration>:<dataset>.<table>     the report's rows into a BigQuery table (or bq:…)
  local                                        the service's own store only
  '{"variant":"S3","integration_id":"…",…}'    one export_location object as JSON (API field names)
  <integration> is an integration id from the service's integrations file. --path-format and
  --format-type apply to every gcs/s3 export that does not set its own (use JSON to differ).
  --path-format tokens: {tenant} {report_code} {request_id} {customer_id} {file_name} {ext} {period_from:FMT}
  {period_to:FMT} {generated_at:FMT} (FMT e.g. YYYY/MM/DD), e.g. '{report_code}/{generated_at:YYYY/MM}/{request_id}.{ext}'.

Filters (--filter, repeatable): <field>.<op>=<value>, op one of eq gt gte lt lte in nin between;
  <field>=<value> means eq. in, nin and between take comma-separated values (between: low,high).
  Numbers are sent as numbers and true/false as booleans; quote a value to keep it a string.

Examples:
  reportflow generate INVOICE_LINES -p from_date=2011-01-01 -p to_date=2011-02-01 -f csv \\
    --export gcs:gcs-main:gs://acme-reports/monthly --format-type PARQUET --path-format '{report_code}/{request_id}.{ext}' \\
    --export bigquery:bq-main:reports.invoice_lines --email finance@example.com \\
    --filter country.in=France,Germany --filter quantity.gte=10 --filter 'stock_code.eq="71053"'
`;

const SHORTHAND_VARIANTS: Record<string, 'GCS' | 'S3' | 'BIGQUERY'> = { gcs: 'GCS', s3: 'S3', bigquery: 'BIGQUERY', bq: 'BIGQUERY' };
const BUCKET_SCHEMES = { GCS: 'gs://', S3: 's3://' } as const;
const FORMAT_TYPES = ['CSV', 'PARQUET', 'ORIGINAL'];
const OPERATORS = ['eq', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'between'];
const LIST_OPERATORS = new Set(['in', 'nin', 'between']);

/**
 * One `--export` value: a shorthand (`gcs:<integration>:gs://bucket/prefix`, `s3:…:s3://…`,
 * `bigquery:<integration>:<dataset>.<table>`, `local`) or a JSON `export_location` object.
 * @throws UsageError naming what is wrong with the value.
 */
export function parseExport(text: string): ExportLocationBody {
  const value = text.trim();
  if (value.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      throw new UsageError(`--export: not valid JSON (${(err as Error).message}): ${value}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof (parsed as { variant?: unknown }).variant !== 'string') {
      throw new UsageError(`--export: a JSON export location must be an object with a "variant": ${value}`);
    }
    return parsed as ExportLocationBody;
  }
  if (value.toLowerCase() === 'local') return { variant: 'LOCAL' };
  const m = /^([A-Za-z0-9]+):([^:]+):(.+)$/.exec(value);
  const variant = m ? SHORTHAND_VARIANTS[m[1]!.toLowerCase()] : undefined;
  if (!m || !variant) {
    throw new UsageError(`--export expects gcs:<integration>:gs://<bucket>[/<prefix>], s3:<integration>:s3://<bucket>[/<prefix>], bigquery:<integration>:<dataset>.<table>, local or a JSON object; got "${value}"`);
  }
  const [integration, target] = [m[2]!, m[3]!];
  // `gcs:gs://bucket`: the scheme was taken for the integration id.
  if (target.startsWith('//')) throw new UsageError(`--export ${value}: the integration id is missing; write ${m[1]}:<integration>:${integration}:${target}`);
  if (variant === 'BIGQUERY') {
    const table = /^([^.]+)\.([^.]+)$/.exec(target);
    if (!table) throw new UsageError(`--export ${m[1]}: expects <dataset>.<table> after the integration, got "${target}"`);
    return { variant, integration_id: integration, dataset_id: table[1]!, stream_name: table[2]! };
  }
  const scheme = BUCKET_SCHEMES[variant];
  if (!target.startsWith(scheme) || target.length === scheme.length) {
    throw new UsageError(`--export ${m[1]}: expects ${scheme}<bucket>[/<prefix>] after the integration, got "${target}"`);
  }
  return { variant, integration_id: integration, bucket_path: target };
}

/**
 * Every `--export`, with `--path-format` / `--format-type` filled into the GCS and S3 ones that do not
 * set their own. @returns undefined when there are none.
 * @throws UsageError for a bad value, an unknown format type, or bucket options without a bucket export.
 */
export function exportLocations(exports: string[], bucket: { pathFormat?: string; formatType?: string }): ExportLocationBody[] | undefined {
  const formatType = bucket.formatType?.toUpperCase();
  if (formatType !== undefined && !FORMAT_TYPES.includes(formatType)) {
    throw new UsageError(`--format-type expects one of ${FORMAT_TYPES.join(', ')}, got "${bucket.formatType}"`);
  }
  const locations = exports.map(parseExport);
  const buckets = locations.filter((l) => l.variant.toUpperCase() === 'GCS' || l.variant.toUpperCase() === 'S3');
  if ((bucket.pathFormat !== undefined || formatType !== undefined) && buckets.length === 0) {
    throw new UsageError('--path-format and --format-type apply to gcs and s3 exports: add one with --export');
  }
  for (const l of buckets) {
    if (bucket.pathFormat !== undefined && l.path_format === undefined) l.path_format = bucket.pathFormat;
    if (formatType !== undefined && l.format_type === undefined) l.format_type = formatType;
  }
  return locations.length ? locations : undefined;
}

/**
 * Every `--filter <field>.<op>=<value>` merged into one `filters` object.
 * @returns undefined when there are none.
 * @throws UsageError for a malformed filter, an unknown operator, a field/operator given twice, or
 *   `between` without exactly two values.
 */
export function parseFilters(texts: string[]): FiltersBody | undefined {
  const filters: FiltersBody = {};
  for (const text of texts) {
    const m = /^([^.=\s]+)(?:\.([A-Za-z]+))?=(.*)$/s.exec(text);
    if (!m) throw new UsageError(`--filter expects <field>.<op>=<value>, e.g. quantity.gte=10; got "${text}"`);
    const [field, operator, raw] = [m[1]!, (m[2] ?? 'eq').toLowerCase(), m[3]!];
    if (!OPERATORS.includes(operator)) throw new UsageError(`--filter ${text}: unknown operator "${operator}"; use one of ${OPERATORS.join(', ')}`);
    const conditions = (filters[field] ??= {});
    if (conditions[operator] !== undefined) throw new UsageError(`--filter ${field}.${operator} is given twice`);
    if (!LIST_OPERATORS.has(operator)) {
      conditions[operator] = filterValue(raw, text);
      continue;
    }
    const values = splitList(raw, text).map((v) => filterValue(v, text));
    if (operator === 'between' && values.length !== 2) throw new UsageError(`--filter ${text}: between takes two values, low,high`);
    conditions[operator] = values;
  }
  return Object.keys(filters).length ? filters : undefined;
}

/** `"…"` → the string inside (JSON rules), `true`/`false` → booleans, a JSON number → a number, else the text. */
function filterValue(raw: string, text: string): FilterValue {
  if (raw.startsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      throw new UsageError(`--filter ${text}: ${raw} is not a well-quoted string`);
    }
  }
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

/** `a,"b,c",d` → `['a', '"b,c"', 'd']`: commas inside double quotes do not split. */
function splitList(raw: string, text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && quoted) {
      current += c + (raw[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  if (parts.some((p) => p === '')) throw new UsageError(`--filter ${text}: empty value in the comma-separated list`);
  return parts;
}

/**
 * Every `--metadata key=value` as one object (values are strings). @returns undefined when there are none.
 * @throws UsageError for a missing key or a key given twice.
 */
export function parseMetadata(texts: string[]): Record<string, string> | undefined {
  const metadata: Record<string, string> = {};
  for (const text of texts) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`--metadata expects key=value, got "${text}"`);
    const key = text.slice(0, eq).trim();
    if (key in metadata) throw new UsageError(`--metadata ${key} is given twice`);
    metadata[key] = text.slice(eq + 1);
  }
  return Object.keys(metadata).length ? metadata : undefined;
}

/**
 * `--generate-at`: an ISO-8601 instant with seconds and an offset (`Z` or `±hh:mm`), sent as given.
 * @throws UsageError for anything else.
 */
export function parseGenerateAt(text: string): string {
  const shape = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
  if (!shape.test(text) || Number.isNaN(Date.parse(text))) {
    throw new UsageError(`--generate-at expects an ISO-8601 instant with an offset, e.g. 2026-03-01T06:00:00+01:00; got "${text}"`);
  }
  return text;
}
