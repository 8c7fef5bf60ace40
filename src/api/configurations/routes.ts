/**
 * `/v1/report-configurations`: saved report presets a client runs by id (`report_configuration_id` of
 * `POST /v1/report-generate-requests`). create/list/get/patch/delete. A preset names a report code or
 * a tenant template (`template_id`, whose current version each run renders), and is checked as a
 * request is (src/api/report-requests/request-checks.ts; a template's against its current version, as a run by
 * `template_id` is) when saved and when changed, so a bad one is a 400 naming its field.
 * Reads need `REPORT_CONFIGURATION.VIEW`, changes `REPORT_CONFIGURATION.MANAGE`; another tenant's id is 404.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ReportConfiguration } from '../../configurations/report-configuration.js';
import type { ReportConfigurationStore } from '../../configurations/report-configuration-store.js';
import { ReportError } from '../../domain/errors.js';
import { AddressAllowList } from '../../notifiers/address-guard.js';
import type { SubscriptionService } from '../../subscriptions/subscription-service.js';
import { CONFIGURATION_CHANGE_VIEW, CONFIGURATION_ID_PARAMS, CONFIGURATION_LIST, CONFIGURATION_LIST_QUERY, CONFIGURATION_VIEW, CREATE_CONFIGURATION_BODY, PATCH_CONFIGURATION_BODY } from './schemas.js';
import { checkPresetChoice, configurationToWire, mergePreset, presetToStore, type ConfigurationBody, type PresetBody } from './wire.js';
import { baseUrlOf, type ApiDeps } from '../deps.js';
import { errorResponses, NOT_FOUND_BY_ID, TEMPLATE_404, VALIDATION_400 } from '../error-responses.js';
import { orDatabaseFault } from '../../data/database-fault.js';
import { pageToWire } from '../page-wire.js';
import { checkedRequest } from '../report-requests/request-checks.js';
import { uuidv7 } from '../../requests/request-id.js';
import { configuredTemplate } from '../subscriptions/wire.js';
import { listReportCode, resolveTemplateRun } from '../report-requests/template-runs.js';
import type { CreateRequestBody } from '../report-requests/wire.js';

const VIEW = 'REPORT_CONFIGURATION.VIEW' as const;
const MANAGE = 'REPORT_CONFIGURATION.MANAGE' as const;
const TAGS = ['Report configurations'];
const LOCATION = { Location: { type: 'string', description: 'The new configuration\'s URL.' } } as const;
/** How often a PATCH reads, merges and writes again when another change came in between. */
const PATCH_ATTEMPTS = 5;
const IN_USE_409 = 'REPORT_CONFIGURATION_IN_USE: subscriptions follow the configuration (ids in `errors`); nothing was changed.';

function inUse(message: string, subscriptionIds: string[]): ReportError {
  return new ReportError('REPORT_CONFIGURATION_IN_USE', message, subscriptionIds.map((id) => ({ field: `subscriptions/${id}`, code: 'REPORT_CONFIGURATION_IN_USE', message: 'Follows this configuration.' })));
}

function notFound(id: string): ReportError {
  return new ReportError('NOT_FOUND', `No report configuration ${id}.`, [{ field: 'id', code: 'NOT_FOUND', message: 'Unknown id.' }]);
}

