/**
 * How a report run came about (Solvimon's `run_type` and `report_subscription_id`, issue 14). Sandbox-safe.
 */
import type { ReportRequest, RunType } from './report-request.js';

/**
 * A run's origin: as recorded on the request, or, for a subscription's run recorded before requests
 * carried it, read from its id (`<subscription id>:<period key>`, see src/domain/subscription-run.ts),
 * which API requests (UUIDs) never have; such a run counts as SCHEDULED. A bulk run's document
 * (`<bulk id>:<key>`, `metadata.bulk_request_id` set) has such an id too, but was asked for through the
 * API: MANUAL, of no subscription.
 */
export function runOrigin(request: Pick<ReportRequest, 'id' | 'runType' | 'reportSubscriptionId' | 'metadata'>): { runType: RunType; reportSubscriptionId: string | null } {
  const colon = request.id.indexOf(':');
  const fromId = colon > 0 && request.metadata?.['bulk_request_id'] === undefined ? request.id.slice(0, colon) : null;
  return {
    runType: request.runType ?? (fromId ? 'SCHEDULED' : 'MANUAL'),
    reportSubscriptionId: request.reportSubscriptionId ?? fromId,
  };
}
