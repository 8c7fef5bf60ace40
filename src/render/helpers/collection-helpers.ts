/**
 * Helpers over row arrays: `{{sum rows 'line_total'}}` (exact decimal string), `{{#each (groupBy rows
 * 'country')}}…{{key}}…{{#each rows}}`, `{{#with (first rows)}}`, `{{#if (eq a b)}}`.
 */
import type { HelperDelegate } from 'handlebars';
import { sumDecimals } from './decimal.js';
import { splitArgs } from './helper-args.js';

/** One group of `groupBy`: the shared value and its rows, in first-seen order. */
export interface RowGroup {
  key: unknown;
  rows: Record<string, unknown>[];
}

function asRows(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

/** Groups rows by `column`, keeping the order in which keys first appear (the query's order). */
export function groupRows(rows: Record<string, unknown>[], column: string): RowGroup[] {
  const groups = new Map<unknown, RowGroup>();
  for (const row of rows) {
    const key = row[column] ?? null;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, rows: [] }));
    g.rows.push(row);
  }
  return [...groups.values()];
}

export const collectionHelpers: Record<string, HelperDelegate> = {
  sum(...args: unknown[]) {
    const { values } = splitArgs(args);
    const column = String(values[1] ?? '');
    return sumDecimals(asRows(values[0]).map((r) => r[column]));
  },
  groupBy(...args: unknown[]) {
    const { values } = splitArgs(args);
    return groupRows(asRows(values[0]), String(values[1] ?? ''));
  },
  first(...args: unknown[]) {
    const { values } = splitArgs(args);
    return asRows(values[0])[0];
  },
  eq(...args: unknown[]) {
    const { values } = splitArgs(args);
    return values[0] === values[1];
  },
};
