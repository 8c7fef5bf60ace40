/**
 * The record-run-state activity (run as a local activity: a single fast database write): mirrors a
 * run's state into the service's own records (src/records), which the API reads. Idempotent: an
 * upsert keyed by the request id that never turns a final state back into a running one.
 */
import type { ReportRequest } from '../src/domain/report-request.js';
import type { RunStateUpdate } from '../src/records/records.js';
import type { ActivityDeps } from './deps.js';

/** @throws database faults as plain errors (retried). */
export function recordRunStateActivity(deps: Pick<ActivityDeps, 'records'>) {
  return async function recordRunState(request: ReportRequest, update: RunStateUpdate): Promise<void> {
    await deps.records.recordRunState(request, update);
  };
}
