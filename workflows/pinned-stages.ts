/**
 * Worker-pinned stages (Temporal's worker-specific task queue pattern): the activities of a run that
 * read its staged files are scheduled on the task queue of the one worker process whose disk holds them
 * (`StagingWorker`, named by the query activity), with a schedule-to-start timeout that tells a lost
 * worker from a live one. Deterministic: only proxies and failure checks.
 */
import { ActivityFailure, proxyActivities, TimeoutFailure, type ActivityOptions } from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import type { ReportActivities } from '../activities/index.js';
import type { StagingWorker } from '../src/domain/artifacts.js';

/**
 * The report activities on `worker`'s own task queue: the long stages (render, store export) with
 * `stageOptions`, the bucket and BigQuery exports with `exportOptions`, each waiting at most
 * `worker.startTimeoutMs` to be picked up.
 */
export function pinnedTo(worker: StagingWorker, stageOptions: ActivityOptions, exportOptions: ActivityOptions) {
  const pin = { taskQueue: worker.taskQueue, scheduleToStartTimeout: worker.startTimeoutMs };
  const { renderReport, exportReport, cleanupStaging } = proxyActivities<ReportActivities>({ ...stageOptions, ...pin });
  const { exportToBucket, exportToBigQuery } = proxyActivities<ReportActivities>({ ...exportOptions, ...pin });
  return { renderReport, exportReport, cleanupStaging, exportToBucket, exportToBigQuery };
}

/**
 * True when a pinned stage was never picked up in time: its worker is gone. (A running stage whose
 * worker dies first times out on its heartbeat; its retry then waits on the dead queue and ends here.)
 */
export function workerLost(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START;
}
