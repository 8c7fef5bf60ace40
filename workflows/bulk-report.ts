/**
 * A bulk run: one document per key of the report's keys query (e.g. every invoice of a month), each a
 * `generateReport` child workflow with id `<bulk id>:<key>`, so each document is made, delivered and
 * recorded once, and shows in the request list like any run (its `metadata.bulk_request_id` names the
 * bulk run). Deterministic orchestration only.
 *
 * - Keys come a page at a time (`bulkKeys`, keyset-paged), so history holds a page, not every key.
 * - At most `concurrency` documents are in production at once (a sliding window).
 * - Progress: the `bulkState` query (exact), and the `ReportBulkTotal` / `ReportBulkDone` search
 *   attributes (updated once per page and at the end) for the Web UI and visibility queries.
 * - History stays bounded: after `DOCUMENTS_PER_EXECUTION` documents, or when Temporal suggests it, the
 *   run waits for its open documents and continues as new with its counts and cursor.
 * - A cancel stops starting documents and cancels the open ones (their runs take back what they
 *   delivered, as any cancelled run does); the bulk run ends CANCELLED with its counts.
 * - A document that fails does not stop the others; the bulk run ends FAILED when any failed.
 * - With `zip`, a run that was not cancelled ends by zipping its SUCCEEDED documents (`zipBulk`); only
 *   the ZIP's key, size and digest enter history. With `notify.webhookUrl`, it then sends ONE event,
 *   `bulk_request.succeeded|failed|cancelled`, through a `deliverWebhook` child it does not wait for
 *   (event id `<bulk id>:<type>`). Both are behind patch `bulk-zip-and-notify`, asked only by requests
 *   that have either, so histories of earlier bulk runs replay unchanged.
 */
import {
  ApplicationFailure,
  CancellationScope,
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
import { bulkDocumentId, documentParameters, MAX_LISTED_FAILURES, type BulkRequest, type BulkState } from '../src/domain/bulk-request.js';
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
  try {
    let page = await bulkKeys({ request, limit: KEYS_PAGE, ...(state.cursor !== undefined ? { after: state.cursor } : {}), ...(state.total === undefined ? { count: true } : {}) });
    if (page.total !== undefined) state.total = page.total;
    progress(state);
    for (;;) {
      for (const key of page.keys) {
        while (open.size >= request.concurrency) await Promise.race(open);
        const done: Promise<void> = runDocument(request, key, state).finally(() => open.delete(done));
        open.add(done);
        state.started++;
        startedHere++;
        state.cursor = key;
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

/** Makes the document of `key` and counts how it ended. Never throws but for this workflow's own cancel. */
async function runDocument(bulk: BulkRequest, key: string, state: BulkState): Promise<void> {
  const id = bulkDocumentId(bulk.id, key);
  const request: ReportRequest = {
    ...bulk.template,
    parameterValues: documentParameters(bulk, key),
    metadata: { ...bulk.template.metadata, bulk_request_id: bulk.id },
    id, tenantId: bulk.tenantId, requestedAt: bulk.requestedAt,
  };
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
