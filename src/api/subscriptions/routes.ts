/**
 * `/v1/report-subscriptions`: recurring reports, each a Temporal Schedule (`subscription-<id>`).
 * create/list/get/patch/delete, pause/resume (with a note), trigger (now, or an explicit period)
 * and backfill `{from, to}`. Same auth, tenancy (another tenant's id is 404) and error shape as the
 * rest of the API. Reads need `SUBSCRIPTION.VIEW`; everything that changes a subscription or starts
 * runs needs `SUBSCRIPTION.MANAGE`. A subscription runs a report code, a tenant template
 * (`template_id`; each run renders its version current then) or a saved report configuration.
 */
import type { FastifyPluginAsync } from 'fastify';
import { ReportError } from '../../domain/errors.js';
import { AddressAllowList } from '../../notifiers/address-guard.js';
import { isReportingRun, runIdOf, subscriptionPeriod } from '../../domain/subscription-period.js';
import type { SubscriptionService, SubscriptionView } from '../../subscriptions/subscription-service.js';
import type { RunGateway } from '../../temporal/report-runs.js';
import { baseUrlOf, type ApiDeps } from '../deps.js';
import { CONFIGURATION_404, errorResponses, NOT_FOUND_BY_ID, TEMPLATE_404, VALIDATION_400 } from '../error-responses.js';
import { databaseFault } from '../../data/database-fault.js';
import { pageToWire } from '../page-wire.js';
import {
  BACKFILL_BODY,
  BACKFILL_RESPONSE,
  CREATE_SUBSCRIPTION_BODY,
  NOTE_BODY,
  PATCH_SUBSCRIPTION_BODY,
  RANGE_BODY,
  SUBSCRIPTION_ID_PARAMS,
  SUBSCRIPTION_LIST,
  SUBSCRIPTION_LIST_QUERY,
  SUBSCRIPTION_VIEW,
  TRIGGER_RESPONSE,
} from './schemas.js';
import { checkWebhookAddress } from '../../notifiers/webhook-address-check.js';
import { findConfiguration, mergePreset } from '../configurations/wire.js';
import { configuredTemplate, periodToWire, reportTemplate, subscriptionToWire, subscriptionViewToWire, templateToBody, toSchedule, type SubscriptionBody } from './wire.js';
import { listReportCode, resolveTemplateRun } from '../report-requests/template-runs.js';
import type { CreateRequestBody } from '../report-requests/wire.js';

function notFound(id: string): ReportError {
  return new ReportError('NOT_FOUND', `No report subscription ${id}.`, [{ field: 'id', code: 'NOT_FOUND', message: 'Unknown id.' }]);
}

const VIEW = 'SUBSCRIPTION.VIEW' as const;
const MANAGE = 'SUBSCRIPTION.MANAGE' as const;
const TAGS = ['Report subscriptions'];
const LOCATION = { Location: { type: 'string', description: 'The new subscription\'s URL.' } } as const;

