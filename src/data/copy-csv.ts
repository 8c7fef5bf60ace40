/**
 * A report query's CSV made by PostgreSQL itself: `COPY (…) TO STDOUT (FORMAT csv)`, each column
 * formatted in SQL as reportflow's CSV renderer prints it (src/render/cell-text.ts), so no row passes
 * through JavaScript objects. Timestamps alone are finished in the worker (src/render/copied-csv-bytes.ts):
 * printing them in the request's zone in SQL cost more than the rest of the copy. Issue 11 measured the staged path (cursor → NDJSON → csv-stringify) at
 * 8 × the time of PostgreSQL's own COPY for the 541,909-line INVOICE_LINES export.
 *
 * Parameters stay bound. COPY takes no bind parameters (PostgreSQL answers "bind message supplies 1
 * parameters, but prepared statement "" requires 0"), so the values travel as bound parameters of
 * `set_config`, settings local to the transaction (`parameterSettings`), and each `$n` of the query
 * becomes a read of its setting cast to the type PostgreSQL itself inferred for `$n` (a `PREPARE` of
 * the same text, read back from `pg_prepared_statements`); see `settingParameters`. No value reaches
 * the SQL text.
 *
 * A scalar is read with `current_setting('reportflow.p<n>')`, a stable call the planner evaluates when
 * it estimates, so it plans for the real values as it does for the bound query. The first version
 * read every value from one JSON array in a scalar subquery (an InitPlan, computed once but opaque to
 * the planner): the full INVOICE_LINES export then planned for ~1 row and sorted its 541,909 rows with
 * an external merge (56 MB to disk) instead of an incremental sort on the date index; its COPY took
 * 790–860 ms against 649 ms this way (psql `\timing`, `TO '/dev/null'`, bench database). A NULL is
 * written `NULL::<type>` (no value in it), so `$n IS NULL OR …` conditions fold away at planning.
 * An array (a filter's `in` list) is still read from the JSON array in a scalar subquery.
 *
 * Which queries: those whose output columns have exactly the types the staged path accepts without
 * conversion (see `COPY_TYPES`), named as the definition's columns. Anything else — an expanded column,
 * a float, a timestamp without time zone — takes the staged path, which converts or refuses it.
 *
 * Bytes: the same as the staged path's CSV (once src/render/copied-csv-bytes.ts has made the record
 * ends CRLF and printed the timestamps), except that PostgreSQL quotes a field that is exactly `\.`
 * (`"\."`, which CSV readers read as the same text). Empty strings are printed as the staged path prints them, unquoted (PostgreSQL would write `""`).
 */
import type { ColumnSpec } from '../domain/artifacts.js';
import { replacePositionalParameters } from './sql-binding.js';
import { asSubquery, orderByItems, SAFE_IDENTIFIER } from './sql-subquery.js';

/** The type of one report column, as report definitions declare it. */
type CopyColumnType = ColumnSpec['type'];

/** What the CSV is made of: the report's columns in order, and its order. */
export interface CsvCopyShape {
  /** Output columns of the query to print, in this order. */
  columns: readonly ColumnSpec[];
  /** The definition's `order_by` (output column names, each optionally ` asc`/` desc`), applied again outside. */
  orderBy?: readonly string[];
}

/**
 * PostgreSQL type OIDs (pg_type) whose text the staged path prints unchanged, per declared type:
 * integer ← int2/int4/int8; decimal ← numeric and the integers; string ← text, varchar, bpchar;
 * boolean ← bool; date ← date; timestamp ← timestamptz.
 */
export const COPY_TYPES: Readonly<Record<CopyColumnType, ReadonlySet<number>>> = {
  integer: new Set([21, 23, 20]),
  decimal: new Set([1700, 21, 23, 20]),
  string: new Set([25, 1043, 1042]),
  boolean: new Set([16]),
  date: new Set([1082]),
  timestamp: new Set([1184]),
};

/** Name of the transaction-local setting holding the parameters as a JSON array (arrays are read from it). */
export const PARAMETERS_SETTING = 'reportflow.copy_parameters';

/** Name of the transaction-local setting holding scalar parameter `$n` as text. */
export function parameterSetting(n: number): string {
  return `reportflow.p${n}`;
}

/**
 * `query.text` with each `$n` read from its setting (see the file's comment), cast to
 * `parameterTypes[n-1]` (as `pg_prepared_statements.parameter_types` names them, e.g. `integer`,
 * `text[]`): `(current_setting('reportflow.p<n>')::<type>)` for a scalar, `(NULL::<type>)` for a
 * NULL (`values[n-1]` null or undefined), a scalar subquery over the JSON array of all values for an array.
 * @throws Error when `$n` has no type (the caller's PREPARE did not see it).
 */
