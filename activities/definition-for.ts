/**
 * Looks up a report definition for an activity: the catalog's, or for a run of a tenant template
 * (`request.templateId`) the definition of the version the request recorded, read from the template
 * store (versions never change, so each is read once per worker and kept).
 */
import type { Catalog } from '../src/catalog/load-catalog.js';
import { datasetNamed } from '../src/catalog/datasets.js';
import type { ReportDefinition } from '../src/catalog/report-definition.js';
import { ReportError } from '../src/domain/errors.js';
import type { ReportRequest } from '../src/domain/report-request.js';
import { templateDefinition } from '../src/templates/template-definition.js';
import type { TemplateStore } from '../src/templates/template-store.js';

/** Template versions kept per worker. */
const CACHE_ENTRIES = 500;
const cache = new Map<string, ReportDefinition>();

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

/**
 * The definition `request` runs: its template version's, else the catalog's.
 * @throws ReportError('TEMPLATE_NOT_FOUND') when the version is not stored or not known (or this
 *   worker has no template store); ReportError('TEMPLATE_INVALID') when its dataset is gone; as `definitionFor`;
 *   database faults as plain errors (retried).
 */
export async function definitionOf(deps: { catalog: Catalog; templates?: TemplateStore | undefined }, request: ReportRequest): Promise<ReportDefinition> {
  if (request.templateId === undefined) return definitionFor(deps.catalog, request.reportCode);
  const version = request.templateVersion;
  // A subscription's run has none when its template was gone as the run began (see currentTemplateVersion).
  if (version === undefined) throw new ReportError('TEMPLATE_NOT_FOUND', `Template ${request.templateId} is unknown or deleted.`, [{ field: 'template_id', code: 'TEMPLATE_NOT_FOUND', message: 'Unknown, or deleted.' }]);
  const key = `${request.tenantId}|${request.templateId}@${version}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const spec = await deps.templates?.version(request.tenantId, request.templateId, version);
  if (!spec) throw new ReportError('TEMPLATE_NOT_FOUND', `No version ${version} of template ${request.templateId}.`, [{ field: 'template_id', code: 'TEMPLATE_NOT_FOUND', message: 'Unknown.' }]);
  const dataset = datasetNamed(deps.catalog, spec.dataset);
  if (!dataset) throw new ReportError('TEMPLATE_INVALID', `Template ${request.templateId} reads dataset ${spec.dataset}, which this worker does not offer.`, [{ field: 'template_id', code: 'TEMPLATE_INVALID', message: 'Its dataset is gone.' }]);
  const def = templateDefinition(dataset, request.templateId, version, spec);
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, def);
  return def;
}
