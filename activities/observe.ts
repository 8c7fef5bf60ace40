/**
 * What every activity attempt tells the operators, added around each activity by `createActivities`:
 * its log lines carry the run's request id, workflow id and tenant (src/observability/log-context.ts),
 * its duration and outcome go to `reportflow_stage_duration_seconds`, and an activity's own figures
 * (rows rendered, exports, webhooks, emails, run outcomes) to their counters (activity-metrics.ts).
 */
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { ReportRequest } from '../src/domain/report-request.js';
import { runWithLogContext, type LogContext } from '../src/observability/log-context.js';
import type { Outcome, WorkerMetrics } from '../src/observability/worker-metrics.js';
import type { ActivityDeps } from './deps.js';

/** How an attempt ended, for an activity's own counters. */
export interface Ended<R> {
  outcome: Outcome;
  result?: R;
  err?: unknown;
}

/** Records an activity's own figures from its arguments and how it ended. */
export type Observer<A extends unknown[], R> = (metrics: WorkerMetrics, args: A, ended: Ended<R>) => void;

/**
 * Wraps `fn` (an activity) with the run's log context, its stage timing and `observe`. Arguments,
 * result and errors pass through untouched. `stage`: the name its timing is recorded under, for a stage
 * run inside another activity (`produceReport`); by default the running activity's type.
 */
export function observed<A extends unknown[], R>(deps: Pick<ActivityDeps, 'metrics'>, fn: (...args: A) => Promise<R>, observe?: Observer<A, R>, stage?: string): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const info = activityInfo();
    const request = requestOf(args[0]);
    const context: LogContext = definedOnly({
      requestId: request?.id ?? idOf(args[0]),
      workflowId: info?.workflowExecution?.workflowId,
      tenantId: request?.tenantId ?? tenantOf(args[0]),
    });
    const startedMs = performance.now();
    const end = (ended: Ended<R>) => {
      const { metrics } = deps;
      if (!metrics) return;
      metrics.stage(stage ?? info?.activityType ?? fn.name, request?.format, ended.outcome, (performance.now() - startedMs) / 1000);
      observe?.(metrics, args, ended);
    };
    return runWithLogContext(context, async () => {
      try {
        const result = await fn(...args);
        end({ outcome: 'ok', result });
        return result;
      } catch (err) {
        end({ outcome: isCancel(err) ? 'cancelled' : 'error', err });
        throw err;
      }
    });
  };
}

/** True for the ways a cancelled activity ends (the SDK's CancelledFailure, an AbortError). */
export function isCancel(err: unknown): boolean {
  return err instanceof CancelledFailure || (err instanceof Error && err.name === 'AbortError');
}

function definedOnly(fields: Record<keyof LogContext, string | undefined>): LogContext {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function activityInfo(): Context['info'] | undefined {
  try {
    return Context.current().info;
  } catch {
    return undefined; // called outside an activity (a unit test calling the function itself)
  }
}

/** The run's request among an activity's first argument: the request itself, or an input carrying it. */
function requestOf(arg: unknown): ReportRequest | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  if ('request' in arg && arg.request && typeof arg.request === 'object') return arg.request as ReportRequest;
  if ('tenantId' in arg && 'reportCode' in arg && 'id' in arg) return arg as ReportRequest;
  return undefined;
}

/** The request id of activities that take it alone (`cleanupStaging(id)`) or in a record (`requestId`). */
function idOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  return arg && typeof arg === 'object' && 'requestId' in arg && typeof arg.requestId === 'string' ? arg.requestId : undefined;
}

function tenantOf(arg: unknown): string | undefined {
  return arg && typeof arg === 'object' && 'tenantId' in arg && typeof arg.tenantId === 'string' ? arg.tenantId : undefined;
}
