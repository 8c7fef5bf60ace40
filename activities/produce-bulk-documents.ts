/**
 * A batch of a bulk run's documents made in one activity: for each key, the document's request is
 * recorded RUNNING and validated (`startRun`), its data stages run (`produceReport`: query → render →
 * export to the report store, which records the file), and its end is recorded, as an inline run's
 * workflow would, but without a workflow per document. Why: a bulk run of 1,000 invoices as child
 * workflows cost the machine more per document than 1,000 single requests (each child is a workflow
 * with its own tasks, markers and search attributes, plus its start and end in the parent's history);
 * here a batch of `BULK_BATCH_DOCUMENTS` documents costs one activity task.
 *
 * - Idempotent: a document's id is `<bulk id>:<key>` and every write is keyed by it (record upserts; the
 *   report store keeps the first file of a name). A retried attempt first looks up each document's
 *   record and does not make again one that already ended SUCCEEDED or FAILED (FAILED is for good).
 * - A document whose request is bad for good (a `ReportError`: e.g. no data for its key) is recorded
 *   FAILED with its code and counted; the others go on. Any other fault (database, browser) fails the
 *   attempt once the documents in production have ended, and the retry carries on where it stopped.
 * - Heartbeats every `HEARTBEAT_EVERY_MS` while it runs, with its counts as details. The worker sends at most
 *   one a second (`maxHeartbeatThrottleInterval`), and a cancel is learnt from the answer to one.
 * - A cancel the workflow asked for: no document is started after it, and those in production stop (their
 *   stages honour the cancel as in any run), take back what they had delivered and are recorded CANCELLED.
 *   The batch then returns its counts, the documents it did not make counted `cancelled`. It returns
 *   rather than throws, so the counts reach the workflow as a plain result.
 * - Stopped for another reason (its worker shutting down, a timeout, a pause or reset): the attempt fails,
 *   and the retry makes what this one did not.
 */
import { CancelledFailure, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { bulkDocumentRequest, MAX_LISTED_FAILURES, type BulkBatchResult, type BulkRequest } from '../src/domain/bulk-request.js';
import type { ReportRequest, ValidatedRequest } from '../src/domain/report-request.js';
import { runCancelledError, type RunError, type Stage } from '../src/domain/run-status.js';
import type { RecordStore, RunStateUpdate } from '../src/records/records.js';
import type { ProduceReportInput, ProducedReport } from './produce-report.js';
import { toFailure } from './to-failure.js';

/** Input of `produceBulkDocuments`. */
export interface BulkBatchInput {
  bulk: BulkRequest;
  /** The batch's keys (at most `BULK_BATCH_DOCUMENTS`), each one document. */
  keys: string[];
  /** Documents of this batch in production at once (≥ 1). */
  concurrency: number;
}

/** The steps a document goes through: the activities of an inline run, as plain functions. */
export interface BulkDocumentSteps {
  records: Pick<RecordStore, 'getRequest'>;
  /** Records the request RUNNING, then validates it (the `startRun` activity). */
  startRun(request: ReportRequest, running: RunStateUpdate): Promise<ValidatedRequest>;
  /** Query → render → export to the report store (the `produceReport` activity). */
  produceReport(input: ProduceReportInput): Promise<ProducedReport>;
  /** Writes the request's state (the `recordRunState` activity: an upsert). */
  recordRunState(request: ReportRequest, update: RunStateUpdate): Promise<void>;
  /** Takes back what the request delivered to the report store, and its report record (idempotent). */
  withdraw(request: ReportRequest): Promise<void>;
}

/** How often the batch calls `heartbeat`, in ms (the SDK throttles what it sends to the server). */
const HEARTBEAT_EVERY_MS = 1_000;

type Outcome = { status: 'SUCCEEDED' } | { status: 'CANCELLED' } | { status: 'FAILED'; code: string };

/**
 * @returns the batch's counts (every key counted once: succeeded, failed, or cancelled when the activity
 *   was cancelled before making it).
 * @throws a transient fault of a document (retried by the activity's retry policy), after the others in
 *   production ended; the stop's CancelledFailure (retried) when stopped other than by the workflow's cancel.
 */
export function produceBulkDocumentsActivity(steps: BulkDocumentSteps) {
  return async function produceBulkDocuments(input: BulkBatchInput): Promise<BulkBatchResult> {
    const context = Context.current();
    // The first attempt of a batch finds no records of its documents: only a retry looks them up.
    const retry = context.info.attempt > 1;
    const result: BulkBatchResult = { succeeded: 0, failed: 0, cancelled: 0, failures: [] };
    let next = 0;
    let fault: unknown;
    // Asked by the workflow (the bulk run was cancelled), not a worker shutdown, timeout, pause or reset.
    const cancelled = () => context.cancellationSignal.aborted && context.cancellationDetails?.cancelRequested === true;
    const slot = async () => {
      while (next < input.keys.length && fault === undefined && !context.cancellationSignal.aborted) {
        const key = input.keys[next++]!;
        const request = bulkDocumentRequest(input.bulk, key);
        try {
          const outcome = await makeDocument(steps, request, retry, cancelled);
          if (outcome.status === 'SUCCEEDED') result.succeeded++;
          else if (outcome.status === 'CANCELLED') result.cancelled++;
          else {
            result.failed++;
            if (result.failures.length < MAX_LISTED_FAILURES) result.failures.push({ key, requestId: request.id, code: outcome.code });
          }
        } catch (err) {
          fault ??= err;
        }
      }
    };
    context.heartbeat(result);
    const beat = setInterval(() => context.heartbeat(result), HEARTBEAT_EVERY_MS);
    try {
      await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency, input.keys.length)) }, slot));
    } finally {
      clearInterval(beat);
    }
    if (fault !== undefined) throw fault;
    if (context.cancellationSignal.aborted && !cancelled()) throw new CancelledFailure(`Stopped (${String(context.cancellationSignal.reason)}) before the batch ended; retried.`);
    result.cancelled += input.keys.length - next;
    return result;
  };
}

