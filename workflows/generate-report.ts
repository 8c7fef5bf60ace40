/**
 * One report run: validate → query data → render → export → notify, each stage one activity with
 * its own timeouts and retry policy. Deterministic orchestration only: activities are imported as
 * types; rows and files never pass through history, only small references to staged files.
 *
 * Bad input fails at once (activities raise non-retryable failures typed with an error code);
 * transient faults are retried with exponential backoff. A failed run notifies `report.failed` and
 * then fails the workflow with the same code; a cancelled run exports nothing more, notifies
 * `report.cancelled` and ends Cancelled. Staging is always cleaned up. The run makes the webhook's
 * first attempt itself; retries belong to a `deliverWebhook` workflow of their own, which may retry
 * for a day: the run does not wait for it.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancelledFailure,
  CancellationScope,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  startChild,
  uuid4,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { ConcludedInStep, ExportToBucketInput, NotifyAnswer, NotifyInput, ProducedReport, ReportActivities, StartAndProduceResult } from '../activities/index.js';
import type { RenderedFile, StagedRows, StagingWorker } from '../src/domain/artifacts.js';
import type { ExportedReport } from '../src/domain/artifacts.js';
import type { ReportRequest, ValidatedRequest } from '../src/domain/report-request.js';
import type { RunError, RunState } from '../src/domain/run-status.js';
import { copiedReport } from '../src/domain/copied-report.js';
import { SA_REPORT_CODE, SA_TENANT } from '../src/domain/search-attributes.js';
import { deliveryWorkflowId, isFinalDeliveryError, retryDelayMs, WEBHOOK_RETRY_SCHEDULE } from '../src/domain/webhook-delivery.js';
import { recordDelivery, undelivered, type deliverWebhook } from './deliver-webhook.js';
import { DELIVER_WEBHOOK_WORKFLOW } from './messages.js';
import { pinnedTo, workerLost } from './pinned-stages.js';
import { applicationFailureIn, toRunError } from './run-error.js';
import { RunStateTracker } from './run-state-tracker.js';

/** A run's state as the service's records hold it (the update `recordRunState` writes). */
type RunStateUpdate = Parameters<ReportActivities['recordRunState']>[1];

/**
 * Transient faults (database, browser, disk, network): back off 1 s, 2 s, 4 s … up to 1 minute apart,
 * 20 attempts: about 14 minutes of retrying (1+2+4+8+16+32 s, then 13 × 60 s), so a database or
 * storage outage of several minutes delays a run rather than failing it.
 */
const TRANSIENT: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 };

/** Long stages heartbeat; a cancelled run waits for them to stop before cleaning up their files. */
const LONG_STAGE: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: TRANSIENT,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};

const remoteValidate = proxyActivities<ReportActivities>({ startToCloseTimeout: '30 seconds', retry: TRANSIENT }).validateRequest;
// For requests the API marked inline (`request.runMode`): validation as a local activity, no server
// round trip. Others keep it an activity of its own, so a slow data check shows VALIDATE and can be cancelled.
const localValidate = proxyLocalActivities<ReportActivities>({ startToCloseTimeout: '30 seconds', retry: TRANSIENT }).validateRequest;
/**
 * Runs with `startRun`: an inline run's first record and its validation as one local activity, with a
 * short retry budget of its own (~3 s); past it the run falls back to the two steps and their full
 * retries (see `startInline`).
 */
const localStartRun = proxyLocalActivities<ReportActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
}).startRun;
/**
 * Runs with `startAndProduce`: an inline run's start (record, validation) and its data stages (query,
 * render, store export) as one local activity, with the same short retry budget as `startRun` (~3 s);
 * past it the run falls back to the steps one by one, each with its full retries (see
 * `startAndProduceInline`). The data stages' timeout, and a cancel waits for the render to stop.
 */
const localStartAndProduce = proxyLocalActivities<ReportActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
}).startAndProduce;
/** Patch id of local validation and of deciding every patch at the start (see `runFeatures`). */
const LOCAL_VALIDATE_PATCH = 'local-validate';

/**
 * The stages of a staged run, each its own activity. The LOCAL copy heartbeats its bytes: a worker
 * that dies mid-copy is noticed within the heartbeat timeout (not after the start-to-close timeout),
 * and a cancel stops the copy. A cancelled or failed export is taken back by `withdrawReport`.
 */
const STAGED = proxyActivities<ReportActivities>(LONG_STAGE);
/**
 * The stages of an inline run (report definitions with `run_mode: inline`, e.g. one invoice): local
 * activities, run by the worker inside the workflow task, so no stage costs a round trip to the server.
 */
const INLINE = proxyLocalActivities<ReportActivities>({
  startToCloseTimeout: '2 minutes',
  retry: TRANSIENT,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});
