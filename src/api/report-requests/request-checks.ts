/**
 * A report request body as the checks see it: its wire form (format, export locations, `generate_at`,
 * `data_from`/`data_to`) becomes a domain request, checked by src/requests/check-request.ts against the
 * definition, integrations, webhook rule and data checks. Requests and saved report configurations
 * (presets) share it, so a preset that saves is one that runs.
 */
import type { FastifyRequest } from 'fastify';
import type { ReportDefinition } from '../../catalog/report-definition.js';
import type { AddressAllowList } from '../../notifiers/address-guard.js';
import { OUTPUT_FORMATS, type Language, type OutputFormat, type ReportRequest } from '../../domain/report-request.js';
import { checkRequest, type RequestCheckDeps } from '../../requests/check-request.js';
import { applyDataRange } from './data-range.js';
import type { ApiDeps } from '../deps.js';
import { formatFromAccept, languageFromAcceptLanguage } from '../negotiation.js';
import { toReportRequest, type CreateRequestBody, type RequestDefaults } from './wire.js';

/** A body's domain request, not yet checked, with the field each of its external export locations was given as. */
export interface UncheckedRequest {
  request: ReportRequest;
  /** `locationFields[i]` names `request.exportLocations[i]` as the body wrote it (`export_location[1]`). */
  locationFields: string[];
}

/**
 * The domain request of `body`: `negotiated` fills the fields the body leaves out (`format`, `language`
 * from the Accept headers), `timezone` defaults to `defaultTimeZone`; `data_from`/`data_to` become
 * the definition's period parameters.
 * @throws ReportError (400) as `toReportRequest` and `applyDataRange` throw them.
 */
export function uncheckedRequest(
  catalog: RequestCheckDeps['catalog'],
  body: CreateRequestBody,
  ids: { id: string; tenantId: string; requestedAt: string },
  negotiated: Omit<RequestDefaults, 'timezone'>,
  defaultTimeZone: string | undefined,
): UncheckedRequest {
  const request = toReportRequest(body, ids, { timezone: defaultTimeZone ?? 'UTC', ...negotiated });
  applyDataRange(body, catalog.get(body.report_code), request);
  const locations = body.export_location === undefined ? [] : Array.isArray(body.export_location) ? body.export_location : [body.export_location];
  const locationFields = locations.flatMap((l, i) => (l.variant === 'LOCAL' ? [] : [Array.isArray(body.export_location) ? `export_location[${i}]` : 'export_location']));
  return { request, locationFields };
}

/**
 * The domain request of `body`, checked as a new request is (`uncheckedRequest`, then `checkRequest`).
 * @throws ReportError with the first failing rule's code and its field (400); the database fault (503)
 *   when a data check cannot be run.
 */
export async function checkedRequest(
  deps: Pick<ApiDeps, 'catalog' | 'db' | 'config' | 'integrations'>,
  body: CreateRequestBody,
  ids: { id: string; tenantId: string; requestedAt: string },
  negotiated: Omit<RequestDefaults, 'timezone'>,
  webhookAllow: AddressAllowList,
): Promise<ReportRequest> {
  const { request, locationFields } = uncheckedRequest(deps.catalog, body, ids, negotiated, deps.config.defaultTimeZone);
  await checkRequest({ ...deps, webhookAllow }, request, locationFields);
  return request;
}

/**
 * `format` and `language` the `Accept` / `Accept-Language` headers choose for fields `body` leaves
 * out (src/api/negotiation.ts); they are part of the request an Idempotency-Key stands for. For an
 * unknown report any format may be chosen: validation then names the report code.
 * @throws ReportError('FORMAT_UNSUPPORTED') on `Accept` when it names only formats the report lacks.
 */
export function negotiatedFields(req: FastifyRequest, body: Pick<CreateRequestBody, 'format' | 'language'>, def: ReportDefinition | undefined): { format?: OutputFormat; language?: Language } {
  const offered = def ? OUTPUT_FORMATS.filter((f) => def.formats[f] !== undefined) : OUTPUT_FORMATS;
  const format = body.format === undefined ? formatFromAccept(req.headers.accept, offered) : undefined;
  const language = body.language === undefined ? languageFromAcceptLanguage(req.headers['accept-language']) : undefined;
  return { ...(format ? { format } : {}), ...(language ? { language } : {}) };
}
