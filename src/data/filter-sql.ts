/**
 * Report filters as SQL. The definition's query (already bound, `$1..$k`) is wrapped:
 *
 * ```sql
 * SELECT * FROM (
 *   <the definition's query>
 * ) AS report
 * WHERE report."quantity" >= $k+1::bigint AND report."country" = ANY($k+2::text[])
 * ORDER BY report."invoice_date", report."line_no"
 * ```
 *
 * Why a wrapper: conditions apply to the report's output columns (e.g. `line_total`, a computed
 * `quantity * unit_price`, or a grouped `month`), which the query's own WHERE cannot name; PostgreSQL
 * pushes such outer conditions down into the subquery where it can (indexes still serve them).
 *
 * Why the outer ORDER BY: SQL does not promise that a subquery's ORDER BY survives an outer query
 * (the planner may flatten the subquery or pick another plan), so the order is applied again from the
 * definition's `order_by`, which must name the same output columns as the query's ORDER BY. Sorting the
 * same output columns with the same collation gives the same order; ties stay as unordered as the
 * report's own order leaves them (the shipped definitions order by a unique key).
 *
 * Safety: identifiers are the definition's column names (checked `^[a-z][a-z0-9_]*$`, quoted) and the
 * SQL of each operator comes from a fixed table; every value is a bound parameter with an explicit cast
 * (`::numeric` for decimals, so nothing goes through a float; `::timestamptz` so timestamps compare as
 * instants; `::date` for dates). `in`/`nin` bind one array parameter each. A request's text never
 * reaches the SQL text.
 */
import type { ColumnSpec } from '../domain/artifacts.js';
import { ReportError } from '../domain/errors.js';
import { FILTER_OPERATORS, type FilterOperator, type ValidatedFilter } from '../domain/report-request.js';
import type { BoundQuery } from './sql-binding.js';
import { asSubquery, orderByItems, SAFE_IDENTIFIER } from './sql-subquery.js';

/** A filterable field's type: the type of the column it filters. */
export type FilterType = ColumnSpec['type'];

/**
 * Operators each type takes. Booleans have no order, so only equality. Strings order by Unicode code
 * point (`COLLATE "C"`), the same on every server whatever its default collation.
 */
export const OPERATORS_BY_TYPE: Readonly<Record<FilterType, readonly FilterOperator[]>> = {
  string: FILTER_OPERATORS,
  integer: FILTER_OPERATORS,
  decimal: FILTER_OPERATORS,
  date: FILTER_OPERATORS,
  timestamp: FILTER_OPERATORS,
  boolean: ['eq', 'in', 'nin'],
};

/** The PostgreSQL type each filter type's values are bound as. */
const SQL_TYPE: Readonly<Record<FilterType, string>> = {
  string: 'text',
  integer: 'bigint',
  decimal: 'numeric',
  date: 'date',
  timestamp: 'timestamptz',
  boolean: 'boolean',
};

const COMPARISON_SQL = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** The parts of a report definition the SQL needs (a `ReportDefinition` fits). */
export interface FilterableQuery {
  readonly code: string;
  /** Filterable fields: output column name → its type and, optionally, a narrower operator list. */
  readonly filters?: Readonly<Record<string, { readonly type: FilterType; readonly operators?: readonly FilterOperator[] }>>;
  /** The query's ORDER BY as output column names, each optionally followed by ` asc` or ` desc`. */
  readonly order_by?: readonly string[];
}

/**
 * Adds `filters` to the bound query `base` (see the file comment for the SQL shape). Without filters
 * (`undefined` or empty) `base` is returned unchanged, so unfiltered reports run their query as is.
 * @param base the definition's query with its parameters bound (`$1..$k`); new parameters follow on.
 * @returns SQL text and values, `base.values` first.
 * @throws ReportError('FILTER_INVALID') naming `filters.<field>.<operator>` when a filter names a field
 *   or operator the definition does not allow or has the wrong number of values: the validator refuses
 *   these first, so this happens only when the catalog changed between validation and query.
 * @throws Error when the definition declares filters without `order_by`, or an unsafe column name
 *   (the catalog refuses both at load).
 */
export function applyFilters(def: FilterableQuery, base: BoundQuery, filters: readonly ValidatedFilter[] | undefined): BoundQuery {
  if (!filters || filters.length === 0) return base;
  if (!def.order_by) throw new Error(`report ${def.code}: filters need the definition's order_by`);
  const values = [...base.values];
  const bind = (value: unknown, sqlType: string) => {
    values.push(value);
    return `$${values.length}::${sqlType}`;
  };
  const conditions = filters.map((filter) => condition(def, filter, bind));
  const order = orderByItems(def.order_by, (name) => quotedColumn(def, name));
  const text = `SELECT * FROM ${asSubquery(base.text, 'report')}\nWHERE ${conditions.join('\n  AND ')}${order.length ? `\nORDER BY ${order.join(', ')}` : ''}`;
  return { text, values };
}

function condition(def: FilterableQuery, filter: ValidatedFilter, bind: (value: unknown, sqlType: string) => string): string {
  const path = `filters.${filter.field}.${filter.operator}`;
  const refuse = (message: string): never => {
    throw new ReportError('FILTER_INVALID', `${path}: ${message}`, [{ field: path, code: 'FILTER_INVALID', message }]);
  };
  const declared = def.filters && Object.prototype.hasOwnProperty.call(def.filters, filter.field) ? def.filters[filter.field] : undefined;
  if (!declared) return refuse('Not a filterable field of this report.');
  const allowed = declared.operators ?? OPERATORS_BY_TYPE[declared.type];
  if (!(allowed as readonly string[]).includes(filter.operator)) return refuse('Operator not available for this field.');
  const column = quotedColumn(def, filter.field);
  const sqlType = SQL_TYPE[declared.type];
  // Range comparisons of text follow the collation; "C" makes them code-point order everywhere.
  const ordered = declared.type === 'string' ? `${column} COLLATE "C"` : column;
  switch (filter.operator) {
    case 'eq':
      return `${column} = ${bind(filter.value, sqlType)}`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return `${ordered} ${COMPARISON_SQL[filter.operator]} ${bind(filter.value, sqlType)}`;
    case 'between':
      if (!Array.isArray(filter.value) || filter.value.length !== 2) return refuse('Must be exactly two values [low, high].');
      return `${ordered} BETWEEN ${bind(filter.value[0], sqlType)} AND ${bind(filter.value[1], sqlType)}`;
    case 'in':
      if (!Array.isArray(filter.value) || filter.value.length === 0) return refuse('Must be a non-empty list.');
      return `${column} = ANY(${bind(filter.value, `${sqlType}[]`)})`;
    case 'nin':
      if (!Array.isArray(filter.value) || filter.value.length === 0) return refuse('Must be a non-empty list.');
      // IS NOT TRUE keeps rows whose field is NULL (NOT IN would drop them: NULL = ANY(...) is NULL).
      return `(${column} = ANY(${bind(filter.value, `${sqlType}[]`)})) IS NOT TRUE`;
    default:
      return refuse('Unknown operator.');
  }
}

/** `report."name"` for a definition's column name. */
function quotedColumn(def: FilterableQuery, name: string): string {
  if (!SAFE_IDENTIFIER.test(name)) throw new Error(`report ${def.code}: unsafe column name in filters or order_by`);
  return `report."${name}"`;
}
