/**
 * Report generate requests: create (with `Idempotency-Key`), read, list, search, cancel, and send
 * the run's webhook event again, each over src/requests/report-request-service.ts; these routes turn
 * the wire form (configuration and template resolved, Accept headers negotiated) into its calls.
 * A request is validated against its report definition, its filters and its data checks before
 * anything is stored or started, so bad input is answered at once with 400 and changes nothing.
 * A request may run a saved report configuration (`report_configuration_id`), its own fields in
 * place of the configuration's (src/api/configurations/wire.ts); the run records the id and version.
 * Records come from the service's store (src/records); a run still going shows its live stage, and a
 * run Temporal knows before its first record write (a subscription's) is read from Temporal.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ReportError } from '../../domain/errors.js';
import type { ReportRequest, RunType } from '../../domain/report-request.js';
import type { RunStatus } from '../../domain/run-status.js';
import { AddressAllowList } from '../../notifiers/address-guard.js';
import { IDEMPOTENCY_KEY_PATTERN } from '../../requests/idempotency.js';
import { ReportRequestService } from '../../requests/report-request-service.js';
import { resolveGenerateBody, type GenerateRequestBody } from '../configurations/wire.js';
import { resolveTemplateRun } from './template-runs.js';
import { baseUrlOf, type ApiDeps } from '../deps.js';
import { FORMAT_MEDIA_TYPES } from '../negotiation.js';
import { CONFIGURATION_404, errorResponses, NOT_FOUND_BY_ID, TEMPLATE_404, VALIDATION_400 } from '../error-responses.js';
import { ID_PARAMS } from '../shared-schemas.js';
import { REQUEST_LIST_QUERY, REQUEST_PAGE, REQUEST_SEARCH_BODY, REQUEST_VIEW } from './schemas.js';
import { pageToWire } from '../page-wire.js';
import { requestToWire } from './view-wire.js';
import { negotiatedFields, uncheckedRequest } from './request-checks.js';
import { CREATE_REQUEST_BODY } from './body-schema.js';

interface ListQuery {
  limit: number;
  cursor?: string;
  status?: string;
  report_code?: string;
  customer_id?: string;
  created_from?: string;
  created_to?: string;
  run_type?: string;
  report_subscription_id?: string;
}

interface SearchBody {
  limit: number;
  cursor?: string;
  status?: RunStatus[];
  report_code?: string[];
  customer_id?: string;
  created_from?: string;
  created_to?: string;
  metadata?: Record<string, string>;
  run_type?: RunType[];
  report_subscription_id?: string;
}

const TAGS = ['Report generate requests'];

export function reportRequestRoutes(deps: Pick<ApiDeps, 'catalog' | 'db' | 'runs' | 'config' | 'records' | 'integrations' | 'configurations' | 'templates'>): FastifyPluginAsync {
  return async (app) => {
    const links = { baseUrl: baseUrlOf(deps.config) };
    const service = new ReportRequestService({ ...deps, webhookAllow: new AddressAllowList(deps.config.webhookAllowHosts ?? []) });

    app.post<{ Body: GenerateRequestBody }>('/report-generate-requests', {
      config: { permission: 'REPORT_GENERATE_REQUEST.CREATE' },
      schema: {
        tags: TAGS,
        summary: 'Ask for a report; answers at once with the request id',
        headers: {
          type: 'object',
          properties: {
            'idempotency-key': { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source, description: 'Repeat-safe key: the same key and body within 24 h returns the original request.' },
            accept: { type: 'string', description: `When the body has no \`format\`: the report file's media type, with q-values (${Object.values(FORMAT_MEDIA_TYPES).map((t) => `\`${t}\``).join(', ')}). Wildcards and \`application/json\` choose no format. Naming only formats the report lacks: 400 FORMAT_UNSUPPORTED. The answer is JSON either way.` },
            'accept-language': { type: 'string', description: 'When the body has no `language`: the best supported language (`en-GB` → `en`); none matching: `en`.' },
          },
        },
        body: CREATE_REQUEST_BODY,
        response: {
          201: { ...REQUEST_VIEW, headers: { Location: { type: 'string', description: 'The new request\'s URL.' }, 'X-Idempotency-Replayed': { type: 'string', enum: ['true'], description: 'Present on a replay of an earlier request with the same Idempotency-Key.' } } },
          ...errorResponses({ body: true }, { 400: VALIDATION_400, 404: `${CONFIGURATION_404} ${TEMPLATE_404}`, 409: 'IDEMPOTENCY_KEY_REUSED: the Idempotency-Key was used with another body.' }),
        },
      },
    }, async (req, reply) => {
      const idempotencyKey = idempotencyKeyOf(req);
      const resolved = await resolveGenerateBody(deps.configurations, req.tenantId, req.body);
      const { body: asked, catalog, template } = await resolveTemplateRun(deps.templates, deps.catalog, req.tenantId, resolved.body);
      const { configuration } = resolved;
      const negotiated = negotiatedFields(req, asked, catalog.get(asked.report_code));
      const { request, locationFields } = uncheckedRequest(catalog, asked, service.newIds(req.tenantId), negotiated, deps.config.defaultTimeZone);
      const origin: Partial<ReportRequest> = {
        ...(configuration ? { reportConfigurationId: configuration.id, reportConfigurationVersion: configuration.version } : {}),
        ...(template ? { templateId: template.id, templateVersion: template.version } : {}),
      };
      const { state, replayed } = await service.create({
        request: { ...request, ...origin },
        catalog,
        locationFields,
        ...(idempotencyKey === undefined ? {} : { idempotency: { key: idempotencyKey, body: { ...negotiated, ...req.body } } }),
      }, req.log);
      const body = requestToWire(state, links);
      reply.code(201).header('location', body.links.self);
      if (replayed) reply.header('x-idempotency-replayed', 'true');
      return reply.send(body);
    });

    app.get<{ Params: { id: string } }>('/report-generate-requests/:id', {
      config: { permission: 'REPORT_GENERATE_REQUEST.VIEW' },
      schema: { tags: TAGS, summary: 'One request with its status, stage and report', params: ID_PARAMS, response: { 200: REQUEST_VIEW, ...errorResponses({}, { 404: NOT_FOUND_BY_ID }) } },
    }, async (req) => {
      return requestToWire(await service.get(req.tenantId, req.params.id), links);
    });

    app.get<{ Querystring: ListQuery }>('/report-generate-requests', {
      config: { permission: 'REPORT_GENERATE_REQUEST.VIEW' },
      schema: { tags: TAGS, summary: 'List requests, newest first (statuses as last recorded)', querystring: REQUEST_LIST_QUERY, response: { 200: REQUEST_PAGE, ...errorResponses({}, { 400: VALIDATION_400 }) } },
    }, async (req) => {
      const q = req.query;
      return search(service, links, {
        tenantId: req.tenantId,
        limit: q.limit,
        ...(q.cursor ? { cursor: q.cursor } : {}),
        ...(q.status ? { statuses: q.status.split(',') as RunStatus[] } : {}),
        ...(q.report_code ? { reportCodes: q.report_code.split(',') } : {}),
        ...(q.customer_id ? { customerId: q.customer_id } : {}),
        ...(q.created_from ? { createdFrom: q.created_from } : {}),
        ...(q.created_to ? { createdTo: q.created_to } : {}),
        ...(q.run_type ? { runTypes: q.run_type.split(',') as RunType[] } : {}),
        ...(q.report_subscription_id ? { reportSubscriptionId: q.report_subscription_id } : {}),
      });
    });

    app.post<{ Body: SearchBody }>('/report-generate-requests/search', {
      config: { permission: 'REPORT_GENERATE_REQUEST.VIEW' },
      schema: { tags: TAGS, summary: 'Search requests by status, report code, customer, creation time and metadata', body: REQUEST_SEARCH_BODY, response: { 200: REQUEST_PAGE, ...errorResponses({ body: true }, { 400: VALIDATION_400 }) } },
    }, async (req) => {
      const b = req.body ?? { limit: 20 };
      return search(service, links, {
        tenantId: req.tenantId,
        limit: b.limit ?? 20,
        ...(b.cursor ? { cursor: b.cursor } : {}),
        ...(b.status ? { statuses: b.status } : {}),
        ...(b.report_code ? { reportCodes: b.report_code } : {}),
        ...(b.customer_id ? { customerId: b.customer_id } : {}),
        ...(b.created_from ? { createdFrom: b.created_from } : {}),
        ...(b.created_to ? { createdTo: b.created_to } : {}),
        ...(b.metadata ? { metadata: b.metadata } : {}),
        ...(b.run_type ? { runTypes: b.run_type } : {}),
        ...(b.report_subscription_id ? { reportSubscriptionId: b.report_subscription_id } : {}),
      });
    });

    app.post<{ Params: { id: string } }>('/report-generate-requests/:id/cancel', {
      config: { permission: 'REPORT_GENERATE_REQUEST.CANCEL' },
      schema: { tags: TAGS, summary: 'Cancel a run: its activities stop and nothing is exported afterwards', params: ID_PARAMS, response: { 202: REQUEST_VIEW, ...errorResponses({ body: true }, { 404: NOT_FOUND_BY_ID, 409: 'RUN_FINISHED: the run has already ended. RUN_IN_BULK_BATCH: the run is a document a bulk run makes in a batch; cancel the bulk request.' }) } },
    }, async (req, reply) => {
      return reply.code(202).send(requestToWire(await service.cancel(req.tenantId, req.params.id, req.log), links));
    });

    app.post<{ Params: { id: string } }>('/report-generate-requests/:id/webhook-deliveries/redeliver', {
      config: { permission: 'REPORT_GENERATE_REQUEST.REDELIVER' },
      schema: {
        tags: TAGS,
        summary: 'Send the run\'s webhook event again (same event id, fresh signature and download link) as a new delivery',
        params: ID_PARAMS,
        response: { 202: REQUEST_VIEW, ...errorResponses({ body: true }, { 404: NOT_FOUND_BY_ID, 409: 'WEBHOOK_NOT_REDELIVERABLE: the request has no webhook, its run has not finished, or no event was recorded.' }) },
      },
    }, async (req, reply) => {
      return reply.code(202).send(requestToWire(await service.redeliverWebhook(req.tenantId, req.params.id, req.log), links));
    });
  };
}

async function search(service: ReportRequestService, links: { baseUrl: string }, query: Parameters<ReportRequestService['search']>[0]) {
  return pageToWire(await service.search(query), (state) => requestToWire(state, links));
}

/** @throws ReportError('REQUEST_INVALID') naming the header when it is malformed or sent twice. */
function idempotencyKeyOf(req: FastifyRequest): string | undefined {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(raw)) {
    throw new ReportError('REQUEST_INVALID', 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.', [
      { field: 'Idempotency-Key', code: 'REQUEST_INVALID', message: 'Must be 1 to 255 visible ASCII characters, sent once.' },
    ]);
  }
  return raw;
}
