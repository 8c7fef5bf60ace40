/**
 * Report generate requests: create (with `Idempotency-Key`), read, list, search, cancel, and send
 * the run's webhook event again.
 * A request is validated against its report definition, its filters and its data checks before
 * anything is stored or started, so bad input is answered at once with 400 and changes nothing.
 * A request may run a saved report configuration (`report_configuration_id`), its own fields in
 * place of the configuration's (src/api/configuration-wire.ts); the run records the id and version.
 * Records come from the service's store (src/records); a run still going shows its live stage, and a
 * run Temporal knows before its first record write (a subscription's) is read from Temporal.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ReportError } from '../../domain/errors.js';
import type { ReportRequest, RunType } from '../../domain/report-request.js';
import type { RunStatus } from '../../domain/run-status.js';
import { WEBHOOK_RETRY_SCHEDULE } from '../../domain/webhook-delivery.js';
import { AddressAllowList } from '../../notifiers/address-guard.js';
import { FINAL_STATUSES } from '../../records/records.js';
import { resolveGenerateBody, type GenerateRequestBody } from '../configuration-wire.js';
import { resolveTemplateRun } from '../template-runs.js';
import { baseUrlOf, type ApiDeps } from '../deps.js';
import { databaseFault } from '../errors.js';
import { FORMAT_MEDIA_TYPES } from '../negotiation.js';
import { CONFIGURATION_404, errorResponses, NOT_FOUND_BY_ID, TEMPLATE_404, VALIDATION_400 } from '../error-responses.js';
import { ID_PARAMS, REQUEST_LIST_QUERY, REQUEST_PAGE, REQUEST_SEARCH_BODY, REQUEST_VIEW } from '../record-schemas.js';
import { canonicalBodySha256, currentState, pageToWire, requestToWire, stateOfRecord, stateOfRun, type RequestState } from '../record-wire.js';
import { checkedRequest, negotiatedFields } from '../request-checks.js';
import { RUN_ID_PATTERN, uuidv7 } from '../request-id.js';
import { CREATE_REQUEST_BODY } from '../schemas.js';

/** The answer for an id that is unknown to the caller's tenant (another tenant's id included). */
export function runNotFound(id: string): ReportError {
  return new ReportError('NOT_FOUND', `No report request ${id.slice(0, 200)}.`, [{ field: 'id', code: 'NOT_FOUND', message: 'Unknown id.' }]);
}