/** The configuration routes, as a plugin for the authenticated `/v1` scope. */
export function reportConfigurationRoutes(
  deps: Pick<ApiDeps, 'catalog' | 'db' | 'config' | 'integrations' | 'templates'> & { configurations: ReportConfigurationStore; subscriptions?: SubscriptionService },
): FastifyPluginAsync {
  const store = deps.configurations;
  const subscriptions = deps.subscriptions;
  return async (app) => {
    const baseUrl = baseUrlOf(deps.config);
    const webhookAllow = new AddressAllowList(deps.config.webhookAllowHosts ?? []);
    /**
     * Checks `preset` as a request made of it now would be checked (a template's against its current version).
     * @returns the report code its runs record (`TEMPLATE_<id>` for a template).
     * @throws ReportError (400) naming the field; TEMPLATE_NOT_FOUND (404) on `template_id`.
     */
    const check = async (tenantId: string, preset: PresetBody): Promise<string> => {
      checkPresetChoice(preset);
      const { body, catalog } = await resolveTemplateRun(deps.templates, deps.catalog, tenantId, preset as CreateRequestBody);
      await checkedRequest({ ...deps, catalog }, body, { id: 'preset', tenantId, requestedAt: new Date().toISOString() }, {}, webhookAllow);
      return body.report_code;
    };
    const db = orDatabaseFault;
    const resolve = (tenantId: string) => (body: CreateRequestBody) => resolveTemplateRun(deps.templates, deps.catalog, tenantId, body);

    app.post<{ Body: ConfigurationBody }>('/report-configurations', { schema: { tags: TAGS, summary: 'Save a named report preset (version 1)', body: CREATE_CONFIGURATION_BODY, response: { 201: { ...CONFIGURATION_VIEW, headers: LOCATION }, ...errorResponses({ body: true }, { 400: VALIDATION_400, 404: TEMPLATE_404 }) } }, config: { permission: MANAGE } }, async (req, reply) => {
      const { name, ...preset } = req.body;
      const reportCode = await check(req.tenantId, preset);
      const saved = await db(() => store.insert({ id: uuidv7(), tenantId: req.tenantId, name, reportCode, preset: presetToStore(preset) }));
      req.log.info({ configurationId: saved.id, tenantId: req.tenantId, reportCode: saved.reportCode }, 'report configuration created');
      const body = configurationToWire(saved, baseUrl);
      return reply.code(201).header('location', body.links.self).send(body);
    });

    app.get<{ Querystring: { report_code?: string; template_id?: string; name?: string; limit: number; cursor?: string } }>('/report-configurations', { schema: { tags: TAGS, summary: 'List configurations, oldest first, a page at a time; by report code, template or part of the name', querystring: CONFIGURATION_LIST_QUERY, response: { 200: CONFIGURATION_LIST, ...errorResponses({}, { 400: VALIDATION_400 }) } }, config: { permission: VIEW } }, async (req) => {
      const { name, limit, cursor } = req.query;
      const reportCode = listReportCode(req.query);
      const page = await db(() => store.list(req.tenantId, { limit, ...(reportCode ? { reportCode } : {}), ...(name ? { name } : {}), ...(cursor ? { cursor } : {}) }));
      return pageToWire(page, (c) => configurationToWire(c, baseUrl));
    });

    app.get<{ Params: { id: string } }>('/report-configurations/:id', { schema: { tags: TAGS, summary: 'One configuration', params: CONFIGURATION_ID_PARAMS, response: { 200: CONFIGURATION_VIEW, ...errorResponses({}, { 404: NOT_FOUND_BY_ID }) } }, config: { permission: VIEW } }, async (req) => {
      const found = await db(() => store.get(req.tenantId, req.params.id));
      if (!found) throw notFound(req.params.id);
      return configurationToWire(found, baseUrl);
    });

    app.patch<{ Params: { id: string }; Body: Partial<ConfigurationBody> }>('/report-configurations/:id', { schema: { tags: TAGS, summary: 'Change a configuration: each field given replaces the saved one; the version goes up by one (earlier runs keep theirs)', params: CONFIGURATION_ID_PARAMS, body: PATCH_CONFIGURATION_BODY, response: { 200: CONFIGURATION_CHANGE_VIEW, ...errorResponses({ body: true }, { 400: VALIDATION_400, 404: `${NOT_FOUND_BY_ID} ${TEMPLATE_404}`, 409: IN_USE_409 }) } }, config: { permission: MANAGE } }, async (req) => {
      const { id } = req.params;
      const { name, ...fields } = req.body;
      let updated: ReportConfiguration | undefined;
      const followers = subscriptions ? await db(() => subscriptions.followers(req.tenantId, id)) : [];
      // Optimistic: merge over the version read; when another change landed meanwhile, merge over that one.
      for (let attempt = 0; attempt < PATCH_ATTEMPTS && !updated; attempt++) {
        const current = await db(() => store.get(req.tenantId, id));
        if (!current) throw notFound(id);
        if (fields.report_code !== undefined && fields.template_id !== undefined) checkPresetChoice(fields);
        const preset = mergePreset(current.preset, fields) as unknown as PresetBody;
        const reportCode = await check(req.tenantId, preset);
        const next = { name: name ?? current.name, reportCode, preset: presetToStore(preset) };
        // Every subscription that follows it must stay one that runs, else nothing changes.
        for (const s of followers) {
          try {
            await subscriptions!.check(req.tenantId, await configuredTemplate({ ...current, ...next }, s.configuration!.overrides, resolve(req.tenantId)), s.schedule);
          } catch (err) {
            // The check reads the template: a database that does not answer is not the subscription's fault.
            if (!(err instanceof ReportError) || err.code === 'UNAVAILABLE') throw err;
            throw inUse(`Subscription ${s.id} follows this configuration and would not be valid with the change: ${err.message}`, [s.id]);
          }
        }
        updated = await db(() => store.update(req.tenantId, id, current.version, next));
      }
      if (!updated) throw new ReportError('UNAVAILABLE', 'The configuration kept changing while this change was made; try again.');
      req.log.info({ configurationId: id, tenantId: req.tenantId, version: updated.version }, 'report configuration changed');
      const carried = await carryToFollowers(updated, followers.map((s) => s.id));
      return { ...configurationToWire(updated, baseUrl), subscriptions_updated: carried.updated, subscriptions_not_updated: carried.notUpdated };
    });

    /**
     * Gives each following subscription the configuration's new version (its template and schedule).
     * The change is stored already, so a subscription that cannot be changed now is listed, not thrown.
     */
    const carryToFollowers = async (configuration: ReportConfiguration, ids: string[]) => {
      const updated: string[] = [];
      const notUpdated: string[] = [];
      for (const subscriptionId of ids) {
        try {
          const s = await subscriptions!.find(configuration.tenantId, subscriptionId);
          // Deleted or unlinked meanwhile: nothing to carry.
          if (s?.configuration?.id !== configuration.id) continue;
          await subscriptions!.update(configuration.tenantId, subscriptionId, { template: await configuredTemplate(configuration, s.configuration.overrides, resolve(configuration.tenantId)) });
          updated.push(subscriptionId);
        } catch (err) {
          notUpdated.push(subscriptionId);
          app.log.warn({ configurationId: configuration.id, subscriptionId, err }, 'subscription not moved to the configuration\'s new version');
        }
      }
      return { updated, notUpdated };
    };

    app.delete<{ Params: { id: string } }>('/report-configurations/:id', { schema: { tags: TAGS, summary: 'Delete a configuration (runs made from it keep naming it)', params: CONFIGURATION_ID_PARAMS, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses({ body: true }, { 404: NOT_FOUND_BY_ID, 409: IN_USE_409 }) } }, config: { permission: MANAGE } }, async (req, reply) => {
      const followers = subscriptions ? (await db(() => subscriptions.followers(req.tenantId, req.params.id))).map((s) => s.id) : [];
      if (followers.length) throw inUse(`Subscriptions follow this configuration (${followers.join(', ')}); delete them or change them to another configuration first.`, followers);
      if (!(await db(() => store.delete(req.tenantId, req.params.id)))) throw notFound(req.params.id);
      return reply.code(204).send();
    });
  };
}
