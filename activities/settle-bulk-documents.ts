/**
 * What a bulk run does with a batch whose `produceBulkDocuments` failed for good (its last retry failed,
 * or a fault it cannot retry): it reads how each document of the batch ended, from the records, instead
 * of counting them all failed. Without it, a document the failed attempts had left in production stayed
 * RUNNING in the records for ever, documents the batch never reached had no record at all (their ids,
 * listed among the bulk run's failures, answered 404), and documents it had made were counted failed
 * although their records said SUCCEEDED.
 *
 * - SUCCEEDED, FAILED and CANCELLED records are counted as they are.
 * - A document left RUNNING, or never started: what it may have delivered to the report store is taken
 *   back (idempotent), and it is recorded FAILED with the batch's error, so every document of a bulk run
 *   ends with a final record and no file of a FAILED one can be downloaded.
 * - Idempotent: a retry reads the records it wrote as FAILED and counts them so.
 */
import { bulkDocumentRequest, MAX_LISTED_FAILURES, type BulkBatchResult, type BulkRequest } from '../src/domain/bulk-request.js';
import type { RunError } from '../src/domain/run-status.js';
import type { BulkDocumentSteps } from './produce-bulk-documents.js';

/** Input of `settleBulkDocuments`. */
export interface SettleBatchInput {
  bulk: BulkRequest;
  /** The failed batch's keys, each one document. */
  keys: string[];
  /** The batch's failure: its error code (e.g. `INTERNAL`, `UNAVAILABLE`) and message. */
  error: Pick<RunError, 'code' | 'message'>;
}

/**
 * @returns the batch's counts, every key counted once, as its record says (after recording the
 *   unfinished ones FAILED).
 * @throws database and store faults (retried by the activity's retry policy).
 */
export function settleBulkDocumentsActivity(steps: Pick<BulkDocumentSteps, 'records' | 'recordRunState' | 'withdraw'>) {
  return async function settleBulkDocuments(input: SettleBatchInput): Promise<BulkBatchResult> {
    const result: BulkBatchResult = { succeeded: 0, failed: 0, cancelled: 0, failures: [] };
    for (const key of input.keys) {
      const request = bulkDocumentRequest(input.bulk, key);
      const recorded = await steps.records.getRequest(request.tenantId, request.id);
      if (recorded?.status === 'SUCCEEDED') {
        result.succeeded++;
        continue;
      }
      if (recorded?.status === 'CANCELLED') {
        result.cancelled++;
        continue;
      }
      let code = recorded?.error?.code ?? 'INTERNAL';
      if (recorded?.status !== 'FAILED') {
        await steps.withdraw(request);
        await steps.recordRunState(request, {
          status: 'FAILED',
          stage: recorded?.stage ?? 'VALIDATE',
          error: { ...input.error, errors: [] },
          completedAt: new Date().toISOString(),
        });
        code = input.error.code;
      }
      result.failed++;
      if (result.failures.length < MAX_LISTED_FAILURES) result.failures.push({ key, requestId: request.id, code });
    }
    return result;
  };
}