// One activity per bucket location: a bucket that is down retries alone (1 s … 1 min apart, about
// 4 minutes in all), and the others are not repeated. Uploads heartbeat their progress.
const BUCKET_EXPORT: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: TRANSIENT,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};
const { exportToBucket, exportToBigQuery } = proxyActivities<ReportActivities>(BUCKET_EXPORT);
// One activity per recipient, so a refused address (EMAIL_REJECTED, final) does not resend the others.
const { sendEmail } = proxyActivities<ReportActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['EMAIL_REJECTED'] },
});
// Only runs started before WEBHOOK_DELIVERY_PATCH send their webhook themselves, with this policy.
const { notify } = proxyActivities<ReportActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['WEBHOOK_REJECTED'] },
});
/** Patch id of handing the webhook to a `deliverWebhook` child workflow (see `sendWebhook`). */
const WEBHOOK_DELIVERY_PATCH = 'webhook-delivery-workflow';
/** Patch id of naming the run's webhook delivery after its execution (see `sendWebhook`). */
const DELIVERY_ID_FROM_RUN_PATCH = 'delivery-id-from-run';
/**
 * The run's own first webhook attempt: a local activity without retries, made inside the workflow
 * task that ends the run, so a receiver that answers at once hears of the report without a child
 * workflow, an activity task or another workflow task in between (see `sendWebhook`).
 */
const { notify: notifyOnce } = proxyLocalActivities<ReportActivities>({
  startToCloseTimeout: WEBHOOK_RETRY_SCHEDULE.attemptTimeoutMs,
  retry: { maximumAttempts: 1 },
});
/**
 * Runs with `concludeRun` whose only notification is a webhook: the final record and that first attempt
 * as one local activity (`concludeRun`), with the first attempt's timeout and no retries: when the record
 * cannot be written it sends nothing, and the run takes the two steps one by one (see `sendWebhook`).
 */
const { concludeRun: concludeOnce } = proxyLocalActivities<ReportActivities>({
  startToCloseTimeout: WEBHOOK_RETRY_SCHEDULE.attemptTimeoutMs,
  retry: { maximumAttempts: 1 },
});
/** Patch id of the run making its webhook's first attempt itself (see `sendWebhook`). */
const FIRST_WEBHOOK_ATTEMPT_PATCH = 'webhook-first-attempt-in-run';
const CLEANUP: ActivityOptions = { startToCloseTimeout: '1 minute', retry: TRANSIENT };
const { cleanupStaging } = proxyActivities<ReportActivities>(CLEANUP);
/** Patch id of running a run's data stages on the worker that staged its rows (see `dataStages`). */
const PINNED_STAGES_PATCH = 'worker-pinned-data-stages';
/** Patch id of an inline run's data stages as one local activity (see `inlineDataStages`). */
const INLINE_ONE_ACTIVITY_PATCH = 'inline-data-stages-one-activity';
/** Patch id of passing a report the query stage wrote straight to the export (see `dataStages`). */
const COPIED_SKIPS_RENDER_PATCH = 'copied-report-skips-render';
/**
 * How many times the data stages may start (from the query) in one run: the first start and two more
 * after their worker was lost. One lost worker (a crash, a scale-in, a node drained without grace) costs
 * one restart; two in a row is a rolling restart at worst. A run that loses a third worker is more likely
 * what kills them (a report that exhausts a worker's memory): it fails (INTERNAL, stage named) instead of
 * taking the fleet down one worker at a time.
 */
const DATA_STAGE_STARTS = 3;
const { withdrawReport } = proxyActivities<ReportActivities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute', retry: TRANSIENT });
/** Patch id of taking back what a cancelled or failed run delivered (see `withdraw`). */
const WITHDRAW_PATCH = 'withdraw-unfinished-export';
/** Patch id of a cancel taking effect between stages (see `enter`). */
const CANCEL_BETWEEN_STAGES_PATCH = 'cancel-between-stages';
/** Patch id of the run-state recording added after the first release (see `record`). */
const RECORD_RUN_STATE_PATCH = 'record-run-state';
// One short database write each: a local activity, so recording costs no extra round trip to the server.
const { recordRunState } = proxyLocalActivities<ReportActivities>({ startToCloseTimeout: '10 seconds', retry: TRANSIENT });

/** What a run does that runs started by earlier releases did not, each behind a patch (Temporal's versioning). */
type Feature =
  | 'recordRunState'
  | 'cancelBetweenStages'
  | 'withdraw'
  | 'webhookDelivery'
  | 'pinnedStages'
  | 'inlineOneActivity'
  | 'copiedSkipsRender'
  | 'firstWebhookAttempt';

/** Each feature's patch id, in the order new runs decide them. */
const FEATURE_PATCHES: Record<Feature, string> = {
  /** The run's state is recorded in the service's records. */
  recordRunState: RECORD_RUN_STATE_PATCH,
  /** A cancel that comes as a stage's activity finishes ends the run in that stage. */
  cancelBetweenStages: CANCEL_BETWEEN_STAGES_PATCH,
  /** A run cancelled or failed after its export began takes back what it delivered. */
  withdraw: WITHDRAW_PATCH,
  /** The webhook goes to its own `deliverWebhook` workflow. */
  webhookDelivery: WEBHOOK_DELIVERY_PATCH,
  /** Render, exports and staging cleanup run on the worker that staged the rows; a lost worker restarts them. */
  pinnedStages: PINNED_STAGES_PATCH,
  /** An inline run's query, render and store export are one local activity; its bucket exports are pinned. */
  inlineOneActivity: INLINE_ONE_ACTIVITY_PATCH,
  /** A report the query stage wrote (a CSV PostgreSQL printed) goes to the export without a render activity. */
  copiedSkipsRender: COPIED_SKIPS_RENDER_PATCH,
  /** The run makes its webhook's first attempt itself; a `deliverWebhook` child makes the retries, if any. */
  firstWebhookAttempt: FIRST_WEBHOOK_ATTEMPT_PATCH,
};

