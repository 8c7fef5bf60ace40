/**
 * Columns whose number and names depend on a request's parameters. A definition marks such a column
 * with `"expand": "<name>"`; its query returns that column as a `text[]` (exact decimals; `numeric[]`
 * would arrive as floats), one element per expanded column, in order. The expansions are a typed
 * registry, so report.json can only name one that exists (the definition schema lists the keys).
 */
import { agingBuckets, parseAgingIntervals } from '../domain/aging-buckets.js';
import type { ColumnSpec } from '../domain/artifacts.js';

/** Validated parameters, as `ValidatedRequest.parameters` holds them. */
type Parameters = Readonly<Record<string, string | number | boolean | null>>;

/**
 * Each expansion: the column names it makes for a request's parameters (the expanded column's type
 * applies to all of them).
 * @throws RangeError when the parameters cannot make columns (validation refuses such requests first).
 */
export const COLUMN_EXPANSIONS = {
  /** AR_AGING's buckets of days overdue from the `intervals` parameter (src/domain/aging-buckets.ts). */
  aging_buckets: (parameters: Parameters): string[] => agingBuckets(parseAgingIntervals(String(parameters.intervals ?? ''))).map((b) => b.name),
} as const satisfies Record<string, (parameters: Parameters) => string[]>;

export type ColumnExpansion = keyof typeof COLUMN_EXPANSIONS;

/** A column as report.json declares it: a plain column, or one that expands per request. */
export interface DefinitionColumn extends ColumnSpec {
  expand?: ColumnExpansion;
}

/** One column of a request's rows and where its value comes from in a query row (`index`: into the `source` array). */
export interface RequestColumn extends ColumnSpec {
  source: string;
  index?: number;
}

/**
 * The columns a request's rows have: the definition's, each expanded one replaced by the columns
 * its expansion makes for `parameters`.
 * @throws RangeError from an expansion whose parameters cannot make columns.
 */
export function requestColumns(columns: readonly DefinitionColumn[], parameters: Parameters): RequestColumn[] {
  return columns.flatMap((c): RequestColumn[] => {
    if (!c.expand) return [{ name: c.name, type: c.type, source: c.name }];
    return COLUMN_EXPANSIONS[c.expand](parameters).map((name, index) => ({ name, type: c.type, source: c.name, index }));
  });
}
