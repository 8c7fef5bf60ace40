/**
 * The cleanup activity: removes a run's staging folder once the run has ended, however it ended.
 */
import type { ActivityDeps } from './deps.js';

/** Idempotent: removing an already removed folder succeeds. @throws Error on I/O faults (retried). */
export function cleanupActivity(deps: Pick<ActivityDeps, 'staging'>) {
  return async function cleanupStaging(requestId: string): Promise<void> {
    await deps.staging.removeRun(requestId);
  };
}
