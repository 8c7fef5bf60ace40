/**
 * The end of a run whose only notification is a webhook, as one local activity: records the run's final
 * state (the `recordRunState` write), then makes the webhook's first attempt (`notify`). Each local
 * activity is a workflow activation of its own; making these two steps one cut the machine's CPU per
 * invoice PDF by ~6 % (see `startRun`, which does the same for a run's first two steps, and README
 * "Benchmark").
 *
 * `startAndProduce` calls the same function at its own end for an inline run without bucket exports, so
 * such a run is one local activity in all.
 *
 * The order is kept: a receiver that reads the request on hearing of it finds it ended. When the
 * record cannot be written, nothing is sent and the workflow takes the two steps one by one, the record
 * with its own retries.
 */
import type { ReportRequest } from '../src/domain/report-request.js';
import type { RunStateUpdate } from '../src/records/records.js';
import type { NotifyAnswer, NotifyInput } from './notify.js';

/** Input of `concludeRun`: the state to record, and the webhook's first attempt (`notify`'s input). */
export interface ConcludeRunInput {
  state: RunStateUpdate;
  notify: NotifyInput;
}

/**
 * `recorded: false`: the state could not be written (a database fault) and no webhook was sent.
 * Otherwise `answer` is what `notify` returned.
 */
export type ConcludeRunResult = { recorded: false } | { recorded: true; answer: NotifyAnswer | undefined };

/**
 * @param record the `recordRunState` activity's function (an upsert that never turns a final state back).
 * @param notify the `notify` activity's function (one attempt; it records the attempt on its delivery).
 * @throws what `notify` throws for an attempt that failed (the receiver refused, timed out or was
 *   unreachable), once the state is recorded.
 */
export function concludeRunActivity(
  record: (request: ReportRequest, update: RunStateUpdate) => Promise<void>,
  notify: (input: NotifyInput) => Promise<NotifyAnswer | undefined>,
) {
  return async function concludeRun(input: ConcludeRunInput): Promise<ConcludeRunResult> {
    try {
      await record(input.notify.request, input.state);
    } catch {
      return { recorded: false };
    }
    return { recorded: true, answer: await notify(input.notify) };
  };
}