/**
 * A run's features. Runs started since `local-validate` (validation and inline stages as local
 * activities) decide every patch at once, at the start, before the first local activity: a patch marker
 * written between two local activities' markers of one workflow task does not replay in place (a
 * query's replay failed with a nondeterminism error). Runs started before it (`decided` absent) ask
 * each patch where they always did, so their histories replay unchanged.
 */
interface RunFeatures {
  localValidate: boolean;
  decided?: Record<Feature, boolean>;
  /** Runs started since `RUN_FEATURES_2_PATCH`: an inline run records its start and validates in one local activity. */
  startRun?: boolean;
  /**
   * Runs started since `RUN_FEATURES_3_PATCH`: a run told of by a webhook alone records its end and makes
   * the first attempt in one local activity. Only ever true with every feature of `decided` (records, the
   * run's own first attempt) true too.
   */
  concludeRun?: boolean;
  /**
   * Runs started since `RUN_FEATURES_4_PATCH`: an inline run's start and data stages are one local
   * activity (`startAndProduce`), which also ends a run told of by a webhook alone (see
   * `startAndProduceInline`). Only ever true with `startRun` and `concludeRun` true too.
   */
  startAndProduce?: boolean;
}

/**
 * Patch id standing for local validation and every feature of `FEATURE_PATCHES` at once. Each patch
 * costs a run two history events (its marker, and the SDK's upsert of the `TemporalChangeVersion`
 * search attribute), so asking all ten cost every run 20 events and the server as many writes; runs
 * started since ask this one patch instead (asked first thing, before the run's first command: for the
 * runs started before it, a patch that is not in their history adds no command). They also skip the
 * PENDING upsert the VALIDATE one follows at once (see `RunStateTracker`). A feature added
 * later gets a new all-features patch asked before this one (`RUN_FEATURES_2_PATCH`), so a new run
 * still asks one patch.
 */
const ALL_FEATURES_PATCH = 'run-features-1';
/**
 * Patch id standing for everything `ALL_FEATURES_PATCH` stands for, and `startRun`. Asked first: a run
 * started before it has no such marker, so asking it adds no command, and that run then asks
 * `ALL_FEATURES_PATCH` where it always did.
 */
const RUN_FEATURES_2_PATCH = 'run-features-2';
/**
 * Patch id standing for everything `RUN_FEATURES_2_PATCH` stands for, and `concludeRun`. Asked first, as
 * that one is (a run started before it has no such marker, and then asks the older ones where it did).
 */
const RUN_FEATURES_3_PATCH = 'run-features-3';
/**
 * Patch id standing for everything `RUN_FEATURES_3_PATCH` stands for, and `startAndProduce`. Asked first,
 * as that one is.
 */
const RUN_FEATURES_4_PATCH = 'run-features-4';

/**
 * `allFeatures`: the run asked one of the all-features patches (`RUN_FEATURES_4_PATCH` …
 * `ALL_FEATURES_PATCH`) and has it; `startRun`: it has `RUN_FEATURES_2_PATCH` or a later one;
 * `concludeRun`: `RUN_FEATURES_3_PATCH` or a later one; `startAndProduce`: `RUN_FEATURES_4_PATCH`. Runs
 * with none ask their patches here, where they always did.
 */
function runFeatures(allFeatures: boolean, startRun: boolean, concludeRun: boolean, startAndProduce: boolean): RunFeatures {
  if (allFeatures) {
    const decided = {} as Record<Feature, boolean>;
    for (const feature of Object.keys(FEATURE_PATCHES)) decided[feature as Feature] = true;
    return { localValidate: true, decided, startRun, concludeRun, startAndProduce };
  }
  if (!patched(LOCAL_VALIDATE_PATCH)) return { localValidate: false };
  const decided = {} as Record<Feature, boolean>;
  for (const [feature, patch] of Object.entries(FEATURE_PATCHES)) decided[feature as Feature] = patched(patch);
  return { localValidate: true, decided };
}

/** Whether the run has `feature`; for runs of earlier releases, asks its patch now. */
function has(f: RunFeatures, feature: Feature): boolean {
  return f.decided ? f.decided[feature] : patched(FEATURE_PATCHES[feature]);
}

/**
 * @param request the run's request; `request.id` is also the workflow id.
 * @returns the final `RunState` (status SUCCEEDED with `report`).
 * @throws ApplicationFailure (non-retryable) typed with the error code when the run fails;
 *   CancelledFailure when it is cancelled.
 */
