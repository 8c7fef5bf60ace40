/**
 * Everything a report request body is checked against before anything is stored or started: its
 * wire form (format, export locations, `generate_at`), the report definition (code, parameters,
 * filters, format, language, zone), the configured integrations, the webhook address rule and the
 * definition's data checks. Requests and saved report configurations (presets) share it, so a preset
 * that saves is one that runs, and a bad one is refused with the same code on the same field.
 */
import type { FastifyRequest } from 'fastify';
import { runDataChecks } from '../catalog/run-data-checks.js';
import type { ReportDefinition } from '../catalog/report-definition.js';
import { validateRequest } from '../catalog/validate-request.js';
import type { Integrations } from '../config/integrations.js';
import { namedValue, ReportError } from '../domain/errors.js';
import { OUTPUT_FORMATS, type Language, type OutputFormat, type ReportRequest } from '../domain/report-request.js';
import type { AddressAllowList } from '../notifiers/address-guard.js';
import { applyDataRange } from './data-range.js';
import type { ApiDeps } from './deps.js';
import { databaseFault } from './errors.js';
import { formatFromAccept, languageFromAcceptLanguage } from './negotiation.js';
import { checkWebhookAddress } from './webhook-address-check.js';
import { toReportRequest, type CreateRequestBody, type RequestDefaults } from './wire.js';

/**
 * The domain request of `body`, checked as a new request is: `negotiated` fills the fields the body
 * leaves out (`format`, `language` from the Accept headers), `timezone` defaults to the configured zone.
 * `runMode` is set to `inline` when the report's definition asks for it.
 * @throws ReportError with the first failing rule's code and its field (400), as `toReportRequest`,
 *   `validateRequest`, `checkIntegrations`, `checkWebhookAddress` and the data checks throw them;
 *   the database fault (503) when a data check cannot be run.
 */
export async function checkedRequest(
  deps: Pick<ApiDeps, 'catalog' | 'db' | 'config' | 'integrations'>,
  body: CreateRequestBody,
  ids: { id: string; tenantId: string; requestedAt: string },
  negotiated: Omit<RequestDefaults, 'timezone'>,
  webhookAllow: AddressAllowList,
): Promise<ReportRequest> {
  const def = deps.catalog.get(body.report_code);
  const request = toReportRequest(body, ids, { timezone: deps.config.defaultTimeZone ?? 'UTC', ...negotiated });
  applyDataRange(body, def, request);
  const validated = validateRequest(deps.catalog, request);
  if (def?.run_mode === 'inline') request.runMode = 'inline';
  if (deps.integrations) checkIntegrations(body, deps.integrations);
  await checkWebhookAddress(request.notify?.webhookUrl, webhookAllow);
  try {
    // validateRequest has refused an unknown report code, so `def` is there.
    await runDataChecks(deps.db, def!, validated);
  } catch (err) {
    throw databaseFault(err);
  }
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

/** @throws ReportError('INTEGRATION_UNKNOWN') naming the location when its integration is not configured for its kind. */
function checkIntegrations(body: CreateRequestBody, integrations: Integrations): void {
  const locations = body.export_location === undefined ? [] : Array.isArray(body.export_location) ? body.export_location : [body.export_location];
  locations.forEach((location, i) => {
    if (location.variant === 'LOCAL' || integrations.get(location.integration_id ?? '')?.type === location.variant) return;
    const field = Array.isArray(body.export_location) ? `export_location[${i}].integration_id` : 'export_location.integration_id';
    throw new ReportError('INTEGRATION_UNKNOWN', `No ${location.variant} integration ${namedValue(location.integration_id, '(the id sent)')} is configured.`, [
      { field, code: 'INTEGRATION_UNKNOWN', message: `is not a configured ${location.variant} integration` },
    ]);
  });
}
