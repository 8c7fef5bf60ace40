/**
 * `GET /v1/report-definitions` and `GET /v1/report-definitions/{code}`: the report catalog, with
 * each definition's parameters as JSON Schema, so clients can build valid requests.
 */
import type { FastifyPluginAsync } from 'fastify';
import { ReportError } from '../../domain/errors.js';
import type { ApiDeps } from '../deps.js';
import { errorResponses } from '../error-responses.js';
import { REPORT_CODE } from '../shared-schemas.js';
import { DEFINITION_LIST_RESPONSE, DEFINITION_RESPONSE } from './schemas.js';
import { definitionToWire } from './wire.js';

const TAGS = ['Report definitions'];
const CODE_PARAMS = { type: 'object', required: ['code'], properties: { code: REPORT_CODE } } as const;

export function reportDefinitionRoutes(deps: Pick<ApiDeps, 'catalog'>): FastifyPluginAsync {
  return async (app) => {
    const sorted = [...deps.catalog.values()].sort((a, b) => a.code.localeCompare(b.code));

    app.get('/report-definitions', { config: { permission: null }, schema: { tags: TAGS, summary: 'The report catalog', response: { 200: DEFINITION_LIST_RESPONSE, ...errorResponses({}) } } }, async () => ({
      items: sorted.map(definitionToWire),
    }));

    app.get<{ Params: { code: string } }>('/report-definitions/:code', { config: { permission: null }, schema: { tags: TAGS, summary: 'One report definition: parameters, formats, columns, period, filterable fields', params: CODE_PARAMS, response: { 200: DEFINITION_RESPONSE, ...errorResponses({}, { 404: 'NOT_FOUND: no report definition has this code.' }) } } }, async (req) => {
      const def = deps.catalog.get(req.params.code);
      if (!def) throw new ReportError('NOT_FOUND', `No report definition ${req.params.code.slice(0, 200)}.`, [{ field: 'code', code: 'NOT_FOUND', message: 'Unknown report code.' }]);
      return definitionToWire(def);
    });
  };
}
