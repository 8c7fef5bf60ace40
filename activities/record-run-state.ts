/**
 * The record-run-state activity (run as a local activity: a single fast database write): mirrors a
 * run's state into the service's own records (src/records), which the API reads. Idempotent: an
 * upsert keyed by the request id that never turns a final state back into a running one, unless the
 * write comes from a new execution of the request (a failed subscription period run again): the
 * workflow execution's run id goes with every write.
 */
import { Context } from '@temporalio/activity';
import type { ReportRequest } from '../src/domain/report-request.js';
import type { RunStateUpdate } from '../src/records/records.js';
import type { ActivityDeps } from './deps.js';

/** @throws database faults as plain errors (retried). */
export function recordRunStateActivity(deps: Pick<ActivityDeps, 'records'>) {
  return async function recordRunState(request: ReportRequest, update: RunStateUpdate): Promise<void> {
    const executionId = Context.current().info.workflowExecution?.runId;
    await deps.records.recordRunState(request, { ...update, ...(executionId ? { executionId } : {}) });
  };
}
