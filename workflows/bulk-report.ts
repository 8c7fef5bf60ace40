/**
 * A bulk run: one document per key of the report's keys query (e.g. every invoice of a month), each a
 * report request with id `<bulk id>:<key>`, so each document is made, delivered and recorded once, and
 * shows in the request list like any run (its `metadata.bulk_request_id` names the bulk run).
 * Deterministic orchestration only.
 *
 * How documents are made:
 * - Of a report whose definition runs inline (`template.runMode`, e.g. the invoice): in batches of
 *   `BULK_BATCH_DOCUMENTS`, each one `produceBulkDocuments` activity that makes, delivers and records its
 *   documents as an inline run would (activities/produce-bulk-documents.ts). A document costs no
 *   workflow of its own: 2.0 × the documents/s of child workflows (README "Benchmark", `--bulk 1000`).
 *   Behind patch `bulk-document-batches`.
 * - Of any other report (staged: large documents): each a `generateReport` child workflow, visible in
 *   the Web UI with its stages, retried and cancelled on its own.
 *
 * - Keys come a page at a time (`bulkKeys`, keyset-paged), so history holds a page, not every key.
 * - At most `concurrency` documents are in production at once (a sliding window of children; or of
 *   batches, each making `concurrency ÷ open batches` documents at once).
 * - Progress: the `bulkState` query (exact), and the `ReportBulkTotal` / `ReportBulkDone` search
 *   attributes (updated once per page and at the end) for the Web UI and visibility queries.
 * - History stays bounded: after `DOCUMENTS_PER_EXECUTION` documents, or when Temporal suggests it, the
 *   run waits for its open documents and continues as new with its counts and cursor.
 * - A cancel stops starting documents and cancels the open ones. A child run takes back what it
 *   delivered, as any cancelled run does. A batch stops its documents in production the same way, records
 *   them CANCELLED and returns its counts. The bulk run ends CANCELLED with its counts.
 * - A document that fails does not stop the others; the bulk run ends FAILED when any failed. A batch
 *   that fails for good (after its retries) is settled from its documents' records: each counted as it
 *   ended, and none left RUNNING or without a record (`settleBulkDocuments`, behind `bulk-batch-settle`).
 * - With `zip`, a run that was not cancelled ends by zipping its SUCCEEDED documents (`zipBulk`); only
 *   the ZIP's key, size and digest enter history. With `notify.webhookUrl`, it then sends ONE event,
 *   `bulk_request.succeeded|failed|cancelled`, through a `deliverWebhook` child it does not wait for
 *   (event id `<bulk id>:<type>`). Both are behind patch `bulk-zip-and-notify`, asked only by requests
 *   that have either, so histories of earlier bulk runs replay unchanged.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  continueAsNew,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ReportActivities } from '../activities/index.js';
import { bulkDocumentId, bulkDocumentRequest, MAX_LISTED_FAILURES, type BulkBatchResult, type BulkRequest, type BulkState } from '../src/domain/bulk-request.js';
import type { ReportRequest } from '../src/domain/report-request.js';
import type { RunState } from '../src/domain/run-status.js';
import { SA_BULK_DONE, SA_BULK_TOTAL, SA_CUSTOMER, SA_REPORT_CODE, SA_STATUS, SA_TENANT } from '../src/domain/search-attributes.js';
import { runSummary } from '../src/domain/summary.js';
import { deliveryWorkflowId, WEBHOOK_RETRY_SCHEDULE, type BulkEventType } from '../src/domain/webhook-delivery.js';
import type { deliverWebhook } from './deliver-webhook.js';
import { toRunError } from './run-error.js';
import { bulkStateQuery, DELIVER_WEBHOOK_WORKFLOW, GENERATE_REPORT_WORKFLOW } from './messages.js';

/** Keys fetched per `bulkKeys` call. */
const KEYS_PAGE = 200;
/**
 * Documents one execution starts before it continues as new: each costs about 8 history events (child
 * started, completed, the workflow tasks between), so 1,000 keep a history near 10,000 events, well
 * under Temporal's 51,200-event limit and its warnings.
 */
