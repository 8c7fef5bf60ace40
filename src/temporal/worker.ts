/**
 * The report worker: runs `generateReport` workflows and the report activities on `config.taskQueue`,
 * and (`createStagingWorker`) the data stages of the runs whose rows it staged on a task queue of its
 * own. Add worker processes, each with its own disk, on more machines to scale out.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { ReportActivities } from '../../activities/index.js';
import type { Config } from '../config/settings.js';
import type { ActivityFaultGuard } from './activity-fault-guard.js';
import { WORKFLOW_TRACING_MODULE, type WorkerTracing } from './tracing.js';

/**
 * The workflow bundle's entry point, in the same tree as this file: the TypeScript source (the SDK's
 * bundler compiles it), or its compiled JavaScript when running from dist/.
 */
export const workflowsPath = fileURLToPath(new URL(`../../workflows/index${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** How long running activities may finish after shutdown starts. */
export const SHUTDOWN_GRACE = '20 seconds';
/** Longest gap between two heartbeats an activity sends to the server (see createReportWorker). */
export const MAX_HEARTBEAT_THROTTLE = '1 second';
/** When a shutdown gives up waiting (GracefulShutdownPeriodExpiredError). */
export const SHUTDOWN_FORCE = '45 seconds';

export interface ReportWorkerOptions {
  config: Pick<Config, 'taskQueue' | 'temporalNamespace' | 'workerMaxActivities'>;
  activities: ReportActivities;
  connection: NativeConnection;
  /** A pre-built bundle (`bundleWorkflowCode({ workflowsPath })`); tests share one to save the ~seconds of bundling. Default: bundle `workflowsPath`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Charges process-level faults to the activity they came from (see activity-fault-guard.ts); its interceptor is installed. */
  faultGuard?: ActivityFaultGuard;
  /**
   * Tracing's interceptors and sink (temporal/tracing.ts); unset, none is installed. A pre-built
   * `workflowBundle` must then have been bundled with the workflow interceptors (`writeWorkflowBundle`).
   */
  tracing?: WorkerTracing;
  /** Extra worker options (e.g. a shorter `maxHeartbeatThrottleInterval` in tests); they win over the defaults. */
  overrides?: Partial<WorkerOptions>;
}

/** Creates (does not start) the worker; call `worker.run()`, stop with `worker.shutdown()`. */
export async function createReportWorker(options: ReportWorkerOptions): Promise<Worker> {
  const { config, workflowBundle, tracing, overrides } = options;
  return Worker.create({
    ...activityWorkerOptions(options),
    taskQueue: config.taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    // Local activities (inline runs' stages, run-state writes) are bounded the same way: at month end
    // thousands of inline runs would otherwise start the SDK's default of 100 at once, each holding a
    // database stream (the worker opens `workerMaxActivities` of them) or waiting for a Chromium page.
    maxConcurrentLocalActivityExecutions: config.workerMaxActivities,
    interceptors: { activity: activityInterceptors(options), ...(tracing && !workflowBundle ? { workflowModules: [WORKFLOW_TRACING_MODULE] } : {}) },
    ...(tracing ? { sinks: tracing.sinks } : {}),
    ...overrides,
  });
}

/** What both of a process's workers run activities with. */
function activityWorkerOptions(options: Omit<ReportWorkerOptions, 'workflowBundle' | 'overrides'>) {
  const { config, activities, connection } = options;
  return {
    connection,
    namespace: config.temporalNamespace,
    activities,
    maxConcurrentActivityTaskExecutions: config.workerMaxActivities,
    // On shutdown, running activities get this long to finish; then they are cancelled (and retried
    // by another worker). Past the force time the worker gives up so the process can exit.
    shutdownGraceTime: SHUTDOWN_GRACE,
    shutdownForceTime: SHUTDOWN_FORCE,
    // Heartbeats are how a running activity learns it was cancelled. The SDK sends them at most every
    // 80% of the heartbeat timeout (24 s for the 30 s of long stages), so a cancel could wait that long;
    // one per second keeps a cancelled render stopping within about a second (measured in
    // test/integration/api-cancel-render.test.ts) for one small RPC per second per long activity.
    maxHeartbeatThrottleInterval: MAX_HEARTBEAT_THROTTLE,
  };
}

/** The tracing interceptor runs first, so an activity's span covers the other interceptors too. */
function activityInterceptors({ tracing, faultGuard }: Pick<ReportWorkerOptions, 'tracing' | 'faultGuard'>) {
  return [...(tracing ? [tracing.activity] : []), ...(faultGuard ? [faultGuard.interceptor] : [])];
}

/**
 * The task queue only this worker process polls: `<taskQueue>@<host>-<pid>-<random>`. The random part
 * makes a restarted process (same host, maybe the same pid in a container) a new queue, so a stage
 * left on the old one times out instead of landing on a process without the old staging files.
 */
export function stagingWorkerQueue(taskQueue: string): string {
  return `${taskQueue}@${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Creates (does not start) the activity-only worker of `taskQueue` (from `stagingWorkerQueue`): the
 * render, exports and staging cleanup of the runs whose rows this process staged. It has its own
 * `workerMaxActivities` slots, so pinned stages never wait behind query activities of the shared queue;
 * run it beside the shared worker and shut both down together.
 */
export async function createStagingWorker(options: Omit<ReportWorkerOptions, 'workflowBundle'> & { taskQueue: string }): Promise<Worker> {
  return Worker.create({
    ...activityWorkerOptions(options),
    taskQueue: options.taskQueue,
    interceptors: { activity: activityInterceptors(options) },
    ...options.overrides,
  });
}
