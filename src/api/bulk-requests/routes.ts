/**
 * `/v1/report-bulk-requests`: one request, one document per key of the report's keys query (e.g. every
 * invoice of a month), each a report run of its own (workflows/bulk-report.ts). Create (202 with the
 * id at once), read its progress, download its ZIP, cancel. Same auth, permissions (those of report generate requests)
 * and tenancy as the rest of the API; each document is a report generate request of the tenant,
 * `<bulk id>:<key>`, with `metadata.bulk_request_id`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { validateBulkRequest } from '../../catalog/validate-bulk.js';
import { DEFAULT_BULK_CONCURRENCY, type BulkRequest } from '../../domain/bulk-request.js';
import { ReportError } from '../../domain/errors.js';
import type { BulkGateway } from '../../temporal/bulk-runs.js';
import { BULK_ID_PARAMS, BULK_VIEW, CREATE_BULK_BODY, ZIP_RESPONSE } from './schemas.js';
import { bulkToWire } from './wire.js';
import { AddressAllowList } from '../../notifiers/address-guard.js';
import { checkWebhookAddress } from '../../notifiers/webhook-address-check.js';
import { sendFile } from '../send-file.js';
import { baseUrlOf, type ApiDeps } from '../deps.js';
import { errorResponses, NOT_FOUND_BY_ID, VALIDATION_400 } from '../error-responses.js';
import { uuidv7 } from '../../requests/request-id.js';
import { toReportRequest, type CreateRequestBody } from '../report-requests/wire.js';

const TAGS = ['Report bulk requests'];

/** `POST /v1/report-bulk-requests` body, after schema validation. */
type BulkBody = Pick<CreateRequestBody, 'report_code' | 'parameter_values' | 'format' | 'language' | 'timezone' | 'filters' | 'metadata'> & {
  concurrency?: number;
  notify?: { webhook_url: string };
  zip?: boolean;
};

function notFound(id: string): ReportError {
  return new ReportError('NOT_FOUND', `No bulk request ${id}.`, [{ field: 'id', code: 'NOT_FOUND', message: 'Unknown id.' }]);
}

/** The bulk routes, as a plugin for the authenticated `/v1` scope. */
export function reportBulkRoutes(deps: Pick<ApiDeps, 'catalog' | 'config' | 'destination'> & { bulk: BulkGateway }): FastifyPluginAsync {
  return async (app) => {
    const baseUrl = baseUrlOf(deps.config);
    const webhookAllow = new AddressAllowList(deps.config.webhookAllowHosts ?? []);

    app.post<{ Body: BulkBody }>('/report-bulk-requests', {
      schema: { tags: TAGS, summary: 'Make one document per key (e.g. every invoice of a period), each a report run', body: CREATE_BULK_BODY, response: { 202: BULK_VIEW, ...errorResponses({ body: true }, { 400: VALIDATION_400 }) } },
      config: { permission: 'REPORT_GENERATE_REQUEST.CREATE' },
    }, async (req, reply) => {
      const { concurrency, notify, zip, ...fields } = req.body;
      await checkWebhookAddress(notify?.webhook_url, webhookAllow);
      const ids = { id: uuidv7(), tenantId: req.tenantId, requestedAt: new Date().toISOString() };
      const asRequest = toReportRequest(fields as CreateRequestBody, ids, { timezone: deps.config.defaultTimeZone ?? 'UTC' });
      const validated = validateBulkRequest(deps.catalog, asRequest);
      const { id, tenantId, requestedAt, parameterValues, ...template } = asRequest;
      // An inline report's documents are made in batches, not as a workflow each (workflows/bulk-report.ts).
      if (deps.catalog.get(template.reportCode)?.run_mode === 'inline') template.runMode = 'inline';
      const request: BulkRequest = {
        id, tenantId, requestedAt,
        template: { ...template, parameterValues: [] },
        keyParameter: validated.keyParameter,
        keyParameters: validated.keyParameters,
        ...(validated.period ? { period: validated.period } : {}),
        concurrency: concurrency ?? DEFAULT_BULK_CONCURRENCY,
        ...(notify ? { notify: { webhookUrl: notify.webhook_url } } : {}),
        ...(zip ? { zip: true } : {}),
      };
      await deps.bulk.start(request);
      req.log.info({ bulkRequestId: id, tenantId, reportCode: template.reportCode, keyParameters: parameterValues.length }, 'bulk request accepted');
      return reply.code(202).header('location', `${baseUrl}/v1/report-bulk-requests/${id}`).send(bulkToWire({ request, status: 'RUNNING', ended: 0, state: { status: 'RUNNING', started: 0, succeeded: 0, failed: 0, cancelled: 0, failures: [] } }, baseUrl));
    });

    app.get<{ Params: { id: string } }>('/report-bulk-requests/:id', {
      schema: { tags: TAGS, summary: 'A bulk request\'s progress: documents in all, ended, succeeded, failed', params: BULK_ID_PARAMS, response: { 200: BULK_VIEW, ...errorResponses({}, { 404: NOT_FOUND_BY_ID }) } },
      config: { permission: 'REPORT_GENERATE_REQUEST.VIEW' },
    }, async (req) => {
      const view = await deps.bulk.get(req.tenantId, req.params.id);
      if (!view) throw notFound(req.params.id);
      return bulkToWire(view, baseUrl);
    });

    app.get<{ Params: { id: string } }>('/report-bulk-requests/:id/zip', {
      schema: { tags: TAGS, summary: 'Download the ZIP of the bulk run\'s SUCCEEDED documents (requests with `zip: true`, once it ended)', params: BULK_ID_PARAMS, response: { 200: ZIP_RESPONSE, ...errorResponses({}, {
        404: `${NOT_FOUND_BY_ID} Also when the bulk request asked for no ZIP, or the ZIP is gone from the store.`,
        409: 'REPORT_NOT_READY: the ZIP is not made yet (the run is still going), or will not be (the run was cancelled, or zipping failed: see `zip_error`).',
      }) } },
      config: { permission: 'REPORT.VIEW' },
    }, async (req, reply) => {
      const view = await deps.bulk.get(req.tenantId, req.params.id);
      if (!view?.request.zip) throw notFound(req.params.id);
      const zip = view.state?.zip;
      if (!zip) throw new ReportError('REPORT_NOT_READY', view.status === 'RUNNING' ? 'The ZIP is not made yet; try again once the bulk run has ended.' : `The bulk run ended ${view.status} without a ZIP.`);
      return sendFile(reply, deps.destination, { ...zip, contentType: 'application/zip' });
    });

    app.post<{ Params: { id: string } }>('/report-bulk-requests/:id/cancel', {
      schema: { tags: TAGS, summary: 'Stop making documents: those not begun are not made, those in production are cancelled (and take back what they delivered)', params: BULK_ID_PARAMS, response: { 202: { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' } } }, ...errorResponses({}, { 404: NOT_FOUND_BY_ID }) } },
      config: { permission: 'REPORT_GENERATE_REQUEST.CANCEL' },
    }, async (req, reply) => {
      if (!(await deps.bulk.cancel(req.tenantId, req.params.id))) throw notFound(req.params.id);
      return reply.code(202).send({ id: req.params.id, status: 'CANCELLING' });
    });
  };
}
