/**
 * Heartbeats for long activities. The SDK learns that an activity was cancelled only from the answer
 * to a heartbeat, and the server takes an activity without heartbeats for dead after its heartbeat
 * timeout; so an activity blocked in one long call (a query computing its first row, Chromium printing
 * thousands of rows, one large upload part) must keep heartbeating while it waits, not only when it
 * makes progress. The SDK sends at most one heartbeat per throttle interval (1 s, see
 * src/temporal/worker.ts), so calling it more often costs nothing.
 */
import type { Context } from '@temporalio/activity';

/** How often a waiting activity heartbeats, in ms. */
export const KEEP_ALIVE_EVERY_MS = 1000;

/** Progress reporting of one activity execution. */
export interface KeepAlive {
  /** Records progress (heartbeat details, e.g. rows or bytes done) and heartbeats with it. */
  progress(details: unknown): void;
  /** Stops the periodic heartbeat. Call in a `finally`. */
  stop(): void;
}

/**
 * Heartbeats at once with `initial`, then every `KEEP_ALIVE_EVERY_MS` with the latest progress, until
 * `stop()`. A local activity (an inline run's stages) does not heartbeat: the server does not know it
 * (the SDK's core logs "Activity heartbeat failed … UnknownActivity" for each one) and its cancellation
 * arrives through the workflow task, not a heartbeat's answer.
 */
export function keepAlive(ctx: Pick<Context, 'heartbeat' | 'info'>, initial: unknown = 0): KeepAlive {
  if (ctx.info.isLocal) return { progress() {}, stop() {} };
  let details = initial;
  ctx.heartbeat(details);
  const timer = setInterval(() => ctx.heartbeat(details), KEEP_ALIVE_EVERY_MS);
  timer.unref();
  return {
    progress(next) {
      details = next;
      ctx.heartbeat(details);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