export async function generateReport(request: ReportRequest): Promise<RunState> {
  // The all-features patches first thing, before any command (see RUN_FEATURES_2_PATCH), newest first.
  const features4 = patched(RUN_FEATURES_4_PATCH);
  const features3 = features4 || patched(RUN_FEATURES_3_PATCH);
  const features2 = features3 || patched(RUN_FEATURES_2_PATCH);
  const allFeatures = features2 || patched(ALL_FEATURES_PATCH);
  const run = new RunStateTracker(request, { publishFirstChange: allFeatures });
  run.enter('VALIDATE');
  const f = runFeatures(allFeatures, features2, features3, features4);
  let validated: ValidatedRequest | undefined;
  const progress: DataStageProgress = { workers: [] };
  try {
    let produced: ProducedReport | undefined;
    if (f.startAndProduce && request.runMode === 'inline') ({ validated, produced } = await startAndProduceInline(f, run, request, progress));
    else if (f.startRun && request.runMode === 'inline') validated = await startInline(f, run, request);
    else {
      await record(f, run, request);
      validated = await (f.localValidate && request.runMode === 'inline' ? localValidate : remoteValidate)(request);
    }
    const { local, deliveries } = await dataStages(f, run, request, validated, progress, produced);
    // An export that completed although the run was cancelled meanwhile: the cancel wins, and the
    // delivered files are taken back, so a 202 to the cancel never ends in a SUCCEEDED run. Unless the
    // step announced the run already (it checks for a cancel first): that success stands.
    if (!progress.announced) throwIfCancelled(f);
    const report: ExportedReport = deliveries.length ? { ...local, deliveries } : local;
    run.succeeded(report);
    // The file is out: a cancel arriving now cannot undo that, so the receiver still hears of it.
    await conclude(f, run, request, 'report.succeeded', { report }, progress.announced);
    if (run.state.notifyError) await record(f, run, request);
    return run.state;
  } catch (err) {
    if (isCancellation(err)) {
      await withdraw(f, run, request, progress, validated);
      run.cancelled();
      await conclude(f, run, request, 'report.cancelled', { error: run.state.error });
      throw err;
    }
    const error = toRunError(err, run.state.stage);
    if (error.code === 'INTERNAL') log.error('report run failed', { stage: run.state.stage, error: String(err) });
    await withdraw(f, run, request, progress, validated);
    run.failed(error);
    await conclude(f, run, request, 'report.failed', { error });
    throw ApplicationFailure.create({ type: error.code, message: error.message, nonRetryable: true, details: [error.errors] });
  } finally {
    await CancellationScope.nonCancellable(() => cleanUp(request, validated, progress));
  }
}

/** The webhook's first attempt as `startAndProduce` made it, after recording the run's end. */
type MadeAttempt = Extract<ConcludedInStep, { recorded: true }>;

/** What the data stages got to, for the cleanup and the withdrawal after them. */
interface DataStageProgress {
  rendered?: RenderedFile;
  /** Every worker that staged rows of this run (one, unless the stages started over), without repeats. */
  workers: StagingWorker[];
  /**
   * True once the data stages may have delivered something though the run's stage no longer says EXPORT
   * (an earlier start of them had begun exporting; an inline run's one activity failed; `startAndProduce`
   * returned, its store export done, before the run entered EXPORT).
   */
  exportBegun?: boolean;
  /** True when the data stages removed their staging themselves (an inline run without bucket exports). */
  stagingRemoved?: boolean;
  /**
   * Set once `startAndProduce` recorded the run SUCCEEDED and made the webhook's first attempt: that
   * attempt's outcome. The receiver may have heard of the report, so a cancel that comes now no longer wins.
   */
  announced?: MadeAttempt;
}

/**
 * Query → render → LOCAL/store export → bucket and BigQuery exports; a report the query stage wrote
 * itself (a CSV PostgreSQL printed) goes to the export without a render activity. In a staged run with the
 * `pinnedStages` feature, every stage after the query runs on the task queue of the worker that staged
 * the rows (`staged.worker`), with a schedule-to-start timeout: when that worker is gone (killed, scaled
 * in), its stage's heartbeat times out, the retry waits on the dead queue until that timeout, and the data
 * stages start over from the query on the shared queue, where a live worker takes them (at most
 * `DATA_STAGE_STARTS` starts). Inline runs: see `inlineDataStages` (runs of earlier releases ran their
 * stages as three local activities, unpinned).
 */
async function dataStages(f: RunFeatures, run: RunStateTracker, request: ReportRequest, validated: ValidatedRequest, progress: DataStageProgress, produced?: ProducedReport) {
  const inline = validated.runMode === 'inline';
  if (inline && has(f, 'inlineOneActivity')) return inlineDataStages(f, run, request, validated, progress, produced);
  for (let start = 1; ; start++) {
    const { queryData, renderReport, exportReport } = inline ? INLINE : STAGED;
    enter(f, run, 'QUERY_DATA');
    const staged = await queryData(validated);
    const worker = !inline && staged.worker && has(f, 'pinnedStages') ? staged.worker : undefined;
    if (worker && !progress.workers.some((w) => w.taskQueue === worker.taskQueue)) progress.workers.push(worker);
    const on = worker ? pinnedTo(worker, LONG_STAGE, BUCKET_EXPORT) : { renderReport, exportReport, exportToBucket, exportToBigQuery };
    try {
      enter(f, run, 'RENDER');
      const copied = has(f, 'copiedSkipsRender') ? copiedReport(staged, request.format) : undefined;
      progress.rendered = copied ?? (await on.renderReport(validated, staged));
      enter(f, run, 'EXPORT');
      const local = await on.exportReport(request, progress.rendered);
      const deliveries = await exportToBuckets(on, request, progress.rendered, staged, periodOf(validated));
      return { local, deliveries };
    } catch (err) {
      if (!worker || !workerLost(err) || start >= DATA_STAGE_STARTS) throw err;
      if (run.state.stage === 'EXPORT') progress.exportBegun = true;
      log.warn('the worker holding the staged rows is gone; starting the data stages over', { workerQueue: worker.taskQueue, stage: run.state.stage, start });
    }
  }
}

