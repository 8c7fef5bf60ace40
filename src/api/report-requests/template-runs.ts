/**
 * A generate request that names `template_id`: the tenant's template (current version) becomes a
 * report definition of this request only (src/templates/template-definition.ts), so the request is
 * checked, negotiated and started like any other, and records the version it will render.
 */
import type { Catalog } from '../../catalog/load-catalog.js';
import type { ReportDefinition } from '../../catalog/report-definition.js';
import { ReportError } from '../../domain/errors.js';
import { catalogWith, currentTemplate } from '../../templates/current-template.js';
import type { TemplateStore } from '../../templates/template-store.js';
import { templateReportCode } from '../../templates/template.js';
import { databaseFault } from '../../data/database-fault.js';
import type { CreateRequestBody } from './wire.js';

/** The request's template, resolved: its definition and the catalog with it, and the version used. */
export interface TemplateRun {
  body: CreateRequestBody;
  catalog: Catalog;
  template?: { id: string; version: number; definition: ReportDefinition };
}

/** The template's run definition, or the refusal saying why there is none. @throws as `currentTemplate`, a database fault as 503. */
export async function loadTemplateDefinition(store: TemplateStore | undefined, catalog: Catalog, tenantId: string, id: string, field = 'template_id') {
  try {
    return await currentTemplate(store, catalog, tenantId, id, field);
  } catch (err) {
    if (err instanceof ReportError) throw err;
    throw databaseFault(err);
  }
}

/**
 * `body` unchanged when it names no template; else with `report_code` set to the template's run code,
 * `format` to the template's when the body gives none, and a catalog that holds the template's definition.
 * @throws ReportError('REQUEST_INVALID') when both `report_code` and `template_id` are given;
 *   ReportError('TEMPLATE_NOT_FOUND') (404) when the tenant has no such template (or it was deleted);
 *   ReportError('TEMPLATE_INVALID') when its dataset is gone; the database fault (503).
 */
export async function resolveTemplateRun(store: TemplateStore | undefined, catalog: Catalog, tenantId: string, body: CreateRequestBody): Promise<TemplateRun> {
  const { template_id: id, ...rest } = body;
  if (id === undefined) return { body, catalog };
  if (body.report_code !== undefined) {
    throw new ReportError('REQUEST_INVALID', 'Give `report_code` or `template_id`, not both.', [
      { field: 'template_id', code: 'REQUEST_INVALID', message: 'Not with report_code.' },
    ]);
  }
  const { template, definition } = await loadTemplateDefinition(store, catalog, tenantId, id);
  return {
    // A template makes one format: a request that names none asks for it.
    body: { ...rest, report_code: definition.code, format: rest.format ?? template.spec.format },
    catalog: catalogWith(catalog, definition),
    template: { id: template.id, version: template.version, definition },
  };
}

/**
 * The report code a list query narrows to: `report_code`, or the run code of `template_id` (lists of
 * configurations and subscriptions filter on the code their runs record).
 * @throws ReportError('REQUEST_INVALID') naming `template_id` when both are given.
 */
export function listReportCode(query: { report_code?: string; template_id?: string }): string | undefined {
  if (query.template_id === undefined) return query.report_code || undefined;
  if (query.report_code !== undefined) {
    throw new ReportError('REQUEST_INVALID', 'Give `report_code` or `template_id`, not both.', [{ field: 'template_id', code: 'REQUEST_INVALID', message: 'Not with report_code.' }]);
  }
  return templateReportCode(query.template_id);
}
