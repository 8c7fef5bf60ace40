/**
 * Staged values → typed Excel cells, and the look of each column (number format, width).
 *
 * - `timestamp` → an Excel date-time showing the wall-clock time in the request's zone (Excel has no
 *   zones: the cell holds the local time, as the CSV's zoned ISO text does with its offset), format
 *   `yyyy-mm-dd hh:mm:ss`.
 * - `date` → an Excel date, `yyyy-mm-dd`.
 * - `integer` → a number (a value beyond ±2^53, staged as text, stays text rather than lose digits).
 * - `decimal` → a number (IEEE double: Excel keeps 15 significant digits,
 *   https://learn.microsoft.com/en-us/office/troubleshoot/excel/floating-point-arithmetic-inaccurate-result);
 *   money columns get the currency's format, e.g. `"£"#,##0.00`.
 * - `boolean` → TRUE/FALSE; `string` → text; NULL → an empty cell.
 * Text that XML cannot hold (control characters) becomes U+FFFD; text beyond Excel's 32,767 characters
 * per cell is cut there (Excel refuses longer cells).
 */
import type { ColumnSpec } from '../domain/artifacts.js';
import type { FormatSpec } from '../catalog/report-definition.js';
import type { StagedRow, StagedValue } from '../staging/ndjson.js';
import { xmlValidText } from './xml-text.js';
import { zoneOffsetMinutes } from './zoned-timestamp.js';

/** A value exceljs writes as a typed cell. */
export type XlsxCell = string | number | boolean | Date | null;

/** Characters per cell at most (Excel specifications and limits). */
export const XLSX_MAX_CELL_CHARS = 32_767;

/** One column's header, number format (Excel syntax; undefined = General) and width (characters). */
export interface XlsxColumnLayout {
  header: string;
  numFmt?: string;
  width: number;
}

const DATE_FORMAT = 'yyyy-mm-dd';
const TIMESTAMP_FORMAT = 'yyyy-mm-dd hh:mm:ss';
// Not 9: exceljs leaves a column of width 9 (its default) out of the file, and Excel then shows 8.43.
const MIN_WIDTH = 10;
const MAX_WIDTH = 60;

/**
 * @param zone IANA zone for timestamps.
 * @returns a function from a staged row to its cells in `columns` order (a missing key is empty).
 */
export function xlsxCellFormatter(columns: readonly ColumnSpec[], zone: string): (row: StagedRow) => XlsxCell[] {
  const offsetMinutes = zoneOffsetMinutes(zone);
  const converters = columns.map((c): ((v: Exclude<StagedValue, null>) => XlsxCell) => {
    switch (c.type) {
      case 'timestamp':
        return (v) => {
          const ms = typeof v === 'number' ? v : Date.parse(String(v));
          return Number.isNaN(ms) ? String(v) : new Date(ms + offsetMinutes(ms) * 60_000);
        };
      case 'date':
        return (v) => {
          const ms = Date.parse(String(v));
          return Number.isNaN(ms) ? String(v) : new Date(ms);
        };
      case 'integer':
        return (v) => (typeof v === 'number' ? v : String(v));
      case 'decimal':
        return (v) => (typeof v === 'number' ? v : Number(v));
      case 'boolean':
        return (v) => v === true;
      case 'string':
        return (v) => text(String(v));
    }
  });
  return (row) =>
    columns.map((c, i) => {
      const v = row[c.name];
      return v === null || v === undefined ? null : converters[i]!(v);
    });
}

function text(value: string): string {
  const valid = xmlValidText(value);
  return valid.length > XLSX_MAX_CELL_CHARS ? valid.slice(0, XLSX_MAX_CELL_CHARS) : valid;
}

/**
 * Column layouts: headers are the column names; widths fit the header and the widest text of
 * `sample` (the first rows), between 10 and 60 characters.
 * @param spec the definition's `formats.XLSX` (money columns and their currency).
 */
export function xlsxColumnLayouts(columns: readonly ColumnSpec[], spec: FormatSpec, sample: readonly XlsxCell[][]): XlsxColumnLayout[] {
  const money = new Set(spec.money_columns ?? []);
  const moneyFormat = spec.currency ? currencyNumberFormat(spec.currency) : undefined;
  return columns.map((c, i) => {
    const numFmt = c.type === 'timestamp' ? TIMESTAMP_FORMAT : c.type === 'date' ? DATE_FORMAT : money.has(c.name) ? moneyFormat : undefined;
    let widest = c.name.length;
    if (numFmt) widest = Math.max(widest, numFmt.replace(/"/g, '').length + 2);
    for (const row of sample) {
      const cell = row[i];
      if (typeof cell === 'string' || typeof cell === 'number') widest = Math.max(widest, String(cell).length);
    }
    return { header: c.name, ...(numFmt ? { numFmt } : {}), width: Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, widest + 2)) };
  });
}

/**
 * Excel number format for an amount in `currency`: its narrow symbol and minor digits as Intl knows
 * them, e.g. GBP → `"£"#,##0.00`, JPY → `"¥"#,##0`, NOK → `"kr"#,##0.00`. Negative amounts show a
 * leading minus (Excel's rule for a one-section format).
 * @throws RangeError when `currency` is not an ISO 4217 code.
 */
export function currencyNumberFormat(currency: string): string {
  const nf = new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' });
  const symbol = nf.formatToParts(0).find((p) => p.type === 'currency')?.value ?? currency;
  const digits = nf.resolvedOptions().maximumFractionDigits ?? 2;
  return `"${symbol.replace(/"/g, '')}"#,##0${digits > 0 ? '.' + '0'.repeat(digits) : ''}`;
}
