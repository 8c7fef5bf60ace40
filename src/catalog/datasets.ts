/**
 * Datasets: the operator's named, parameterised queries with typed columns that tenant templates
 * read (src/templates). A dataset is a report definition of the catalog that declares `dataset` in
 * its report.json, so its SQL, parameter schema, period, columns, filters and order are declared and
 * checked once, by the catalog's loader, and the same query serves the built-in report and templates.
 */
import type { Catalog } from './load-catalog.js';
import type { ReportDefinition } from './report-definition.js';

/** The definition offering dataset `name`, or undefined when no definition offers it. */
export function datasetNamed(catalog: Catalog, name: string): ReportDefinition | undefined {
  for (const def of catalog.values()) if (def.dataset === name) return def;
  return undefined;
}

/** Every dataset's name, in catalog order. */
export function datasetNames(catalog: Catalog): string[] {
  return [...catalog.values()].flatMap((d) => (d.dataset === undefined ? [] : [d.dataset]));
}
