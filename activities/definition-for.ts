/**
 * Looks up a report definition for an activity that runs after validation.
 */
import type { Catalog } from '../src/catalog/load-catalog.js';
import type { ReportDefinition } from '../src/catalog/report-definition.js';
import { ReportError } from '../src/domain/errors.js';

/**
 * @throws ReportError('REPORT_CODE_UNKNOWN') when the code is gone, which happens only when a worker
 *   with a different templates/ folder picks up a run that another worker validated.
 */
export function definitionFor(catalog: Catalog, reportCode: string): ReportDefinition {
  const def = catalog.get(reportCode);
  if (!def) throw new ReportError('REPORT_CODE_UNKNOWN', `Unknown report code "${reportCode}".`, [
    { field: 'report_code', code: 'REPORT_CODE_UNKNOWN', message: 'This worker has no such report definition.' },
  ]);
  return def;
}
