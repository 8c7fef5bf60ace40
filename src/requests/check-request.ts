/**
 * Everything a new report request is checked against before anything is stored or started, once its
 * wire form has become a domain request: the report definition (code, parameters, filters, format,
 * language, zone), the configured integrations, the webhook address rule and the definition's data
 * checks. Requests and saved report configurations (presets) share it, so a preset that saves is one
 * that runs, and a bad one is refused with the same code on the same field.
 */
import type { Catalog } from '../catalog/load-catalog.js';
import { runDataChecks } from '../catalog/run-data-checks.js';
import { validateRequest } from '../catalog/validate-request.js';
import type { Integrations } from '../config/integrations.js';
import type { Database } from '../data/database.js';
import { databaseFault } from '../data/database-fault.js';
import { namedValue, ReportError } from '../domain/errors.js';
import type { ReportRequest } from '../domain/report-request.js';
import type { AddressAllowList } from '../notifiers/address-guard.js';
import { checkWebhookAddress } from '../notifiers/webhook-address-check.js';

/** What a request is checked against. */
export interface RequestCheckDeps {
  /** Report definitions by code (with a template's definition when the request runs one). */
  catalog: Catalog;
  /** Report data, for the definitions' data checks (e.g. "the invoice exists"). */
  db: Database;
  /** Configured export integrations; unset: `integrationId` is not checked here. */
  integrations?: Integrations;
  /** Private webhook hosts allowed (`REPORTFLOW_WEBHOOK_ALLOW_HOSTS`). */
  webhookAllow: AddressAllowList;
}

/**
 * Checks `request` as a new one is checked, and sets `runMode` to `inline` when its report's definition
 * asks for it. `locationFields[i]` is the field `request.exportLocations[i]` was given as (e.g.
 * `export_location[1]`), so a refusal names what the client wrote.
 * @throws ReportError with the first failing rule's code and its field (400), as `validateRequest`,
 *   the integration check (INTEGRATION_UNKNOWN), `checkWebhookAddress` and the data checks throw them;
 *   the database fault (503) when a data check cannot be run.
 */
export async function checkRequest(deps: RequestCheckDeps, request: ReportRequest, locationFields: readonly string[] = []): Promise<void> {
  const def = deps.catalog.get(request.reportCode);
  const validated = validateRequest(deps.catalog, request);
  if (def?.run_mode === 'inline') request.runMode = 'inline';
  if (deps.integrations) checkIntegrations(request, deps.integrations, locationFields);
  await checkWebhookAddress(request.notify?.webhookUrl, deps.webhookAllow);
  try {
    // validateRequest has refused an unknown report code, so `def` is there.
    await runDataChecks(deps.db, def!, validated);
  } catch (err) {
    throw databaseFault(err);
  }
}

/** @throws ReportError('INTEGRATION_UNKNOWN') naming the location when its integration is not configured for its kind. */
function checkIntegrations(request: ReportRequest, integrations: Integrations, locationFields: readonly string[]): void {
  (request.exportLocations ?? []).forEach((location, i) => {
    if (integrations.get(location.integrationId)?.type === location.variant) return;
    const field = `${locationFields[i] ?? `export_location[${i}]`}.integration_id`;
    throw new ReportError('INTEGRATION_UNKNOWN', `No ${location.variant} integration ${namedValue(location.integrationId, '(the id sent)')} is configured.`, [
      { field, code: 'INTEGRATION_UNKNOWN', message: `is not a configured ${location.variant} integration` },
    ]);
  });
}