/**
 * Makes one document and records its end; one stopped by the workflow's cancel (`cancelled()`) is taken back.
 * @throws a transient fault (nothing recorded as ended).
 */
async function makeDocument(steps: BulkDocumentSteps, request: ReportRequest, retry: boolean, cancelled: () => boolean): Promise<Outcome> {
  if (retry) {
    const recorded = await steps.records.getRequest(request.tenantId, request.id);
    if (recorded?.status === 'SUCCEEDED') return { status: 'SUCCEEDED' };
    if (recorded?.status === 'FAILED') return { status: 'FAILED', code: recorded.error?.code ?? 'INTERNAL' };
  }
  let stage: Stage = 'VALIDATE';
  try {
    const validated = await steps.startRun(request, { status: 'RUNNING', stage });
    stage = 'QUERY_DATA';
    await steps.produceReport({ request, validated, keepStaging: false });
  } catch (err) {
    const error = reportErrorOf(err);
    if (!error && cancelled()) {
      await steps.withdraw(request);
      await steps.recordRunState(request, { status: 'CANCELLED', stage, error: runCancelledError(), completedAt: new Date().toISOString() });
      return { status: 'CANCELLED' };
    }
    if (!error) throw err;
    await steps.recordRunState(request, { status: 'FAILED', stage, error, completedAt: new Date().toISOString() });
    return { status: 'FAILED', code: error.code };
  }
  await steps.recordRunState(request, { status: 'SUCCEEDED', stage: 'EXPORT', completedAt: new Date().toISOString() });
  return { status: 'SUCCEEDED' };
}

/** The run error of a failure for good (a `ReportError`, as `toFailure` makes it); undefined for a transient fault. */
function reportErrorOf(err: unknown): RunError | undefined {
  const failure = toFailure(err);
  if (!(failure instanceof ApplicationFailure) || !failure.nonRetryable) return undefined;
  const errors = Array.isArray(failure.details?.[0]) ? (failure.details[0] as RunError['errors']) : [];
  return { code: failure.type ?? 'INTERNAL', message: failure.message, errors };
}
