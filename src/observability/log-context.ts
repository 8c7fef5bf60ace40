/**
 * The run a log line belongs to. Code running for one run (an activity attempt) runs inside
 * `runWithLogContext`, and the process logger (src/main/logger.ts) adds the context to every line it
 * writes meanwhile, through pino's `mixin`, so nothing needs to hand a child logger down.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields that join a log line to a run. */
export interface LogContext {
  /** The report request's id (also the report run's workflow id). */
  requestId?: string;
  /** The Temporal workflow id the line was written for (a webhook delivery has its own). */
  workflowId?: string;
  tenantId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `context` attached to every log line written inside it (also in callbacks it starts). */
export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The context of the code running now; `{}` outside any run. For pino's `mixin`. */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
