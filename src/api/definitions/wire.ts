/** The wire form (snake_case) of a report definition. */
import { filterableFieldsToWire } from '../../catalog/filters.js';
import type { ReportDefinition } from '../../catalog/report-definition.js';
import { OUTPUT_FORMATS } from '../../domain/report-request.js';

/** A report definition for `GET /v1/report-definitions`: what a client needs to build a request. */
export function definitionToWire(def: ReportDefinition) {
  return {
    code: def.code,
    title: def.title,
    description: def.description,
    parameters: def.parameters,
    formats: OUTPUT_FORMATS.filter((f) => def.formats[f] !== undefined),
    columns: def.columns.map((c) => ({ name: c.name, type: c.type, ...(c.expand ? { expand: c.expand } : {}) })),
    filters: filterableFieldsToWire(def),
    has_period: def.period !== undefined,
    ...(def.period ? { period: { from_parameter: def.period.from_parameter, to_parameter: def.period.to_parameter } } : {}),
    ...(def.bulk ? { bulk: { key_parameter: def.bulk.key_parameter, parameters: def.bulk.parameters, ...(def.bulk.period ? { period: def.bulk.period } : {}) } } : {}),
  };
}
