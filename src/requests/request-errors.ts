/** The refusals of the report-request use case that are not validation of the request itself. */
import { ReportError } from '../domain/errors.js';
import type { RunStatus } from '../domain/run-status.js';

/** The answer for an id that is unknown to the caller's tenant (another tenant's id included): 404 NOT_FOUND. */
export function runNotFound(id: string): ReportError {
  return new ReportError('NOT_FOUND', `No report request ${id.slice(0, 200)}.`, [{ field: 'id', code: 'NOT_FOUND', message: 'Unknown id.' }]);
}

/** 409 RUN_FINISHED: a cancel of a run that has already ended with `status`. */
export function runFinished(status: RunStatus): ReportError {
  return new ReportError('RUN_FINISHED', `The run has already finished (${status}); there is nothing to cancel.`, [
    { field: 'id', code: 'RUN_FINISHED', message: `Status is ${status}.` },
  ]);
}

/** 409 RUN_IN_BULK_BATCH: a document made in a bulk run's batch has no run of its own to cancel. */
export function runInBulkBatch(bulkId: string): ReportError {
  const message = `The run is a document of bulk request ${bulkId}, made in a batch with others; cancel the bulk request instead.`;
  return new ReportError('RUN_IN_BULK_BATCH', message, [{ field: 'id', code: 'RUN_IN_BULK_BATCH', message }]);
}

/** 409 WEBHOOK_NOT_REDELIVERABLE: nothing to send again (no webhook, run not finished, no event recorded). */
export function notRedeliverable(message: string): ReportError {
  return new ReportError('WEBHOOK_NOT_REDELIVERABLE', message, [{ field: 'id', code: 'WEBHOOK_NOT_REDELIVERABLE', message }]);
}
