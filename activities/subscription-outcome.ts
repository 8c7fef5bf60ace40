/**
 * `recordRunOutcome`: after each scheduled report run, counts failures in a row for its
 * subscription and, at `REPORTFLOW_SUBSCRIPTION_MAX_FAILURES`, pauses the subscription and its
 * Temporal Schedule with the reason. Idempotent: the count is keyed by the report run's id, and
 * pausing twice is harmless.
 */
import { Context } from '@temporalio/activity';
import { ScheduleNotFoundError } from '@temporalio/client';
import { scheduleIdOf } from '../src/domain/subscription-run.js';
import { SubscriptionStore } from '../src/subscriptions/subscription-store.js';
import type { ActivityDeps } from './deps.js';

export interface RunOutcomeInput {
  subscriptionId: string;
  /** The report run's workflow id (`<subscription>:<period>`). */
  runId: string;
  failed: boolean;
  /** Error code of a failed run. */
  errorCode?: string;
  /** `fromDate..toDate` of the run's period, for the pause reason. */
  period: string;
}

/** @returns whether this outcome paused the subscription. */
export function recordRunOutcomeActivity(deps: Pick<ActivityDeps, 'db' | 'config' | 'logger'>) {
  const store = new SubscriptionStore(deps.db);
  return async function recordRunOutcome(input: RunOutcomeInput): Promise<{ paused: boolean; consecutiveFailures?: number }> {
    const failures = await store.recordOutcome(input.subscriptionId, input.runId, input.failed);
    if (failures === undefined) return { paused: false };
    const max = deps.config.subscriptionMaxFailures;
    if (!input.failed || max === 0 || failures < max) return { paused: false, consecutiveFailures: failures };
    const reason = `AUTO_PAUSED: ${failures} runs in a row failed (last: ${input.errorCode ?? 'INTERNAL'} for ${input.period})`;
    await store.autoPause(input.subscriptionId, reason);
    try {
      await Context.current().client.schedule.getHandle(scheduleIdOf(input.subscriptionId)).pause(reason);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    deps.logger.warn({ subscriptionId: input.subscriptionId, failures }, 'subscription paused after repeated failures');
    return { paused: true, consecutiveFailures: failures };
  };
}
