/**
 * Keeps one activity's fault from ending the worker process, and so every other run in it.
 *
 * An error that escapes an activity's own promise (an `'error'` event nobody listens to, a throw in a
 * timer callback, a rejected promise nobody awaits) reaches the process as `uncaughtException` or
 * `unhandledRejection`, whose default is to end the process. Node runs those handlers in the async
 * context of the code that failed, and the Temporal SDK runs each activity inside its
 * AsyncLocalStorage context, so the handler can tell which activity the fault came from: that
 * activity alone is failed with the error (and retried by its policy), and the worker goes on.
 * A fault that belongs to no running activity is handed to the caller (the worker shuts down
 * gracefully and its supervisor restarts it: its state is unknown).
 */
import { asyncLocalStorage, type Context, type Info } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** Where a process-level fault was attributed. */
export type FaultOwner = { activity: Pick<Info, 'activityType' | 'activityId' | 'attempt' | 'workflowExecution'> } | { activity: undefined };

export class ActivityFaultGuard {
  /** Rejecters of the activities running now, by their context (the AsyncLocalStorage store). */
  private readonly running = new WeakMap<Context, (err: Error) => void>();

  /**
   * The worker's activity interceptor (`interceptors.activity`): each execution races its own promise
   * against a fault reported for its context.
   */
  readonly interceptor: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      execute: (input, next) => {
        let fail!: (err: Error) => void;
        const fault = new Promise<never>((_, reject) => {
          fail = reject;
        });
        this.running.set(ctx, fail);
        const job = next(input);
        // Once a fault has failed the execution, the job's own late rejection is expected: not another fault.
        job.catch(() => undefined);
        return Promise.race([job, fault]).finally(() => this.running.delete(ctx));
      },
    },
  });

  /**
   * Fails the activity whose async context is current with `err`.
   * @returns the activity's identity, or `{ activity: undefined }` when no running activity owns the
   *   current context (a fault outside activities, or of one that has already finished).
   */
  failCurrent(err: Error): FaultOwner {
    const ctx = asyncLocalStorage.getStore();
    const fail = ctx ? this.running.get(ctx) : undefined;
    if (!ctx || !fail) return { activity: undefined };
    this.running.delete(ctx);
    fail(err);
    const { activityType, activityId, attempt, workflowExecution } = ctx.info;
    return { activity: { activityType, activityId, attempt, workflowExecution } };
  }
}

/** What the process guards tell the worker. */
export interface ProcessGuardHooks {
  /** A fault was charged to one activity, which now fails with it (logged by the caller). */
  onActivityFault(kind: 'uncaughtException' | 'unhandledRejection', err: Error, owner: FaultOwner): void;
  /** A fault no running activity owns: the process state is unknown (the worker shuts down gracefully). */
  onUnownedFault(kind: 'uncaughtException' | 'unhandledRejection', err: Error): void;
}

/**
 * Installs the process-level handlers that route faults through `guard`. Call once per process.
 * @returns a function that removes them (for tests).
 */
export function installProcessGuards(guard: ActivityFaultGuard, hooks: ProcessGuardHooks): () => void {
  const handle = (kind: 'uncaughtException' | 'unhandledRejection') => (reason: unknown) => {
    const err = reason instanceof Error ? reason : new Error(`non-error ${kind}: ${String(reason)}`);
    const owner = guard.failCurrent(err);
    if (owner.activity) hooks.onActivityFault(kind, err, owner);
    else hooks.onUnownedFault(kind, err);
  };
  const onException = handle('uncaughtException');
  const onRejection = handle('unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
