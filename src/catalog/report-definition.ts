/**
 * A report definition: one folder under templates/ holding `report.json`, its SQL and its templates.
 * The JSON shape is checked against `REPORT_DEFINITION_SCHEMA` when the catalog loads.
 */
import type { ColumnSpec } from '../domain/artifacts.js';
import { FILTER_OPERATORS, LANGUAGES, OUTPUT_FORMATS, translationLanguage, type FilterOperator, type Language, type OutputFormat } from '../domain/report-request.js';
import type { ErrorCode } from '../domain/errors.js';
import { COLUMN_EXPANSIONS, type DefinitionColumn } from './column-expansions.js';

/**
 * A data check run at validation time (API and validate activity): a parameterised SQL query that
 * must return at least one row, else the request fails with `error_code` on `parameter`.
 */
export interface DataCheck {
  /** SQL file, relative to the definition's folder, using `:name` parameters. */
  query: string;
  error_code: ErrorCode;
  parameter: string;
  /** Safe message for the client; `{value}` is replaced by the parameter's value. */
  message: string;
}

/**
 * Per-format settings. `template`: a Handlebars file (PDF/HTML). XML: element names. XLSX:
 * `money_columns` are `decimal` columns shown with the number format of `currency` (an ISO 4217 code,
 * e.g. `GBP` → `"£"#,##0.00`); both or neither (checked when the catalog loads).
 */
export interface FormatSpec {
  template?: string;
  xml_root?: string;
  xml_row?: string;
  money_columns?: string[];
  currency?: string;
}

/**
 * A filterable field, keyed in `filters` by the name of one of the definition's `columns`.
 * `type` must be that column's type; `operators` narrows the type's operators (default: all of them,
 * see `OPERATORS_BY_TYPE` in src/data/filter-sql.ts).
 */
export interface FilterDeclaration {
  type: ColumnSpec['type'];
  operators?: FilterOperator[];
}

/** `report.json` as written on disk (snake_case, as in the API). */
export interface ReportDefinitionFile {
  code: string;
  /** Title per language: `en` and `no` always, others optional (see `titleIn`). */
  title: { en: string; no: string } & Partial<Record<Language, string>>;
  description: string;
  /** JSON Schema (draft 2020-12 subset) of the parameters object: types, required, defaults. */
  parameters: {
    type: 'object';
    properties: Record<string, Record<string, unknown>>;
    required?: string[];
    additionalProperties: false;
  };
  /** Names of the two `format: date` parameters that bound the period, when the report has one. */
  period?: { from_parameter: string; to_parameter: string };
  /** The report's data query, relative to the definition folder. */
  query: string;
  checks?: DataCheck[];
  /** The rows' columns; one with `expand` stands for columns made per request (src/catalog/column-expansions.ts). */
  columns: DefinitionColumn[];
  /** Fields a request may filter on (see src/catalog/validate-filters.ts), by column name. */
  filters?: Record<string, FilterDeclaration>;
  /**
   * The query's ORDER BY as output column names, each optionally followed by ` asc` or ` desc`, e.g.
   * `["invoice_date", "line_no"]`. Required with `filters`: a filtered query re-applies it (src/data/filter-sql.ts).
   */
  order_by?: string[];
  formats: Partial<Record<OutputFormat, FormatSpec>>;
  /** Free values handed to templates as `constants` (e.g. the seller's address). */
  constants?: Record<string, unknown>;
  /**
   * How a run's stages execute. `staged` (default): each stage (query, render, export) is its own
   * activity, heartbeating, retried alone, its stage visible while it runs. `inline`: for reports known
   * to be small (one invoice: tens of rows), the stages run as local activities inside one workflow
   * task, with no server round trip between them (the whole sequence is retried if a worker dies; the
   * stage is recorded when the run ends, not shown while it runs).
   */
  run_mode?: 'staged' | 'inline';
  /** How one bulk request makes one document of this report per key (`POST /v1/report-bulk-requests`). */
  bulk?: BulkSpec;
  /**
   * Offers this definition's query to tenant templates as the dataset of this name (src/templates):
   * its parameters, period, columns, filters and order are the dataset's; tenants write the layout,
   * never SQL. Absent: the query serves this report only.
   */
  dataset?: string;
}

/**
 * A report's bulk run: a keys query lists the keys (e.g. every invoice number of a period), and each
 * key becomes one document, a run of the report with `key_parameter` set to it.
 */
