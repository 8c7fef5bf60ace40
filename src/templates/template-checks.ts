/**
 * Everything a template is checked against when it is uploaded or changed, before it is stored: its
 * dataset exists, its format is one templates make, its parameter schema compiles with ajv and adds
 * to the dataset's parameters without redeclaring one, its filters are filterable dataset columns of
 * the right type, and its body passes the AST walk (src/templates/template-fields.ts).
 */
import type { Catalog } from '../catalog/load-catalog.js';
import { datasetNamed, datasetNames } from '../catalog/datasets.js';
import type { ReportDefinition } from '../catalog/report-definition.js';
import { compileParameterSchema } from '../catalog/validate-request.js';
import { OPERATORS_BY_TYPE } from '../data/filter-sql.js';
import { ReportError } from '../domain/errors.js';
import { templateDefinition } from './template-definition.js';
import { checkTemplateBody } from './template-fields.js';
import { TEMPLATE_FORMATS, type TemplateSpec } from './template.js';

function invalid(field: string, message: string): ReportError {
  return new ReportError('TEMPLATE_INVALID', `${field}: ${message}`, [{ field, code: 'TEMPLATE_INVALID', message }]);
}

/**
 * @returns the dataset's definition.
 * @throws ReportError('TEMPLATE_INVALID') naming `dataset`, `format`, `parameters` or `filters.<field>`;
 *   the body's refusals of `checkTemplateBody`.
 */
export function checkTemplateSpec(catalog: Catalog, spec: TemplateSpec): ReportDefinition {
  const dataset = datasetNamed(catalog, spec.dataset);
  if (!dataset) throw invalid('dataset', `Unknown dataset "${spec.dataset.slice(0, 64)}"; datasets: ${datasetNames(catalog).join(', ')}.`);
  if (!(TEMPLATE_FORMATS as readonly string[]).includes(spec.format)) throw invalid('format', `Templates make ${TEMPLATE_FORMATS.join(', ')}.`);
  const own = Object.keys(spec.parameters?.properties ?? {});
  for (const name of own) {
    if (Object.prototype.hasOwnProperty.call(dataset.parameters.properties, name)) throw invalid(`parameters.properties.${name}`, `Already a parameter of dataset ${spec.dataset}.`);
  }
  try {
    // The run validates parameters against the dataset's and the template's together, compiled so.
    compileParameterSchema(templateDefinition(dataset, 'check', 0, spec).parameters);
  } catch (err) {
    throw invalid('parameters', `Not a usable JSON Schema: ${(err as Error).message}`);
  }
  const columns = new Map(dataset.columns.map((c) => [c.name, c.type]));
  for (const [field, declaration] of Object.entries(spec.filters ?? {})) {
    const type = columns.get(field);
    if (type === undefined) throw invalid(`filters.${field}`, `Not a column of dataset ${spec.dataset}.`);
    if (type !== declaration.type) throw invalid(`filters.${field}`, `The column is ${type}, not ${declaration.type}.`);
    if (!dataset.filters?.[field]) throw invalid(`filters.${field}`, `Dataset ${spec.dataset} does not offer this column as a filter.`);
    const refused = (declaration.operators ?? []).filter((op) => !OPERATORS_BY_TYPE[type].includes(op));
    if (refused.length) throw invalid(`filters.${field}.operators`, `A ${type} cannot use ${refused.join(', ')}.`);
  }
  checkTemplateBody(spec.body, {
    columns: new Set(columns.keys()),
    parameters: new Set([...Object.keys(dataset.parameters.properties), ...own]),
  });
  return dataset;
}
