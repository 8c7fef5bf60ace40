/**
 * A report definition's filterable fields: the checks the catalog runs on their declaration at load,
 * the operators each field takes, and how `GET /v1/report-definitions/{code}` shows them.
 */
import { OPERATORS_BY_TYPE, type FilterType } from '../data/filter-sql.js';
import { FILTER_OPERATORS, type FilterOperator } from '../domain/report-request.js';
import type { FilterDeclaration, ReportDefinitionFile } from './report-definition.js';

/** The operators a declared field takes, in `FILTER_OPERATORS` order. */
export function filterOperators(declaration: FilterDeclaration): FilterOperator[] {
  const allowed = declaration.operators ?? OPERATORS_BY_TYPE[declaration.type];
  return FILTER_OPERATORS.filter((op) => allowed.includes(op));
}

/** A filterable field as the API shows it: `name` (a column), its `type`, and its `operators`. */
export interface FilterableFieldWire {
  name: string;
  type: FilterType;
  operators: FilterOperator[];
}

/** The definition's filterable fields in declaration order; `[]` when it declares none. */
export function filterableFieldsToWire(def: Pick<ReportDefinitionFile, 'filters'>): FilterableFieldWire[] {
  return Object.entries(def.filters ?? {}).map(([name, declaration]) => ({ name, type: declaration.type, operators: filterOperators(declaration) }));
}

/**
 * What is wrong with a definition's `filters` and `order_by` beyond their JSON shape, one sentence
 * each (empty when nothing is): a filter must name one of the `columns` and have its type, may only
 * narrow its type's operators; `order_by` must name columns, and is required once filters are declared.
 */
export function filterDeclarationProblems(def: ReportDefinitionFile): string[] {
  const problems: string[] = [];
  const columns = new Map(def.columns.map((c) => [c.name, c.type]));
  const names = [...columns.keys()].join(', ');
  const filters = Object.entries(def.filters ?? {});
  for (const [name, declaration] of filters) {
    const columnType = columns.get(name);
    if (columnType === undefined) {
      problems.push(`filter "${name}" is not one of the columns (${names})`);
      continue;
    }
    if (columnType !== declaration.type) problems.push(`filter "${name}" is declared ${declaration.type} but its column is ${columnType}`);
    const refused = (declaration.operators ?? []).filter((op) => !OPERATORS_BY_TYPE[declaration.type].includes(op));
    if (refused.length) problems.push(`filter "${name}" (${declaration.type}) cannot use ${refused.join(', ')}`);
  }
  if (filters.length > 0 && def.order_by === undefined) {
    problems.push('filters need order_by: the columns of the query\'s ORDER BY ([] when it has none), re-applied to filtered rows');
  }
  const seen = new Set<string>();
  for (const item of def.order_by ?? []) {
    const column = item.split(' ')[0]!;
    if (!columns.has(column)) problems.push(`order_by "${column}" is not one of the columns (${names})`);
    if (seen.has(column)) problems.push(`order_by names "${column}" twice`);
    seen.add(column);
  }
  return problems;
}