const DOCUMENTS_PER_EXECUTION = 1_000;

const { bulkKeys } = proxyActivities<ReportActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

const { zipBulk } = proxyActivities<ReportActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});
/** Patch id of the ZIP and the completion event (see `finish`). */
const BULK_FINISH_PATCH = 'bulk-zip-and-notify';

/**
 * Documents per `produceBulkDocuments` activity: a page of keys is 8 batches. Larger batches cost fewer
 * activity tasks; smaller ones lose less to a batch's tail (its last documents, when its other slots are
 * idle) and redo less when an attempt fails.
 */
export const BULK_BATCH_DOCUMENTS = 25;
/** Patch id of making an inline report's documents in batches, not as child workflows (see `batched`). */
const BULK_BATCHES_PATCH = 'bulk-document-batches';
// A batch heartbeats every second while it runs, and the worker sends one at most every second
// (`maxHeartbeatThrottleInterval`, src/temporal/worker.ts): a cancel reaches the batch within about a
// second. A worker that dies mid-batch is noticed within the heartbeat timeout; the retry carries on
// from the records.
const { produceBulkDocuments } = proxyActivities<ReportActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * After a batch failed for good: how each of its documents ended, from the records; those left RUNNING
 * or never started are recorded FAILED with the batch's error (activities/settle-bulk-documents.ts).
 * A few database reads and writes: retried as a batch is.
 */
const { settleBulkDocuments } = proxyActivities<ReportActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});
/** Patch id of settling a batch that failed for good from its documents' records (see `runBatch`). */
const BULK_SETTLE_PATCH = 'bulk-batch-settle';

/**
 * @param request the bulk request; `request.id` is also the workflow id.
 * @param carried the counts and cursor of the execution this one continues (continue-as-new).
 * @returns the final state: SUCCEEDED, or FAILED when any document failed (the others are made all the same).
 * @throws CancelledFailure when cancelled (the state, CANCELLED, stays readable by the query).
 */
export async function bulkReport(request: BulkRequest, carried?: BulkState): Promise<BulkState> {
  const state: BulkState = carried ?? { status: 'RUNNING', started: 0, succeeded: 0, failed: 0, cancelled: 0, failures: [] };
  setHandler(bulkStateQuery, () => state);
  const open = new Set<Promise<void>>();
  let startedHere = 0;
  const batches = batched(request);
  try {
    let page = await bulkKeys({ request, limit: KEYS_PAGE, ...(state.cursor !== undefined ? { after: state.cursor } : {}), ...(state.total === undefined ? { count: true } : {}) });
    if (page.total !== undefined) state.total = page.total;
    progress(state);
    for (;;) {
      if (batches) {
        for (let i = 0; i < page.keys.length; i += BULK_BATCH_DOCUMENTS) {
          const keys = page.keys.slice(i, i + BULK_BATCH_DOCUMENTS);
          while (open.size >= batches.open) await Promise.race(open);
          const done: Promise<void> = runBatch(request, keys, batches.concurrency, state).finally(() => open.delete(done));
          open.add(done);
          state.started += keys.length;
          startedHere += keys.length;
          state.cursor = keys[keys.length - 1];
        }
      } else {
        for (const key of page.keys) {
          while (open.size >= request.concurrency) await Promise.race(open);
          const done: Promise<void> = runDocument(request, key, state).finally(() => open.delete(done));
          open.add(done);
          state.started++;
          startedHere++;
          state.cursor = key;
        }
      }
      if (page.keys.length < KEYS_PAGE) break;
      if (startedHere >= DOCUMENTS_PER_EXECUTION || workflowInfo().continueAsNewSuggested) {
        await Promise.all(open);
        progress(state);
        await continueAsNew<typeof bulkReport>(request, state);
      }
      page = await bulkKeys({ request, limit: KEYS_PAGE, after: state.cursor! });
      progress(state);
    }
    await Promise.all(open);
    // A batch cancelled in production returns (with its counts) instead of failing: the cancel is still the run's end.
    if (batches && CancellationScope.current().consideredCancelled) throw new CancelledFailure('The bulk run was cancelled.');
    state.status = state.failed > 0 ? 'FAILED' : 'SUCCEEDED';
    // Inside the try: a cancel while the ZIP is made ends the run CANCELLED, and that is what it announces.
    await finish(request, state);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // The open documents were asked to cancel with this scope; count how each ended.
    await CancellationScope.nonCancellable(() => Promise.allSettled(open));
    state.status = 'CANCELLED';
    await CancellationScope.nonCancellable(() => finish(request, state));
    progress(state);
    throw err;
  }
  progress(state);
  return state;
}