/**
 * An inline run's data stages: query → render → store export as ONE local activity (`produceReport`),
 * so whichever worker runs it holds every file it reads, and a retry (after a workflow task timed out
 * on an overloaded worker, say) starts over from the query wherever it runs. The run shows RENDER
 * meanwhile (the bulk of its time). Bucket and BigQuery exports read the staging, so they run on the
 * worker that produced it (pinned, as a staged run's stages are); when that worker is lost first, the
 * stages start over (at most `DATA_STAGE_STARTS` starts). A run without them leaves no staging behind.
 * `first`: what `startAndProduce` already produced, the first start's result.
 */
async function inlineDataStages(f: RunFeatures, run: RunStateTracker, request: ReportRequest, validated: ValidatedRequest, progress: DataStageProgress, first?: ProducedReport) {
  const keepStaging = keepsStaging(request);
  progress.stagingRemoved = !keepStaging;
  // A run the step announced already goes on to its end whatever comes (see `announced`).
  const next = (stage: 'RENDER' | 'EXPORT'): void => (progress.announced ? run.enter(stage) : enter(f, run, stage));
  for (let start = 1; ; start++) {
    next('RENDER');
    let produced: ProducedReport;
    try {
      produced = start === 1 && first ? first : await INLINE.produceReport({ request, validated, keepStaging });
    } catch (err) {
      // Its export may have delivered before the failure: let the withdrawal look.
      progress.exportBegun = true;
      throw err;
    }
    const { staged, rendered, local } = produced;
    progress.rendered = rendered;
    next('EXPORT');
    if (!keepStaging) return { local, deliveries: [] };
    const worker = staged.worker;
    if (worker && !progress.workers.some((w) => w.taskQueue === worker.taskQueue)) progress.workers.push(worker);
    const on = worker ? pinnedTo(worker, LONG_STAGE, BUCKET_EXPORT) : { exportToBucket, exportToBigQuery };
    try {
      return { local, deliveries: await exportToBuckets(on, request, rendered, staged, periodOf(validated)) };
    } catch (err) {
      if (!worker || !workerLost(err) || start >= DATA_STAGE_STARTS) throw err;
      log.warn('the worker holding the staged file is gone; starting the data stages over', { workerQueue: worker.taskQueue, start });
    }
  }
}

/**
 * Removes the run's staging on each worker that staged its rows (on the shared queue for runs without
 * pinned stages). Runs even in a cancelled scope; a failure is logged: leftover staging files cost disk,
 * not correctness, and a lost worker's files are gone with its disk or stay on it (README: Scaling out).
 */
async function cleanUp(request: ReportRequest, validated: ValidatedRequest | undefined, progress: DataStageProgress): Promise<void> {
  if (progress.stagingRemoved) return;
  const cleanups = progress.workers.length
    ? progress.workers.map((w) => pinnedTo(w, CLEANUP, CLEANUP).cleanupStaging)
    : [validated?.runMode === 'inline' ? INLINE.cleanupStaging : cleanupStaging];
  const results = await Promise.allSettled(cleanups.map((cleanup) => cleanup(request.id)));
  for (const result of results) {
    if (result.status === 'rejected') log.warn('staging cleanup failed', { error: String(result.reason) });
  }
}

/**
 * Enters the next stage, unless the run was cancelled while the last stage's activity was finishing
 * anyway (its result came back with the cancel): then the run ends CANCELLED in the stage it was in.
 */
function enter(f: RunFeatures, run: RunStateTracker, stage: 'QUERY_DATA' | 'RENDER' | 'EXPORT'): void {
  throwIfCancelled(f);
  run.enter(stage);
}

/** Throws the cancel when the run has been cancelled (runs with `cancelBetweenStages`). */
function throwIfCancelled(f: RunFeatures): void {
  if (CancellationScope.current().consideredCancelled && has(f, 'cancelBetweenStages')) throw new CancelledFailure('Workflow cancelled');
}

/** The validated period as bucket object names use it. */
function periodOf(validated: ValidatedRequest | undefined): ExportToBucketInput['period'] {
  return validated?.period ? { fromDate: validated.period.fromDate, toDate: validated.period.toDate } : undefined;
}

/**
 * A run that ends cancelled or failed once its export began takes back what it delivered (the LOCAL
 * file and its record, bucket objects, BigQuery rows), so it leaves no report nobody will be told of.
 * Runs even in a cancelled scope. When the withdrawal itself fails after its retries, the run's outcome
 * stands and the leftovers are logged.
 */