/** The subscription routes, as a plugin for the authenticated `/v1` scope. */
export function reportSubscriptionRoutes(deps: Pick<ApiDeps, 'config' | 'runs' | 'configurations' | 'templates' | 'catalog'> & { subscriptions: SubscriptionService }): FastifyPluginAsync {
  const service = deps.subscriptions;
  const resolve = (tenantId: string) => (body: CreateRequestBody) => resolveTemplateRun(deps.templates, deps.catalog, tenantId, body);
  return async (app) => {
    const baseUrl = baseUrlOf(deps.config);
    const webhookAllow = new AddressAllowList(deps.config.webhookAllowHosts ?? []);
    const detail = async (tenantId: string, v: SubscriptionView | undefined, id: string) => {
      if (!v) throw notFound(id);
      return { ...subscriptionViewToWire(v, baseUrl), last_runs: await lastRuns(deps.runs, tenantId, v) };
    };

    app.post<{ Body: SubscriptionBody }>('/report-subscriptions', { schema: { tags: TAGS, summary: 'Create a subscription (one Temporal Schedule)', body: CREATE_SUBSCRIPTION_BODY, response: { 201: { ...SUBSCRIPTION_VIEW, headers: LOCATION }, ...errorResponses({ body: true }, { 400: VALIDATION_400, 404: `${CONFIGURATION_404} ${TEMPLATE_404}` }) } }, config: { permission: MANAGE } }, async (req, reply) => {
      const { schedule, name, active, report_configuration_id: configurationId, ...report } = req.body;
      let template;
      let configuration;
      if (configurationId === undefined) {
        template = await reportTemplate(report, resolve(req.tenantId));
      } else {
        template = await configuredTemplate(await findConfiguration(deps.configurations, req.tenantId, configurationId), report, resolve(req.tenantId));
        configuration = { id: configurationId, overrides: report };
      }
      await checkWebhookAddress(template.notify?.webhookUrl, webhookAllow);
      const view = await service.create(req.tenantId, {
        ...(name ? { name } : {}),
        template,
        ...(configuration ? { configuration } : {}),
        schedule: toSchedule(schedule),
        active: active ?? true,
      });
      req.log.info({ subscriptionId: view.id, tenantId: req.tenantId, reportCode: view.template.reportCode }, 'subscription created');
      const body = subscriptionViewToWire(view, baseUrl);
      return reply.code(201).header('location', body.links.self).send(body);
    });

    app.get<{ Querystring: { report_code?: string; template_id?: string; active?: string; limit: number; cursor?: string } }>('/report-subscriptions', { schema: { tags: TAGS, summary: 'List subscriptions, oldest first, a page at a time', querystring: SUBSCRIPTION_LIST_QUERY, response: { 200: SUBSCRIPTION_LIST, ...errorResponses({}, { 400: VALIDATION_400 }) } }, config: { permission: VIEW } }, async (req) => {
      const { active, limit, cursor } = req.query;
      const reportCode = listReportCode(req.query);
      let page;
      try {
        page = await service.list(req.tenantId, {
          ...(reportCode ? { reportCode } : {}),
          ...(active === 'true' || active === 'false' ? { active: active === 'true' } : {}),
          ...(cursor ? { cursor } : {}),
          limit,
        });
      } catch (err) {
        throw databaseFault(err);
      }
      return pageToWire(page, (s) => subscriptionToWire(s, baseUrl));
    });

    app.get<{ Params: { id: string } }>('/report-subscriptions/:id', { schema: { tags: TAGS, summary: 'One subscription with next runs, last runs and missed periods', params: SUBSCRIPTION_ID_PARAMS, response: { 200: SUBSCRIPTION_VIEW, ...errorResponses({}, { 404: NOT_FOUND_BY_ID }) } }, config: { permission: VIEW } }, async (req) => {
      const { id } = req.params;
      return detail(req.tenantId, await service.get(req.tenantId, id), id);
    });

    app.patch<{ Params: { id: string }; Body: Partial<SubscriptionBody> }>('/report-subscriptions/:id', { schema: { tags: TAGS, summary: 'Change a subscription in place (runs already started are unaffected)', params: SUBSCRIPTION_ID_PARAMS, body: PATCH_SUBSCRIPTION_BODY, response: { 200: SUBSCRIPTION_VIEW, ...errorResponses({ body: true }, { 400: VALIDATION_400, 404: `${NOT_FOUND_BY_ID} ${CONFIGURATION_404} ${TEMPLATE_404}` }) } }, config: { permission: MANAGE } }, async (req) => {
      const { id } = req.params;
      const current = await service.find(req.tenantId, id);
      if (!current) throw notFound(id);
      const { schedule, name, report_configuration_id: configurationId, ...report } = req.body;
      let template;
      let configuration;
      const followed = configurationId ?? current.configuration?.id;
      if (followed !== undefined) {
        // A subscription that follows a configuration keeps its own fields as overrides and takes the
        // configuration's current version with every change.
        const overrides = mergePreset(current.configuration?.overrides ?? {}, report);
        template = await configuredTemplate(await findConfiguration(deps.configurations, req.tenantId, followed), overrides, resolve(req.tenantId));
        configuration = { id: followed, overrides };
      } else if (Object.keys(report).length) {
        template = await reportTemplate(mergePreset(templateToBody(current.template), report), resolve(req.tenantId));
      }
      if (report.notify || configuration) await checkWebhookAddress(template?.notify?.webhookUrl, webhookAllow);
      const changes = {
        ...(name ? { name } : {}),
        ...(schedule ? { schedule: toSchedule(schedule) } : {}),
        ...(template ? { template } : {}),
        ...(configuration ? { configuration } : {}),
      };
      return detail(req.tenantId, await service.update(req.tenantId, id, changes), id);
    });

    app.delete<{ Params: { id: string } }>('/report-subscriptions/:id', { schema: { tags: TAGS, summary: 'Delete a subscription and its schedule', params: SUBSCRIPTION_ID_PARAMS, response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses({ body: true }, { 404: NOT_FOUND_BY_ID }) } }, config: { permission: MANAGE } }, async (req, reply) => {
      const { id } = req.params;
      if (!(await service.delete(req.tenantId, id))) throw notFound(id);
      return reply.code(204).send();
    });

    app.post<{ Params: { id: string }; Body: { note?: string } | null }>('/report-subscriptions/:id/pause', { schema: { tags: TAGS, summary: 'Pause, with a note', params: SUBSCRIPTION_ID_PARAMS, body: NOTE_BODY, response: { 200: SUBSCRIPTION_VIEW, ...errorResponses({ body: true }, { 404: NOT_FOUND_BY_ID }) } }, config: { permission: MANAGE } }, async (req) => {
      const { id } = req.params;
      return detail(req.tenantId, await service.pause(req.tenantId, id, req.body?.note), id);
    });

    app.post<{ Params: { id: string }; Body: { note?: string } | null }>('/report-subscriptions/:id/resume', { schema: { tags: TAGS, summary: 'Resume, with a note', params: SUBSCRIPTION_ID_PARAMS, body: NOTE_BODY, response: { 200: SUBSCRIPTION_VIEW, ...errorResponses({ body: true }, { 404: NOT_FOUND_BY_ID }) } }, config: { permission: MANAGE } }, async (req) => {
      const { id } = req.params;
      return detail(req.tenantId, await service.resume(req.tenantId, id, req.body?.note), id);
    });

    app.post<{ Params: { id: string }; Body: { from?: string; to?: string } | null }>('/report-subscriptions/:id/trigger', { schema: { tags: TAGS, summary: 'One run now, for the period that ends now or an explicit one', params: SUBSCRIPTION_ID_PARAMS, body: RANGE_BODY, response: { 202: TRIGGER_RESPONSE, ...errorResponses({ body: true }, { 400: VALIDATION_400, 404: NOT_FOUND_BY_ID }) } }, config: { permission: MANAGE } }, async (req, reply) => {
      const { id } = req.params;
      const { from, to } = req.body ?? {};
      if ((from === undefined) !== (to === undefined)) {
        throw new ReportError('SCHEDULE_INVALID', 'Give both `from` and `to`, or neither.', [{ field: from === undefined ? 'from' : 'to', code: 'SCHEDULE_INVALID', message: 'Required with the other.' }]);
      }
      const result = await service.trigger(req.tenantId, id, from !== undefined && to !== undefined ? { from, to } : undefined);
      if (!result.found) throw notFound(id);
      return reply.code(202).send({ id, triggered: true, ...(result.period ? { period: periodToWire(result.period), run_id: runIdOf(id, result.period) } : {}) });
    });

    app.post<{ Params: { id: string }; Body: { from: string; to: string } }>('/report-subscriptions/:id/backfill', { schema: { tags: TAGS, summary: 'One run per period in a range, each period at most once', params: SUBSCRIPTION_ID_PARAMS, body: BACKFILL_BODY, response: { 202: BACKFILL_RESPONSE, ...errorResponses({ body: true }, { 400: VALIDATION_400, 404: NOT_FOUND_BY_ID }) } }, config: { permission: MANAGE } }, async (req, reply) => {
      const { id } = req.params;
      const result = await service.backfill(req.tenantId, id, req.body);
      if (!result.found) throw notFound(id);
      return reply.code(202).send({ id, from: req.body.from, to: req.body.to, runs: result.runs });
    });
  };
}