/**
 * What an ended bulk run does besides counting (requests with `zip` or `notify` only): zips the
 * SUCCEEDED documents unless it was cancelled, then starts the delivery of its one completion event.
 * A ZIP that cannot be made after its retries ends the bulk run FAILED with `zipError` (its documents stay made).
 */
async function finish(request: BulkRequest, state: BulkState): Promise<void> {
  if (!request.zip && !request.notify) return;
  if (!patched(BULK_FINISH_PATCH)) return;
  if (request.zip && state.status !== 'CANCELLED' && !state.zip && !state.zipError) {
    try {
      state.zip = await zipBulk({ bulkId: request.id, tenantId: request.tenantId, reportCode: request.template.reportCode });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The documents stay made; the run says the ZIP failed and ends FAILED (announced as such).
      const { code, message } = toRunError(err, null);
      state.zipError = { code, message };
      state.status = 'FAILED';
    }
  }
  if (request.notify) await announce(request, state);
}

/**
 * Starts the `deliverWebhook` child of the bulk run's completion event (parent close policy ABANDON: a
 * receiver that is down delays nothing). The delivery is named after this execution's run id and the
 * event after the bulk id and type, so a replay or a retry never makes a second event id.
 */
async function announce(request: BulkRequest, state: BulkState): Promise<void> {
  const status = state.status as Exclude<BulkState['status'], 'RUNNING'>;
  const type = `bulk_request.${status.toLowerCase()}` as BulkEventType;
  const deliveryId = workflowInfo().runId;
  const asRequest: ReportRequest = {
    ...request.template, id: request.id, tenantId: request.tenantId, requestedAt: request.requestedAt,
    parameterValues: [], notify: { webhookUrl: request.notify!.webhookUrl },
  };
  const event = {
    type, status, occurredAt: new Date().toISOString(),
    bulk: {
      total: state.total ?? state.started, succeeded: state.succeeded, failed: state.failed, cancelled: state.cancelled,
      ...(state.zip ? { zip: { sizeBytes: state.zip.sizeBytes, sha256: state.zip.sha256 } } : {}),
    },
  };
  await startChild<typeof deliverWebhook>(DELIVER_WEBHOOK_WORKFLOW, {
    workflowId: deliveryWorkflowId(request.id, deliveryId),
    args: [{ deliveryId, request: asRequest, event, redelivery: false, linkSignedAt: event.occurredAt, executionId: deliveryId, schedule: WEBHOOK_RETRY_SCHEDULE }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: [
      { key: SA_TENANT, value: request.tenantId },
      { key: SA_REPORT_CODE, value: request.template.reportCode },
    ],
    staticSummary: `${type} webhook of ${request.id}`,
  });
}

/**
 * How this run makes documents in batches: `open` batches at once, each making `concurrency` documents
 * at once (together at most the request's `concurrency`); undefined when it starts child workflows
 * (a report that is not inline, or a run started before batches, whose history has no such patch).
 * Two batches at least when the concurrency allows: one's tail overlaps the other's full slots, and a
 * second worker can take a share.
 */
function batched(request: BulkRequest): { open: number; concurrency: number } | undefined {
  if (request.template.runMode !== 'inline' || !patched(BULK_BATCHES_PATCH)) return undefined;
  const open = Math.min(request.concurrency, Math.max(2, Math.ceil(request.concurrency / 8)));
  return { open, concurrency: Math.max(1, Math.floor(request.concurrency / open)) };
}

/**
 * Makes the documents of `keys` in one `produceBulkDocuments` activity and counts how they ended. A batch
 * cancelled in production returns its counts (the documents it did not make as cancelled); one cancelled
 * before it started counts every document cancelled. A batch that fails after its retries is settled
 * (`settleBulkDocuments`, not cancellable: it is the batch's bookkeeping): each document counted as its
 * record says, those it had not finished recorded FAILED with its error code. Only when that too fails
 * after its retries, or in runs started before `BULK_SETTLE_PATCH`, are all the batch's documents counted
 * failed with its code. Never throws but for this workflow's own cancel.
 */
async function runBatch(bulk: BulkRequest, keys: string[], concurrency: number, state: BulkState): Promise<void> {
  try {
    count(state, await produceBulkDocuments({ bulk, keys, concurrency }));
  } catch (err) {
    if (isCancellation(err)) {
      count(state, { succeeded: 0, failed: 0, cancelled: keys.length, failures: [] });
      throw err;
    }
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    const code = cause instanceof ApplicationFailure ? (cause.type ?? 'INTERNAL') : 'INTERNAL';
    if (patched(BULK_SETTLE_PATCH)) {
      const error = { code, message: cause?.message ?? String(err) };
      try {
        count(state, await CancellationScope.nonCancellable(() => settleBulkDocuments({ bulk, keys, error })));
        return;
      } catch {
        // The records could not be read after the retries either: count the batch failed, as before.
      }
    }
    count(state, { succeeded: 0, failed: keys.length, cancelled: 0, failures: keys.map((key) => ({ key, requestId: bulkDocumentId(bulk.id, key), code })) });
  }
}

/** Adds a batch's counts to the run's, and its failures while the list has room. */
function count(state: BulkState, batch: BulkBatchResult): void {
  state.succeeded += batch.succeeded;
  state.failed += batch.failed;
  state.cancelled += batch.cancelled;
  state.failures.push(...batch.failures.slice(0, MAX_LISTED_FAILURES - state.failures.length));
}

/** Makes the document of `key` as a child workflow and counts how it ended. Never throws but for this workflow's own cancel. */
async function runDocument(bulk: BulkRequest, key: string, state: BulkState): Promise<void> {
  const request = bulkDocumentRequest(bulk, key);
  const { id } = request;
  try {
    const child = await startChild<(r: ReportRequest) => Promise<RunState>>(GENERATE_REPORT_WORKFLOW, {
      workflowId: id,
      args: [request],
      // Once per bulk run: a document that ran or runs is not made again; a failed one may be.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      // Cancelling (or terminating) the bulk run cancels the documents still in production.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      typedSearchAttributes: [
        { key: SA_TENANT, value: request.tenantId },
        { key: SA_REPORT_CODE, value: request.reportCode },
        { key: SA_STATUS, value: 'PENDING' },
        ...(request.customerId ? [{ key: SA_CUSTOMER, value: request.customerId }] : []),
      ],
      memo: { request },
      staticSummary: `${runSummary(request)} · bulk ${bulk.id}`,
    });
    await child.result();
    state.succeeded++;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      // Started by an earlier attempt of this same bulk run (e.g. before a continue-as-new): that run is the document.
      state.succeeded++;
      return;
    }
    if (err instanceof ChildWorkflowFailure) {
      const cause = err.cause;
      if (cause?.name === 'CancelledFailure' || cause?.name === 'TerminatedFailure') {
        state.cancelled++;
      } else {
        state.failed++;
        if (state.failures.length < MAX_LISTED_FAILURES) state.failures.push({ key, requestId: id, code: cause instanceof ApplicationFailure ? (cause.type ?? 'INTERNAL') : 'INTERNAL' });
      }
      return;
    }
    if (isCancellation(err)) {
      state.cancelled++;
      throw err;
    }
    throw err;
  }
}

/** Shows the counts in the Web UI (search attributes): documents in all, and ended so far. */
function progress(state: BulkState): void {
  upsertSearchAttributes([
    ...(state.total !== undefined ? [{ key: SA_BULK_TOTAL, value: state.total }] : []),
    { key: SA_BULK_DONE, value: state.succeeded + state.failed + state.cancelled },
    { key: SA_STATUS, value: state.status },
  ]);
}