async function withdraw(f: RunFeatures, run: RunStateTracker, request: ReportRequest, progress: DataStageProgress, validated: ValidatedRequest | undefined): Promise<void> {
  if ((run.state.stage !== 'EXPORT' && !progress.exportBegun) || !has(f, 'withdraw')) return;
  const { rendered } = progress;
  const period = periodOf(validated);
  await CancellationScope.nonCancellable(async () => {
    try {
      await withdrawReport({ request, ...(rendered ? { fileName: rendered.fileName } : {}), ...(period ? { period } : {}) });
    } catch (err) {
      log.error('delivered files could not be withdrawn', { requestId: request.id, error: String(err) });
    }
  });
}

/** Whether an inline run keeps its staging after its data stages: its bucket and BigQuery exports read it. */
function keepsStaging(request: ReportRequest): boolean {
  return (request.exportLocations ?? []).length > 0;
}

/**
 * Whether `err`, the failure of an inline run's one-step local activity (`startRun`, `startAndProduce`)
 * after its few attempts, ends the run: a cancel, or a non-retryable ApplicationFailure (a bad request, a
 * final fault). Any other fault outlasted the quick attempts only, and the run takes the steps one by one.
 */
function endsRun(err: unknown): boolean {
  return isCancellation(err) || applicationFailureIn(err)?.nonRetryable === true;
}

/**
 * An inline run's first record (RUNNING in VALIDATE) and its validation, as one local activity
 * (`startRun`). A fault it still meets after its few attempts (the records or the data checks'
 * database) sends the run to the two steps it replaces, each with its full retries, so a run fares no
 * worse than before: `record` lets the run go on without its record, validation's faults end it only
 * when they outlast those retries.
 * @throws what validation throws: ApplicationFailure (non-retryable, the error code) for a bad request.
 */
async function startInline(f: RunFeatures, run: RunStateTracker, request: ReportRequest): Promise<ValidatedRequest> {
  const { status, stage } = run.state;
  try {
    return await localStartRun(request, { status, stage });
  } catch (err) {
    if (endsRun(err)) throw err;
    log.warn('the start of an inline run in one step failed; recording and validating one by one', { error: String(applicationFailureIn(err) ?? err) });
    await record(f, run, request);
    return localValidate(request);
  }
}

/**
 * An inline run's start and data stages as one local activity (`startAndProduce`): its first record
 * (RUNNING in VALIDATE), validation, and query → render → store export. The run shows VALIDATE meanwhile
 * (the activity tells the workflow nothing until it ends), and RENDER, then EXPORT, once it returns.
 * - A request validation refuses comes back as the refusal: the run fails in VALIDATE, and as nothing was
 *   exported it withdraws nothing.
 * - A final failure of the data stages, or a cancel, ends the run in RENDER; its store export may have
 *   delivered, so the withdrawal looks.
 * - A fault that outlasts the activity's few attempts sends the run to the steps one by one, each with its
 *   full retries (`startInline`'s two steps, then `inlineDataStages`), so a run fares no worse than before.
 * - A run told of by a webhook alone and without bucket exports is also ended by the step (its SUCCEEDED
 *   record and the webhook's first attempt, kept as `progress.announced`), unless a cancel reached it
 *   first. This needs no patch: the run's path after the step follows the step's result, which its
 *   history holds. A run started before, replayed, finds no `concluded` in it and ends itself
 *   (`concludeRun`) as it did.
 * @returns the validated request, and what the data stages produced unless the run fell back.
 * @throws ApplicationFailure (non-retryable, the error code) for a refused request or a final fault;
 *   the cancel.
 */
async function startAndProduceInline(
  f: RunFeatures,
  run: RunStateTracker,
  request: ReportRequest,
  progress: DataStageProgress,
): Promise<{ validated: ValidatedRequest; produced?: ProducedReport }> {
  const { status, stage } = run.state;
  const keepStaging = keepsStaging(request);
  // Each attempt removes its own staging unless bucket exports still read it.
  progress.stagingRemoved = !keepStaging;
  // The delivery is named as `sendWebhook` names the run's own (after the execution).
  const executionId = workflowInfo().runId;
  const conclude = !keepStaging && webhookAlone(request)
    ? { delivery: { id: executionId, executionId, retryInMs: retryDelayMs(WEBHOOK_RETRY_SCHEDULE, 1) } }
    : undefined;
  let result: StartAndProduceResult;
  try {
    result = await localStartAndProduce({ request, running: { status, stage }, keepStaging, ...(conclude ? { conclude } : {}) });
  } catch (err) {
    // An attempt may have exported before failing: let the withdrawal look.
    progress.exportBegun = true;
    if (endsRun(err)) {
      run.enter('RENDER');
      throw err;
    }
    log.warn('the start and data stages of an inline run in one step failed; taking them one by one', { error: String(applicationFailureIn(err) ?? err) });
    await record(f, run, request);
    return { validated: await localValidate(request) };
  }
  if ('refused' in result) {
    const { code, message, errors } = result.refused;
    throw ApplicationFailure.create({ type: code, message, nonRetryable: true, details: [errors] });
  }
  // Exported to the store: a cancel that arrived meanwhile takes it back, unless the step announced the run.
  progress.exportBegun = true;
  if (result.concluded?.recorded) progress.announced = result.concluded;
  return result;
}