/** `Idempotency-Key`: 1–255 visible ASCII characters (as in the IETF httpapi idempotency-key draft's examples). */
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

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
    const webhookAllow = new AddressAllowList(deps.config.webhookAllowHosts ?? []);

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
      const request: ReportRequest = {
        ...(await checkedRequest({ ...deps, catalog }, asked, { id: uuidv7(), tenantId: req.tenantId, requestedAt: new Date().toISOString() }, negotiated, webhookAllow)),
        runType: 'MANUAL',
        ...(configuration ? { reportConfigurationId: configuration.id, reportConfigurationVersion: configuration.version } : {}),
        ...(template ? { templateId: template.id, templateVersion: template.version } : {}),
      };
      const claim = idempotencyKey === undefined
        ? undefined
        : { key: idempotencyKey, bodySha256: canonicalBodySha256({ ...negotiated, ...req.body }), ttlSeconds: deps.config.idempotencyTtlHours * 3600 };
      let outcome;
      try {
        outcome = await deps.records.createRequest(request, claim);
      } catch (err) {
        throw databaseFault(err);
      }
      if (outcome.kind === 'conflict') {
        throw new ReportError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body.', [
          { field: 'Idempotency-Key', code: 'IDEMPOTENCY_KEY_REUSED', message: `Already names request ${outcome.requestId}; use a new key for a new request.` },
        ]);
      }
      if (outcome.kind === 'replayed') {
        const body = requestToWire(await currentState(deps.runs, outcome.record), links);
        return reply.code(201).header('location', body.links.self).header('x-idempotency-replayed', 'true').send(body);
      }
      try {
        await deps.runs.start(request);
      } catch (err) {
        // Nothing runs for this record: say so on it, and free the key so a retry can start afresh.
        const error = { code: 'UNAVAILABLE', message: 'The run could not be started.', errors: [] };
        await deps.records.recordStartFailed(request.tenantId, request.id, error, idempotencyKey).catch((e: unknown) => req.log.error({ err: e }, 'could not record a failed start'));
        throw err;
      }
      req.log.info({ runId: request.id, tenantId: request.tenantId, reportCode: request.reportCode, format: request.format }, 'run started');
      const body = requestToWire(stateOfRecord(outcome.record), links);
      return reply.code(201).header('location', body.links.self).send(body);
    });

    app.get<{ Params: { id: string } }>('/report-generate-requests/:id', {
      config: { permission: 'REPORT_GENERATE_REQUEST.VIEW' },
      schema: { tags: TAGS, summary: 'One request with its status, stage and report', params: ID_PARAMS, response: { 200: REQUEST_VIEW, ...errorResponses({}, { 404: NOT_FOUND_BY_ID }) } },
    }, async (req) => {
      return requestToWire(await readState(deps, req.tenantId, req.params.id), links);
    });

    app.get<{ Querystring: ListQuery }>('/report-generate-requests', {
      config: { permission: 'REPORT_GENERATE_REQUEST.VIEW' },
      schema: { tags: TAGS, summary: 'List requests, newest first (statuses as last recorded)', querystring: REQUEST_LIST_QUERY, response: { 200: REQUEST_PAGE, ...errorResponses({}, { 400: VALIDATION_400 }) } },
    }, async (req) => {
      const q = req.query;
      return search(deps, links, {
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
      return search(deps, links, {
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
      schema: { tags: TAGS, summary: 'Cancel a run: its activities stop and nothing is exported afterwards', params: ID_PARAMS, response: { 202: REQUEST_VIEW, ...errorResponses({ body: true }, { 404: NOT_FOUND_BY_ID, 409: 'RUN_FINISHED: the run has already ended.' }) } },
    }, async (req, reply) => {
      const before = await readState(deps, req.tenantId, req.params.id);
      if (FINAL_STATUSES.includes(before.status)) throw runFinished(before.status);
      const id = before.request.id;
      const asked = await deps.runs.cancel(req.tenantId, id);
      const after = await readState(deps, req.tenantId, id).catch(() => before);
      if (!asked && after.status !== 'CANCELLED' && FINAL_STATUSES.includes(after.status)) throw runFinished(after.status);
      req.log.info({ runId: id, tenantId: req.tenantId }, 'run cancel requested');
      return reply.code(202).send(requestToWire(after, links));
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
      const before = await readState(deps, req.tenantId, req.params.id);
      const { request } = before;
      if (!request.notify?.webhookUrl) throw notRedeliverable('The request has no webhook (notify.webhook_url), so there is nothing to send again.');
      if (!FINAL_STATUSES.includes(before.status)) throw notRedeliverable(`The run has not finished (${before.status}); its event is sent when it does.`);
      let event;
      try {
        event = await deps.records.latestWebhookEvent(req.tenantId, request.id);
      } catch (err) {
        throw databaseFault(err);
      }
      if (!event) throw notRedeliverable('No webhook event was recorded for this run.');
      const deliveryId = uuidv7();
      await deps.runs.deliverWebhook({ deliveryId, request, event, redelivery: true, linkSignedAt: new Date().toISOString(), schedule: WEBHOOK_RETRY_SCHEDULE });
      // The delivery records itself as it starts; recording it here too lets this answer show it.
      await deps.records
        .recordWebhookDelivery({ deliveryId, tenantId: req.tenantId, requestId: request.id, event, redelivery: true, status: 'PENDING' })
        .catch((err: unknown) => req.log.warn({ err }, 'redelivery not recorded by the API'));
      req.log.info({ runId: request.id, tenantId: req.tenantId, deliveryId, eventType: event.type }, 'webhook redelivery started');
      const after = await readState(deps, req.tenantId, request.id).catch(() => before);
      return reply.code(202).send(requestToWire(after, links));
    });
  };
}

/** 409: nothing to send again (no webhook, run not finished, no event recorded). */
function notRedeliverable(message: string): ReportError {
  return new ReportError('WEBHOOK_NOT_REDELIVERABLE', message, [{ field: 'id', code: 'WEBHOOK_NOT_REDELIVERABLE', message }]);
}

/**
 * The current state of request `id` of `tenantId`: its record (with the live stage while it runs),
 * or, when there is no record, Temporal's view of the run — a subscription's run before its first
 * record write, or one whose writes failed.
 * @throws ReportError NOT_FOUND (404) when neither knows it for this tenant; UNAVAILABLE (503) when
 * the record is missing and Temporal cannot be reached; the database fault (503) when the store fails.
 */
async function readState(deps: Pick<ApiDeps, 'records' | 'runs'>, tenantId: string, id: string): Promise<RequestState> {
  if (!RUN_ID_PATTERN.test(id)) throw runNotFound(id);
  let record;
  try {
    record = await deps.records.getRequest(tenantId, id);
  } catch (err) {
    throw databaseFault(err);
  }
  if (record) return currentState(deps.runs, record);
  const live = await deps.runs.get(tenantId, id);
  if (!live) throw runNotFound(id);
  return stateOfRun(live);
}

async function search(deps: Pick<ApiDeps, 'records'>, links: { baseUrl: string }, query: Parameters<ApiDeps['records']['searchRequests']>[0]) {
  let page;
  try {
    page = await deps.records.searchRequests(query);
  } catch (err) {
    throw databaseFault(err);
  }
  return pageToWire(page, (record) => requestToWire(stateOfRecord(record), links));
}

function runFinished(status: RunStatus): ReportError {
  return new ReportError('RUN_FINISHED', `The run has already finished (${status}); there is nothing to cancel.`, [
    { field: 'id', code: 'RUN_FINISHED', message: `Status is ${status}.` },
  ]);
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
