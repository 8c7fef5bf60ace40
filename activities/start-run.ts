/**
 * The start of an inline run as one local activity: records the run RUNNING in VALIDATE (the first
 * `recordRunState` write) and validates the request (`validateRequest`). Each local activity is a workflow
 * activation of its own (the SDK's workflow thread, the worker's main thread and Temporal's core all handle
 * it): leaving out one of an invoice's seven cut the machine's CPU per PDF by ~5 % (npm run bench's CPU
 * split, 8 concurrent, alternated runs), so the two short steps that open every inline run are one.
 */
import type { ReportRequest, ValidatedRequest } from '../src/domain/report-request.js';
import type { RunStateUpdate } from '../src/records/records.js';

/**
 * @param record the `recordRunState` activity's function (an upsert: a retry writes the same row).
 * @param validate the `validateRequest` activity's function (reads only).
 * @returns what `validate` returns.
 * @throws what `record` throws (database faults, retried), before validating; what `validate` throws (a
 *   bad request is a non-retryable failure with its code).
 */
export function startRunActivity(
  record: (request: ReportRequest, update: RunStateUpdate) => Promise<void>,
  validate: (request: ReportRequest) => Promise<ValidatedRequest>,
) {
  return async function startRun(request: ReportRequest, running: RunStateUpdate): Promise<ValidatedRequest> {
    await record(request, running);
    return validate(request);
  };
}
