/**
 * `POST /v1/report-generate-requests` (start a run) and `GET /v1/report-generate-requests/{id}`
 * (its state). A request is validated against its report definition and its data checks before a
 * run starts, so bad input is answered at once with 400 and never reaches a worker.
 */
import type { FastifyPluginAsync } from 'fastify';
import { validateRequest } from '../../catalog/validate-request.js';
import { runDataChecks } from '../../catalog/run-data-checks.js';
import { ReportError } from '../../domain/errors.js';
import { baseUrlOf, type ApiDeps } from '../deps.js';
import { databaseFault } from '../errors.js';
import { RUN_ID_PATTERN, uuidv7 } from '../request-id.js';
import { CREATE_REQUEST_BODY, CREATED_RESPONSE, RUN_RESPONSE } from '../schemas.js';
import { createdToWire, runToWire, toReportRequest, type CreateRequestBody } from '../wire.js';

/** The answer for an id that is unknown to the caller's tenant (another tenant's id included). */
export function runNotFound(id: string): ReportError {
  return new ReportError('NOT_FOUND', `No report request ${id}.`, [{ field: 'id', code: 'NOT_FOUND', message: 'Unknown id.' }]);
}

export function reportRequestRoutes(deps: Pick<ApiDeps, 'catalog' | 'db' | 'runs' | 'config'>): FastifyPluginAsync {
  return async (app) => {
    const links = { baseUrl: baseUrlOf(deps.config) };

    app.post<{ Body: CreateRequestBody }>('/report-generate-requests', {
      schema: { body: CREATE_REQUEST_BODY, response: { 201: CREATED_RESPONSE } },
    }, async (req, reply) => {
      const request = toReportRequest(req.body, { id: uuidv7(), tenantId: req.tenantId, requestedAt: new Date().toISOString() });
      const validated = validateRequest(deps.catalog, request);
      const def = deps.catalog.get(request.reportCode)!;
      try {
        await runDataChecks(deps.db, def, validated);
      } catch (err) {
        throw databaseFault(err);
      }
      await deps.runs.start(request);
      req.log.info({ runId: request.id, tenantId: request.tenantId, reportCode: request.reportCode, format: request.format }, 'run started');
      const body = createdToWire(request, links);
      return reply.code(201).header('location', body.links.self).send(body);
    });

    app.get<{ Params: { id: string } }>('/report-generate-requests/:id', {
      schema: { response: { 200: RUN_RESPONSE } },
    }, async (req) => {
      const { id } = req.params;
      const view = RUN_ID_PATTERN.test(id) ? await deps.runs.get(req.tenantId, id) : undefined;
      if (!view) throw runNotFound(id);
      return runToWire(view, links);
    });
  };
}