/**
 * The schedule's recent runs and the latest triggered ones (`trigger`, now or for a period), oldest
 * first by start, with the report run each started and its status (SKIPPED: not a reporting day). A
 * triggered run's `nominal_time` is when it started; its period shows once its report run has begun.
 */
async function lastRuns(runs: RunGateway, tenantId: string, v: SubscriptionView) {
  const recent = v.scheduleState?.recentRuns ?? [];
  const triggered = v.manualRuns.map(async (r) => {
    const base = { nominal_time: r.startedAt.toISOString(), started_at: r.startedAt.toISOString(), workflow_id: r.workflowId, report_run_id: r.reportRunId };
    const run = await runs.get(tenantId, r.reportRunId);
    return { ...base, ...(run?.request.period ? { period: periodToWire(run.request.period) } : {}), status: run?.status ?? 'PENDING' };
  });
  const scheduled = recent.map(async (r) => {
    const base = { nominal_time: r.nominalTime.toISOString(), started_at: r.startedAt.toISOString(), workflow_id: r.workflowId };
    if (!isReportingRun(v.schedule, v.timezone, r.nominalTime)) return { ...base, status: 'SKIPPED' };
    let period;
    try {
      period = subscriptionPeriod(v.schedule, v.timezone, r.nominalTime);
    } catch {
      return { ...base, status: 'UNKNOWN' };
    }
    const runId = runIdOf(v.id, period);
    const run = await runs.get(tenantId, runId);
    return { ...base, period: periodToWire(period), report_run_id: runId, status: run?.status ?? 'PENDING' };
  });
  return (await Promise.all([...scheduled, ...triggered])).sort((a, b) => a.started_at.localeCompare(b.started_at));
}