/**
 * Mirrors the run's state into the service's records (what the API lists and searches). Runs even
 * in a cancelled scope; a failure after retries is logged and does not change the run's outcome
 * (the API then falls back to Temporal's view of the run).
 */
async function record(f: RunFeatures, run: RunStateTracker, request: ReportRequest): Promise<void> {
  // Runs started before records existed replay without these calls (their history has no markers).
  if (!has(f, 'recordRunState')) return;
  await writeState(request, stateUpdate(run));
}

/** The run's state as `recordRunState` writes it (with `completedAt`, workflow time, once it is final). */
function stateUpdate(run: RunStateTracker): RunStateUpdate {
  const { status, stage, error, notifyError } = run.state;
  const final = status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED';
  return {
    status,
    stage,
    ...(error ? { error } : {}),
    ...(notifyError ? { notifyError } : {}),
    ...(final ? { completedAt: new Date().toISOString() } : {}),
  };
}

/** Writes `update` (a `recordRunState` local activity with its retries), even in a cancelled scope; a failure is logged. */
async function writeState(request: ReportRequest, update: RunStateUpdate): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    try {
      await recordRunState(request, update);
    } catch (err) {
      log.warn('run state not recorded', { status: update.status, error: String(err) });
    }
  });
}

/**
 * Records the run's end, then tells of it (the webhook and emails, if any), even in a cancelled scope.
 * A run with `concludeRun` whose only notification is a webhook does both in the webhook's first
 * attempt (see `sendWebhook`): one local activity, one workflow activation fewer. `made`: the webhook's
 * first attempt `startAndProduce` made after recording the end; then nothing is recorded or sent again
 * here (the webhook's retries, if that attempt failed, still go to a `deliverWebhook` child).
 */
async function conclude(
  f: RunFeatures,
  run: RunStateTracker,
  request: ReportRequest,
  type: NotifyInput['type'],
  outcome: { report?: ExportedReport; error?: RunError },
  made?: MadeAttempt,
): Promise<void> {
  const inOne = f.concludeRun === true && webhookAlone(request);
  if (!inOne && !made) await record(f, run, request);
  const state = inOne && !made ? stateUpdate(run) : undefined;
  await CancellationScope.nonCancellable(() => tell(f, run, request, type, outcome, state, made));
}

/** Whether the run's only notification is a webhook (no emails). */
function webhookAlone(request: ReportRequest): boolean {
  return !!request.notify?.webhookUrl && (request.notify.emails ?? []).length === 0;
}

/**
 * Delivers to every bucket and BigQuery location at once, each its own activity (BigQuery gets the
 * staged rows, buckets the rendered file). Waits for all of them even when one fails (so no upload
 * is still running when staging is cleaned up), then throws the first failure.
 */
async function exportToBuckets(
  on: Pick<ReportActivities, 'exportToBucket' | 'exportToBigQuery'>,
  request: ReportRequest,
  rendered: ExportToBucketInput['rendered'],
  staged: StagedRows,
  period: ExportToBucketInput['period'],
) {
  const locations = request.exportLocations ?? [];
  const results = await Promise.allSettled(
    locations.map((location, index) =>
      location.variant === 'BIGQUERY' ? on.exportToBigQuery({ request, staged, index }) : on.exportToBucket({ request, rendered, staged, index, ...(period ? { period } : {}) }),
    ),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof exportToBucket>>>).value);
}

/**
 * Sends the webhook and the emails, if the request has them. Best effort: a failure is recorded, never
 * thrown. `recordFirst`: the run's end, not yet recorded, to record with the webhook's first attempt.
 * `made`: the webhook's first attempt, made (at `made.occurredAt`, the event's time) by `startAndProduce`.
 */
async function tell(
  f: RunFeatures,
  run: RunStateTracker,
  request: ReportRequest,
  type: NotifyInput['type'],
  outcome: { report?: ExportedReport; error?: RunError },
  recordFirst?: RunStateUpdate,
  made?: MadeAttempt,
): Promise<void> {
  const emails = request.notify?.emails ?? [];
  if (!request.notify?.webhookUrl && emails.length === 0) return;
  const status = run.state.status as NotifyInput['status'];
  // Notifying is a stage of a successful run; after a failure or cancel the stage that ended it stays shown.
  if (status === 'SUCCEEDED') run.enterNotify();
  const input: NotifyInput = { request, type, status, occurredAt: made?.occurredAt ?? new Date().toISOString(), ...outcome };
  const sends = [
    ...(request.notify?.webhookUrl ? [{ what: 'webhook', done: sendWebhook(f, input, recordFirst, made) }] : []),
    ...emails.map((recipient) => ({ what: 'email', done: sendEmail({ ...input, recipient }) })),
  ];
  const results = await Promise.allSettled(sends.map((s) => s.done));
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') return;
    const error = toRunError(result.reason, 'NOTIFY');
    log.warn(`${sends[i]!.what} not delivered`, { type, code: error.code, error: String(result.reason) });
    // The first failure is the one shown; later ones are in the log.
    if (!run.state.notifyError) run.notifyFailed(error);
  });
}

