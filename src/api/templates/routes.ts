/**
 * `/v1/templates`: a tenant's own report layouts over operator-declared datasets. Upload (`POST`),
 * list, read, change (`PUT`, a new version; earlier versions are kept for the runs that used them),
 * delete (soft), and preview (`POST /v1/templates/preview`, synchronous). A spec is checked whole
 * (src/templates/template-checks.ts) before it is stored, so a bad one is a 400 naming its field or
 * line. Reads need `TEMPLATE.VIEW`, everything else `TEMPLATE.MANAGE`; another tenant's id is 404.
 */
import type { FastifyPluginAsync } from 'fastify';
import { ReportError } from '../../domain/errors.js';
import { createTenantTemplateEngine } from '../../render/tenant-template-engine.js';
import { checkTemplateSpec } from '../../templates/template-checks.js';
import { templateDefinition } from '../../templates/template-definition.js';
import { renderPreview } from '../../templates/template-preview.js';
import type { TemplateStore } from '../../templates/template-store.js';
import { baseUrlOf, type ApiDeps } from '../deps.js';
import { errorResponses, NOT_FOUND_BY_ID, TEMPLATE_404, VALIDATION_400 } from '../error-responses.js';
import { orDatabaseFault } from '../../data/database-fault.js';
import { pageToWire } from '../page-wire.js';
import { uuidv7 } from '../../requests/request-id.js';
import { PREVIEW_BODY, TEMPLATE_BODY, TEMPLATE_ID_PARAMS, TEMPLATE_LIST, TEMPLATE_LIST_QUERY, TEMPLATE_VIEW } from './schemas.js';
import { loadTemplateDefinition } from '../report-requests/template-runs.js';
import { specOf, templateToWire, type TemplateBody } from './wire.js';
import { toReportRequest, type CreateRequestBody } from '../report-requests/wire.js';

const VIEW = 'TEMPLATE.VIEW' as const;
const MANAGE = 'TEMPLATE.MANAGE' as const;
const TAGS = ['Templates'];
const LOCATION = { Location: { type: 'string', description: 'The new template\'s URL.' } } as const;
const TEMPLATE_400 = `${VALIDATION_400} TEMPLATE_INVALID, TEMPLATE_SYNTAX_INVALID, TEMPLATE_FIELD_UNKNOWN, TEMPLATE_CONSTRUCT_REFUSED: the spec or body does not pass the upload checks (field and line named).`;
const IN_USE_409 = 'TEMPLATE_IN_USE: report configurations or subscriptions name the template (ids in `errors`); nothing was changed.';
const PREVIEW_MEDIA = ['text/html', 'text/plain', 'text/csv', 'application/xml'];

function notFound(id: string): ReportError {
  return new ReportError('NOT_FOUND', `No template ${id}.`, [{ field: 'id', code: 'NOT_FOUND', message: 'Unknown id.' }]);
}

interface PreviewBody {
  template_id?: string;
  template?: TemplateBody;
  parameter_values?: CreateRequestBody['parameter_values'];
  filters?: CreateRequestBody['filters'];
  language?: string;
  timezone?: string;
  rows: number;
}

