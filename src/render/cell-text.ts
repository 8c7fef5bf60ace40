/**
 * Staged values → the text CSV and XML print: timestamps as ISO-8601 with the request zone's offset,
 * decimals and dates untouched, integers and booleans as their JSON text, null kept as null (CSV
 * prints it empty, XML marks it `xsi:nil`).
 */
import type { ColumnSpec } from '../domain/artifacts.js';
import type { StagedRow } from '../staging/ndjson.js';
import { zonedIsoFormatter } from './zoned-timestamp.js';

/** One row's cells in `columns` order. */
export type CellTexts = (string | null)[];

/**
 * @param zone IANA zone for timestamps.
 * @returns a function from a staged row to its cell texts (a missing key counts as null).
 */
export function cellTextFormatter(columns: readonly ColumnSpec[], zone: string): (row: StagedRow) => CellTexts {
  const toZoned = zonedIsoFormatter(zone);
  const converters = columns.map((c) => (c.type === 'timestamp' ? (v: string | number | boolean) => toZoned(v as string) : String));
  return (row) =>
    columns.map((c, i) => {
      const v = row[c.name];
      return v === null || v === undefined ? null : converters[i]!(v);
    });
}