export function settingParameters(text: string, parameterTypes: readonly string[], values: readonly unknown[]): string {
  const all = `current_setting('${PARAMETERS_SETTING}')::jsonb`;
  return replacePositionalParameters(text, (n) => {
    const type = parameterTypes[n - 1];
    if (!type) throw new Error(`parameter $${n} has no type`);
    const value = values[n - 1];
    if (value === null || value === undefined) return `(NULL::${type})`;
    // An array parameter (a filter's `in` list) is a JSON array.
    if (type.endsWith('[]')) {
      return `(SELECT CASE WHEN jsonb_typeof(${all} -> ${n - 1}) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(${all} -> ${n - 1}))::${type} END)`;
    }
    return `(current_setting('${parameterSetting(n)}')::${type})`;
  });
}

/** The JSON text bound to the parameters setting: the values as node-postgres would send them, by JSON. */
export function parametersJson(values: readonly unknown[]): string {
  return JSON.stringify(values.map((v) => (v === undefined ? null : v)));
}

/**
 * The settings to make before the COPY: the JSON array of all values, and each non-NULL scalar's
 * text, as `->>` would give it from that array (a string as it is, anything else as its JSON text, so
 * a Date is its ISO string). Names are made here; values go to `set_config` as bound parameters.
 */
export function parameterSettings(values: readonly unknown[]): { name: string; value: string }[] {
  const settings = [{ name: PARAMETERS_SETTING, value: parametersJson(values) }];
  values.forEach((v, i) => {
    if (v === null || v === undefined || Array.isArray(v)) return;
    const json: unknown = JSON.parse(JSON.stringify(v));
    settings.push({ name: parameterSetting(i + 1), value: typeof json === 'string' ? json : JSON.stringify(json) });
  });
  return settings;
}

/**
 * Why the query's output (`fields`, as a `LIMIT 0` run describes it) cannot be copied as `shape`, or
 * undefined when it can.
 */
export function copyRefusal(shape: CsvCopyShape, fields: readonly { name: string; dataTypeID: number }[]): string | undefined {
  const types = new Map(fields.map((f) => [f.name, f.dataTypeID]));
  for (const column of shape.columns) {
    if (!SAFE_IDENTIFIER.test(column.name)) return `column name ${JSON.stringify(column.name)} is not a plain identifier`;
    const oid = types.get(column.name);
    if (oid === undefined) return `the query has no column ${column.name}`;
    if (!COPY_TYPES[column.type].has(oid)) return `column ${column.name} (${column.type}) has PostgreSQL type ${oid}`;
  }
  for (const item of shape.orderBy ?? []) {
    if (!SAFE_IDENTIFIER.test(item.split(' ')[0] ?? '')) return `order_by ${JSON.stringify(item)} is not a plain identifier`;
  }
  return undefined;
}

/**
 * The COPY statement for `query` (its parameters already read from the setting, see
 * `settingParameters`), printing `shape.columns` formatted (no header: the caller writes it).
 */
export function copyCsvStatement(queryText: string, shape: CsvCopyShape): string {
  const select = shape.columns.map((c) => `${cellSql(`q."${c.name}"`, c.type)} AS "${c.name}"`);
  const order = orderByItems(shape.orderBy ?? [], (name) => `q."${name}"`);
  return `COPY (SELECT ${select.join(', ')}\nFROM ${asSubquery(queryText, 'q')}${order.length ? `\nORDER BY ${order.join(', ')}` : ''}) TO STDOUT (FORMAT csv)`;
}

/**
 * SQL printing `value` (of a column of `type`) as the staged path's CSV cell text, timestamps as UTC
 * wall time for the worker to finish; NULL stays NULL.
 */
function cellSql(value: string, type: CopyColumnType): string {
  switch (type) {
    case 'string':
      // PostgreSQL quotes an empty string to tell it from NULL; the staged path prints both empty.
      return `NULLIF(${value}::text, '')`;
    case 'integer':
    case 'decimal':
    case 'boolean':
      // boolean::text is 'true'/'false' (its output form would be 't'/'f').
      return `${value}::text`;
    case 'date':
      return `to_char(${value}, 'YYYY-MM-DD')`;
    case 'timestamp':
      // UTC wall time, its cheapest text (ISO DateStyle, checked before the copy); the worker prints it in
      // the request's zone (src/render/copied-csv-bytes.ts).
      return `(${value} AT TIME ZONE 'UTC')`;
  }
}