/** The template routes, as a plugin for the authenticated `/v1` scope. */
export function templateRoutes(deps: Pick<ApiDeps, 'catalog' | 'db' | 'config'> & { templates: TemplateStore }): FastifyPluginAsync {
  const store = deps.templates;
  const engine = createTenantTemplateEngine();
  return async (app) => {
    const baseUrl = baseUrlOf(deps.config);
    const db = orDatabaseFault;

    app.post<{ Body: TemplateBody }>('/templates', { schema: { tags: TAGS, summary: 'Upload a template (version 1)', body: TEMPLATE_BODY, response: { 201: { ...TEMPLATE_VIEW, headers: LOCATION }, ...errorResponses({ body: true }, { 400: TEMPLATE_400 }) } }, config: { permission: MANAGE } }, async (req, reply) => {
      const spec = specOf(req.body);
      checkTemplateSpec(deps.catalog, spec);
      const saved = await db(() => store.insert(uuidv7(), req.tenantId, spec));
      req.log.info({ templateId: saved.id, tenantId: req.tenantId, dataset: spec.dataset, format: spec.format }, 'template uploaded');
      const body = templateToWire(saved, baseUrl);
      return reply.code(201).header('location', body.links.self).send(body);
    });

    app.get<{ Querystring: { dataset?: string; name?: string; limit: number; cursor?: string } }>('/templates', { schema: { tags: TAGS, summary: 'List templates, oldest first, a page at a time; by dataset or part of the name', querystring: TEMPLATE_LIST_QUERY, response: { 200: TEMPLATE_LIST, ...errorResponses({}, { 400: VALIDATION_400 }) } }, config: { permission: VIEW } }, async (req) => {
      const { dataset, name, limit, cursor } = req.query;
      const page = await db(() => store.list(req.tenantId, { limit, ...(dataset ? { dataset } : {}), ...(name ? { name } : {}), ...(cursor ? { cursor } : {}) }));
      return pageToWire(page, (t) => templateToWire(t, baseUrl));
    });

    app.get<{ Params: { id: string } }>('/templates/:id', { schema: { tags: TAGS, summary: 'One template (its current version)', params: TEMPLATE_ID_PARAMS, response: { 200: TEMPLATE_VIEW, ...errorResponses({}, { 404: NOT_FOUND_BY_ID }) } }, config: { permission: VIEW } }, async (req) => {
      const found = await db(() => store.get(req.tenantId, req.params.id));
      if (!found) throw notFound(req.params.id);
      return templateToWire(found, baseUrl);
    });

    app.put<{ Params: { id: string }; Body: TemplateBody }>('/templates/:id', { schema: { tags: TAGS, summary: 'Replace a template\'s spec: a new version (runs made before keep rendering theirs)', params: TEMPLATE_ID_PARAMS, body: TEMPLATE_BODY, response: { 200: TEMPLATE_VIEW, ...errorResponses({ body: true }, { 400: TEMPLATE_400, 404: NOT_FOUND_BY_ID }) } }, config: { permission: MANAGE } }, async (req) => {
      const spec = specOf(req.body);
      checkTemplateSpec(deps.catalog, spec);
      const updated = await db(() => store.addVersion(req.tenantId, req.params.id, spec));
      if (!updated) throw notFound(req.params.id);
      req.log.info({ templateId: updated.id, tenantId: req.tenantId, version: updated.version }, 'template changed');
      return templateToWire(updated, baseUrl);
    });

    app.delete<{ Params: { id: string } }>('/templates/:id', { schema: { tags: TAGS, summary: 'Delete a template (runs made from it keep naming it; new runs are 404)', params: TEMPLATE_ID_PARAMS, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses({ body: true }, { 404: NOT_FOUND_BY_ID, 409: IN_USE_409 }) } }, config: { permission: MANAGE } }, async (req, reply) => {
      const { id } = req.params;
      // Refused rather than left to fail: a configuration or subscription naming it would fail every run from now on.
      const users = await db(() => store.usedBy(req.tenantId, id));
      const named = [...users.configurations.map((c) => `report-configurations/${c}`), ...users.subscriptions.map((s) => `subscriptions/${s}`)];
      if (named.length) {
        throw new ReportError('TEMPLATE_IN_USE', `Configurations or subscriptions name this template (${named.join(', ')}); change them to another template or report, or delete them, first.`,
          named.map((field) => ({ field, code: 'TEMPLATE_IN_USE', message: 'Names this template.' })));
      }
      if (!(await db(() => store.delete(req.tenantId, id)))) throw notFound(id);
      return reply.code(204).send();
    });

    app.post<{ Body: PreviewBody }>('/templates/preview', {
      schema: {
        tags: TAGS,
        summary: 'Render a template (stored or inline) against the first rows of its dataset, at once',
        body: PREVIEW_BODY,
        response: {
          200: { description: 'The rendered file (a PDF template: its HTML page).', content: Object.fromEntries(PREVIEW_MEDIA.map((t) => [t, { schema: { type: 'string' } }])) },
          ...errorResponses({ body: true }, { 400: TEMPLATE_400, 404: TEMPLATE_404 }),
        },
      },
      config: { permission: MANAGE },
    }, async (req, reply) => {
      const { template_id: id, template: inline, rows, ...fields } = req.body;
      if ((id === undefined) === (inline === undefined)) {
        throw new ReportError('REQUEST_INVALID', 'Give `template_id` or `template`, one of them.', [{ field: 'template_id', code: 'REQUEST_INVALID', message: 'Exactly one of template_id and template.' }]);
      }
      let definition;
      if (id !== undefined) {
        definition = (await loadTemplateDefinition(store, deps.catalog, req.tenantId, id)).definition;
      } else {
        const spec = specOf(inline!);
        definition = templateDefinition(checkTemplateSpec(deps.catalog, spec), 'preview', 0, spec);
      }
      const format = definition.tenantTemplate!.format;
      const request = toReportRequest({ ...fields, report_code: definition.code, format }, { id: 'preview', tenantId: req.tenantId, requestedAt: new Date().toISOString() }, { timezone: deps.config.defaultTimeZone ?? 'UTC' });
      const preview = await renderPreview({ db: { query: (sql, params) => db(() => deps.db.query(sql, params)) }, engine }, definition, request, rows);
      return reply.code(200).type(preview.contentType).send(preview.text);
    });
  };
}
