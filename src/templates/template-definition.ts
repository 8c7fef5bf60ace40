/**
 * A template version as a report definition, so a run of it goes through the same validation,
 * query, render, export and notify as a built-in report: the dataset's query, columns, period, order
 * and data checks; the template's name as title; the dataset's parameters plus the template's own;
 * only the filters the template allows; one format, rendered from `tenantTemplate`.
 */
import type { ReportDefinition } from '../catalog/report-definition.js';
import { templateReportCode, type TemplateSpec } from './template.js';

/** The definition a run of version `version` of template `id` runs. */
export function templateDefinition(dataset: ReportDefinition, id: string, version: number, spec: TemplateSpec): ReportDefinition {
  const parameters = spec.parameters;
  return {
    ...dataset,
    code: templateReportCode(id),
    title: { en: spec.name, no: spec.name },
    description: spec.description,
    parameters: {
      type: 'object',
      properties: { ...dataset.parameters.properties, ...(parameters?.properties ?? {}) },
      required: [...(dataset.parameters.required ?? []), ...(parameters?.required ?? [])],
      additionalProperties: false,
    },
    filters: spec.filters ?? {},
    formats: { [spec.format]: {} },
    constants: {},
    run_mode: 'staged',
    dataset: undefined,
    // One document per run: a template is not a bulk report, whatever its dataset's definition is.
    bulk: undefined,
    bulkKeysSql: undefined,
    tenantTemplate: { id, version, format: spec.format, body: spec.body },
  };
}