export interface BulkSpec {
  /** The report parameter each key fills, e.g. `invoice_id`; the report must have no other required parameter. */
  key_parameter: string;
  /** SQL file, relative to the definition folder, returning one column `key`, using `:name` parameters of `parameters` and `:period_from`/`:period_to`. */
  keys_query: string;
  /** JSON Schema of the keys query's parameters, as `parameters` of the report. */
  parameters: ReportDefinitionFile['parameters'];
  /** The two `format: date` parameters of `parameters` that bound the period (half-open instants in the request's zone). */
  period?: { from_parameter: string; to_parameter: string };
}

/** A loaded report definition: the file plus its SQL text and absolute folder. */
export interface ReportDefinition extends ReportDefinitionFile {
  dir: string;
  querySql: string;
  checkSql: string[];
  /** The bulk keys query's SQL, when the report has `bulk`. */
  bulkKeysSql?: string;
  /**
   * Set on the definition of a tenant template's run (src/templates/template-definition.ts): the
   * version rendered and its Handlebars body, which the renderers use instead of files.
   */
  tenantTemplate?: { id: string; version: number; format: OutputFormat; body: string };
}

/** A parameters object's JSON Schema, as report.json writes it (the report's, and its bulk keys query's). */
const PARAMETERS_SCHEMA = {
  type: 'object',
  required: ['type', 'properties', 'additionalProperties'],
  properties: { type: { const: 'object' }, properties: { type: 'object' }, required: { type: 'array', items: { type: 'string' } }, additionalProperties: { const: false } },
} as const;

/** The two period parameters' names. */
const PERIOD_SCHEMA = { type: 'object', required: ['from_parameter', 'to_parameter'], additionalProperties: false, properties: { from_parameter: { type: 'string' }, to_parameter: { type: 'string' } } } as const;

/** JSON Schema that every `report.json` must satisfy. */
export const REPORT_DEFINITION_SCHEMA = {
  type: 'object',
  required: ['code', 'title', 'description', 'parameters', 'query', 'columns', 'formats'],
  additionalProperties: false,
  properties: {
    code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{1,63}$' },
    // `en` and `no` are required; a language without its own title (or `nb`, read as `no`) shows `en`'s.
    title: { type: 'object', required: ['en', 'no'], additionalProperties: false, properties: Object.fromEntries(LANGUAGES.map((l) => [l, { type: 'string' }])) },
    description: { type: 'string' },
    parameters: PARAMETERS_SCHEMA,
    period: PERIOD_SCHEMA,
    query: { type: 'string' },
    checks: {
      type: 'array',
      items: { type: 'object', required: ['query', 'error_code', 'parameter', 'message'], additionalProperties: false, properties: { query: { type: 'string' }, error_code: { type: 'string' }, parameter: { type: 'string' }, message: { type: 'string' } } },
    },
    columns: {
      type: 'array', minItems: 1,
      items: { type: 'object', required: ['name', 'type'], additionalProperties: false, properties: { name: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' }, type: { enum: ['string', 'integer', 'decimal', 'boolean', 'date', 'timestamp'] }, expand: { enum: Object.keys(COLUMN_EXPANSIONS) } } },
    },
    filters: {
      type: 'object',
      propertyNames: { pattern: '^[a-z][a-z0-9_]*$' },
      additionalProperties: {
        type: 'object', required: ['type'], additionalProperties: false,
        properties: {
          type: { enum: ['string', 'integer', 'decimal', 'boolean', 'date', 'timestamp'] },
          operators: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: FILTER_OPERATORS } },
        },
      },
    },
    order_by: { type: 'array', items: { type: 'string', pattern: '^[a-z][a-z0-9_]*( (asc|desc))?$' } },
    bulk: {
      type: 'object', required: ['key_parameter', 'keys_query', 'parameters'], additionalProperties: false,
      properties: {
        key_parameter: { type: 'string' },
        keys_query: { type: 'string' },
        parameters: PARAMETERS_SCHEMA,
        period: PERIOD_SCHEMA,
      },
    },
    formats: {
      type: 'object', minProperties: 1, additionalProperties: false,
      properties: Object.fromEntries(OUTPUT_FORMATS.map((f) => [f, {
        type: 'object', additionalProperties: false,
        properties: {
          template: { type: 'string' }, xml_root: { type: 'string' }, xml_row: { type: 'string' },
          money_columns: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string' } },
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
        },
        dependencies: { money_columns: ['currency'], currency: ['money_columns'] },
      }])),
    },
    constants: { type: 'object' },
    run_mode: { enum: ['staged', 'inline'] },
    dataset: { type: 'string', pattern: '^[a-z][a-z0-9_]{1,63}$' },
  },
} as const;

/** The title of `def` in `language`: its own, else its translation language's (`nb` → `no`), else `en`'s. */
export function titleIn(def: Pick<ReportDefinitionFile, 'title'>, language: Language): string {
  return def.title[language] ?? def.title[translationLanguage(language)] ?? def.title.en;
}