/**
 * Delivers the event. With `firstWebhookAttempt`, the run makes the first attempt itself (a local
 * activity, see `notifyOnce`) and records the delivery DELIVERED (unless that attempt stored it so
 * already), or FAILED when the receiver refused it for good; only an attempt that may be retried hands
 * the event to a `deliverWebhook` child that makes the rest of the schedule's attempts. The child
 * outlives this run (parent close policy ABANDON), so a receiver that is down for hours delays neither
 * the run's end nor its staging cleanup nor a subscription's next run; it resolves once the child has
 * started, and the child's outcome is recorded on the request's deliveries. Runs started before `firstWebhookAttempt` hand every attempt to the child;
 * runs started before `webhookDelivery` send it themselves (replaying their history).
 */
async function sendWebhook(f: RunFeatures, input: NotifyInput, recordFirst?: RunStateUpdate, made?: MadeAttempt): Promise<unknown> {
  if (!has(f, 'webhookDelivery')) return notify(input);
  const { request, ...event } = input;
  const executionId = workflowInfo().runId;
  // The run's own delivery is named after the execution, not a random id: the tracing interceptors
  // draw span ids from the same seeded random source as uuid4(), so with a uuid4() a history made with
  // tracing off would not replay with it on (or on a worker set the other way). One run sends one event.
  // Runs with `firstWebhookAttempt` do so without asking the older patch: a patch asked between local
  // activities of one workflow task does not replay in place (see `RunFeatures`).
  const firstAttempt = has(f, 'firstWebhookAttempt');
  const deliveryId = firstAttempt || patched(DELIVERY_ID_FROM_RUN_PATCH) ? executionId : uuid4();
  const schedule = WEBHOOK_RETRY_SCHEDULE;
  const delivery = { id: deliveryId, redelivery: false, linkSignedAt: event.occurredAt, executionId };
  let attemptsMade = 0;
  let firstAttemptAt: string | undefined;
  if (firstAttempt) {
    const record = { deliveryId, tenantId: request.tenantId, requestId: request.id, event, redelivery: false, executionId };
    firstAttemptAt = made?.occurredAt ?? new Date().toISOString();
    try {
      const answer = made ? madeAttempt(made) : await firstWebhookAttempt({ request, ...event, delivery: { ...delivery, retryInMs: retryDelayMs(schedule, 1) } }, recordFirst);
      // Stored DELIVERED by the attempt itself: nothing more to write (one local activity, one workflow
      // activation fewer). Without `recorded` (that write failed, or the result is from an earlier
      // version's history) the run records it, as it always did; either way the choice replays from the result.
      if (answer?.recorded) return answer;
      return await recordDelivery({ ...record, status: 'DELIVERED', deliveredAt: new Date().toISOString() });
    } catch (err) {
      const error = undelivered(err, schedule.totalMs);
      if (isFinalDeliveryError(error.code)) return await recordDelivery({ ...record, status: 'FAILED', error });
      attemptsMade = 1;
    }
  }
  return startChild<typeof deliverWebhook>(DELIVER_WEBHOOK_WORKFLOW, {
    workflowId: deliveryWorkflowId(request.id, deliveryId),
    args: [{ deliveryId, request, event, redelivery: false, linkSignedAt: event.occurredAt, executionId, schedule, ...(attemptsMade ? { attemptsMade, firstAttemptAt } : {}) }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: [
      { key: SA_TENANT, value: request.tenantId },
      { key: SA_REPORT_CODE, value: request.reportCode },
    ],
    staticSummary: `${event.type} webhook of ${request.id}`,
  });
}

/**
 * The receiver's answer to the first attempt `startAndProduce` made.
 * @throws the attempt's failure, re-created (an ApplicationFailure with its type, retryability and details).
 */
function madeAttempt(made: MadeAttempt): NotifyAnswer | undefined {
  if ('answer' in made) return made.answer;
  const { type, message, nonRetryable, details } = made.failure;
  throw ApplicationFailure.create({ ...(type ? { type } : {}), message, nonRetryable, ...(details ? { details } : {}) });
}

/**
 * The webhook's first attempt (`notifyOnce`); with `recordFirst`, after recording the run's end in the
 * same local activity (`concludeOnce`). When that record could not be written, nothing was sent: the
 * run records it with the record's own retries, then makes the attempt. The end is written once: a
 * failed attempt (an ApplicationFailure: the attempt ran, so the record before it was written) is not
 * followed by a second write, which would count the run's end twice in the metrics; only an activity
 * that failed otherwise (timed out, its worker lost) leaves the record to the run.
 * @throws what the attempt throws (the receiver refused, timed out or was unreachable).
 */
async function firstWebhookAttempt(send: NotifyInput, recordFirst: RunStateUpdate | undefined): Promise<NotifyAnswer | undefined> {
  if (!recordFirst) return notifyOnce(send);
  let concluded: Awaited<ReturnType<typeof concludeOnce>>;
  try {
    concluded = await concludeOnce({ state: recordFirst, notify: send });
  } catch (err) {
    // An ApplicationFailure is the activity's own code failing: the attempt ran, after the record.
    if (!applicationFailureIn(err)) await writeState(send.request, recordFirst);
    throw err;
  }
  if (concluded.recorded) return concluded.answer;
  await writeState(send.request, recordFirst);
  return notifyOnce(send);
}
