/**
 * `recordRunOutcome`: after each scheduled report run, writes what it did to the subscription's
 * ledger (`reportflow.subscription_runs`: nominal time → RAN / ALREADY_RAN / MISSED, which
 * `missed_periods` is computed from), and for a run that ran counts failures in a row; at
 * `REPORTFLOW_SUBSCRIPTION_MAX_FAILURES` it pauses the subscription and its Temporal Schedule with
 * the reason. Idempotent: the ledger row is keyed by nominal time, the count by the report run's id,
 * and pausing twice is harmless.
 */
import { Context } from '@temporalio/activity';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { ReportPeriod } from '../src/domain/report-request.js';
import { scheduleIdOf } from '../src/domain/subscription-run.js';
import type { LedgerOutcome } from '../src/subscriptions/subscription-ledger.js';
import { SubscriptionStore } from '../src/subscriptions/subscription-store.js';
import type { ActivityDeps } from './deps.js';

export interface RunOutcomeInput {
  subscriptionId: string;
  /** The report run's workflow id (`<subscription>:<period>`); for MISSED, the id it would have had. */
  runId: string;
  /**
   * What the run did; only RAN counts towards (or resets) the failures in a row.
   * @default 'RAN' (inputs recorded before the ledger existed)
   */
  outcome?: LedgerOutcome;
  /** For RAN: whether the report run failed (cancelled runs are not recorded at all). False otherwise. */
  failed: boolean;
  /** Error code of a failed run. */
  errorCode?: string;
  /** `fromDate..toDate` of the run's period, for the pause reason. */
  period: string;
  /**
   * Set for runs a schedule started: the nominal time (ISO-8601 with offset) and period the ledger
   * row gets. Manual runs of an explicit period have no nominal time and no ledger row.
   */
  ledger?: { nominalTime: string; period: ReportPeriod };
}

/**
 * @returns whether this outcome paused the subscription (not when it was paused already), and the
 *   failure count after it (RAN only).
 * @throws database and Temporal faults as plain errors (retried by the workflow's policy).
 */
export function recordRunOutcomeActivity(deps: Pick<ActivityDeps, 'db' | 'config' | 'logger'>) {
  const store = new SubscriptionStore(deps.db);
  return async function recordRunOutcome(input: RunOutcomeInput): Promise<{ paused: boolean; consecutiveFailures?: number }> {
    const outcome = input.outcome ?? 'RAN';
    if (input.ledger) {
      await store.ledger.recordRun({
        subscriptionId: input.subscriptionId,
        nominalTime: input.ledger.nominalTime,
        outcome,
        period: input.ledger.period,
        runId: input.runId,
        ...(outcome === 'RAN' ? { runStatus: input.failed ? 'FAILED' : 'SUCCEEDED' } : {}),
        ...(input.errorCode ? { errorCode: input.errorCode } : {}),
      });
    }
    if (outcome !== 'RAN') return { paused: false };
    const failures = await store.recordOutcome(input.subscriptionId, input.runId, input.failed);
    if (failures === undefined) return { paused: false };
    const max = deps.config.subscriptionMaxFailures;
    if (!input.failed || max === 0 || failures < max) return { paused: false, consecutiveFailures: failures };
    const reason = `AUTO_PAUSED: ${failures} runs in a row failed (last: ${input.errorCode ?? 'INTERNAL'} for ${input.period})`;
    // Row and schedule together, under the lock every change to a subscription takes. One the client
    // paused already keeps its own reason.
    const paused = await store.withScheduleLock(input.subscriptionId, async (tx) => {
      if (!(await store.autoPause(input.subscriptionId, reason, tx))) return false;
      try {
        await Context.current().client.schedule.getHandle(scheduleIdOf(input.subscriptionId)).pause(reason);
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
      return true;
    });
    if (paused) deps.logger.warn({ subscriptionId: input.subscriptionId, failures }, 'subscription paused after repeated failures');
    return { paused, consecutiveFailures: failures };
  };
}
