/**
 * The definition a new run of a tenant template runs: its current version over its dataset. Shared by
 * the API (requests, configurations, subscriptions) and the subscription service, so every place that
 * names a `template_id` refuses a missing or broken template with the same code on the same field.
 */
import type { Catalog } from '../catalog/load-catalog.js';
import { datasetNamed } from '../catalog/datasets.js';
import type { ReportDefinition } from '../catalog/report-definition.js';
import { ReportError } from '../domain/errors.js';
import { templateDefinition } from './template-definition.js';
import type { TemplateStore } from './template-store.js';
import type { Template } from './template.js';

/**
 * Template `id` of `tenantId` (current version) and the report definition a run of it gets.
 * @param field the request field the refusals name.
 * @throws ReportError('TEMPLATE_NOT_FOUND') (404) when the tenant has no such template, it was deleted,
 *   or templates are not served (`store` undefined); ReportError('TEMPLATE_INVALID') when its dataset
 *   is gone; the database's own error when it cannot be read.
 */
export async function currentTemplate(store: Pick<TemplateStore, 'get'> | undefined, catalog: Catalog, tenantId: string, id: string, field = 'template_id'): Promise<{ template: Template; definition: ReportDefinition }> {
  const template = await store?.get(tenantId, id);
  if (!template) throw new ReportError('TEMPLATE_NOT_FOUND', `No template ${id}.`, [{ field, code: 'TEMPLATE_NOT_FOUND', message: 'Unknown, or deleted.' }]);
  const dataset = datasetNamed(catalog, template.spec.dataset);
  if (!dataset) {
    throw new ReportError('TEMPLATE_INVALID', `Template ${id} reads dataset ${template.spec.dataset}, which this service no longer offers.`, [
      { field, code: 'TEMPLATE_INVALID', message: 'Its dataset is gone.' },
    ]);
  }
  return { template, definition: templateDefinition(dataset, template.id, template.version, template.spec) };
}

/** `catalog` with `definition` in it (a template's, for one request or check). */
export function catalogWith(catalog: Catalog, definition: ReportDefinition): Catalog {
  return new Map([...catalog, [definition.code, definition]]);
}
