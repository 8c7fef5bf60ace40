/**
 * The request's filters as a reader sees them, printed in PDFs and XLSX workbooks and carried as
 * metadata of XML files and bucket objects, so a filtered report says so wherever it travels.
 */
import type { ValidatedFilter } from '../domain/report-request.js';

/** Mathematical signs, the same in every language: `quantity ≥ 10`, `country ∈ {France, Germany}`. */
const SIGNS = { eq: '=', gt: '>', gte: '≥', lt: '<', lte: '≤' } as const;

/**
 * One line per condition, in the order the definition declares the fields: `country = France`,
 * `quantity ≥ 10`, `10 ≤ quantity ≤ 100` (between), `country ∈ {France, Germany}` (in),
 * `stock_code ∉ {POST, M}` (nin). Values as validated (decimals exact, instants ISO-8601 with offset).
 * @returns [] when there are no filters.
 */
export function describeFilters(filters: readonly ValidatedFilter[] | undefined): string[] {
  return (filters ?? []).map((f) => {
    switch (f.operator) {
      case 'between':
        return `${String(f.value[0])} ≤ ${f.field} ≤ ${String(f.value[1])}`;
      case 'in':
        return `${f.field} ∈ {${f.value.map(String).join(', ')}}`;
      case 'nin':
        return `${f.field} ∉ {${f.value.map(String).join(', ')}}`;
      default:
        return `${f.field} ${SIGNS[f.operator]} ${String(f.value)}`;
    }
  });
}

/**
 * The filters in the request's wire form, as compact JSON (`{"country":{"eq":"France"}}`), for
 * metadata that machines read (the XML root's `filters` attribute, a bucket object's `filters`).
 * @returns undefined when there are no filters.
 */
export function filtersJson(filters: readonly ValidatedFilter[] | undefined): string | undefined {
  if (!filters?.length) return undefined;
  const wire: Record<string, Record<string, unknown>> = {};
  for (const f of filters) (wire[f.field] ??= {})[f.operator] = f.value;
  return JSON.stringify(wire);
}
