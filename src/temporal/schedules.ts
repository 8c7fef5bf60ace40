/**
 * Subscriptions as Temporal Schedules: one schedule per subscription, id `subscription-<id>`, whose
 * action starts `scheduledReport` with a snapshot of the subscription. The API and CLI reach it
 * through `SubscriptionScheduler`; `SubscriptionSchedules` is the Temporal-backed one.
 *
 * Policies (README "Subscriptions"): overlap BUFFER_ALL — a run due while the previous one still
 * runs waits for it, so periods run in order and none is dropped; catch-up window
 * `REPORTFLOW_SUBSCRIPTION_CATCHUP_DAYS` (7 days) — after an outage every missed run inside the window
 * runs once, in order; older ones are not run and are listed as missed periods by the API. Temporal
 * applies the window only to times it could not act on (server down); the action's argument carries
 * it too (`catchUp`), so a run that begins late because the workers were down obeys it as well, and
 * carries the ranges clients backfilled, whose runs go ahead however late.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import { ReportError } from '../domain/errors.js';
import { MIN_CATCHUP_WINDOW_MS, withBackfill, type CatchUpPolicy } from '../domain/subscription-catchup.js';
import { SA_REPORT_CODE, SA_TENANT } from '../domain/search-attributes.js';
import { runSummary } from '../domain/summary.js';
import { scheduleSummary } from '../domain/subscription-schedule.js';
import { periodKey } from '../domain/subscription-period.js';
import { SCHEDULED_REPORT_WORKFLOW, scheduleIdOf, type ScheduledReportInput } from '../domain/subscription-run.js';
import { scheduleSpecOf } from '../subscriptions/schedule-spec.js';
import { isConnectionFault } from './report-runs.js';

/** A schedule's state as the API shows it. Times are UTC instants. */
export interface ScheduleView {
  paused: boolean;
  note?: string;
  /** The next (up to 10) nominal times. */
  nextRunTimes: Date[];
  /** The latest runs the schedule started (nominal time, when taken, workflow id), oldest first. */
  recentRuns: { nominalTime: Date; startedAt: Date; workflowId: string }[];
  /** Runs not taken because they fell outside the catch-up window (Temporal's count, since the schedule was created). */
  missedCatchupWindow: number;
  /** The catch-up window in effect, in milliseconds. */
  catchupWindowMs: number;
}

/** A subscription's run started outside its schedule (a `trigger`). */
export interface ManualRun {
  workflowId: string;
  startedAt: Date;
  /** The report run's id, `<subscription id>:<period key>`. */
  reportRunId: string;
}

/** What subscriptions need from the scheduler. Every method throws ReportError('UNAVAILABLE') when Temporal cannot be reached. */
export interface SubscriptionScheduler {
  /**
   * Creates the schedule; `paused` with `note` when the subscription is inactive. Idempotent: an
   * existing schedule is updated. Without `note` the schedule's note becomes the subscription's summary
   * (schedule and report), on update too, so the Web UI never shows a schedule that was replaced.
   */
  upsert(input: ScheduledReportInput, state: { paused: boolean; note?: string }): Promise<void>;
  /**
   * @param options.timeoutMs how long to wait for Temporal's answer, in ms (default 20 000).
   * @returns undefined when the schedule does not exist.
   */
  describe(subscriptionId: string, options?: CallOptions): Promise<ScheduleView | undefined>;
  pause(subscriptionId: string, note: string): Promise<void>;
  resume(subscriptionId: string, note: string): Promise<void>;
  /** One run now, for the period that ends at the current time (BUFFER_ALL: after any running one). */
  trigger(subscriptionId: string): Promise<void>;
  /** One run per nominal time in `[from, to)`, each with its own period, however old (the range is remembered as asked for). */
  backfill(subscriptionId: string, from: Date, to: Date): Promise<void>;
  /** Deletes the schedule; runs already started go on. No-op when it does not exist. */
  delete(subscriptionId: string): Promise<void>;
  /**
   * The latest `limit` runs started outside the schedule (`runPeriod`), oldest first: workflow id,
   * start time and the report run id they ran or found.
   */
  manualRuns(subscriptionId: string, limit: number, options?: CallOptions): Promise<ManualRun[]>;
  /** Starts one run for the explicit `input.period` now (outside the schedule, same duplicate rules). */
  runPeriod(input: ScheduledReportInput & { period: NonNullable<ScheduledReportInput['period']> }): Promise<void>;
}

/** Per call: `timeoutMs`, how long to wait for Temporal's answer in ms (default `SCHEDULE_CALL_TIMEOUT_MS`). */
export interface CallOptions {
  timeoutMs?: number;
}

/**
 * How long a schedule call waits by default, in ms. A change is up to three calls (create, then
 * describe and update when the schedule exists), and the scheduler answers a describe only between
 * its own tasks: a dev server busy with thousands of runs once took more than 10 s for one PATCH under
 * a fuzzer's load. 20 s stays under the 30 s a client such as the fuzzer waits.
 */
export const SCHEDULE_CALL_TIMEOUT_MS = 20_000;

export interface SubscriptionSchedulesOptions {
  /** Task queue the workers poll. */
  taskQueue: string;
  /** Catch-up window in days. @default 7 */
  catchupWindowDays?: number;
  /**
   * Catch-up window in milliseconds, at least 10 000 (Temporal raises smaller ones); for tests that
   * cannot wait days. Mutually exclusive with `catchupWindowDays`, and wins over it.
   */
  catchupWindowMs?: number;
}

/** Temporal-backed `SubscriptionScheduler`. */
export class SubscriptionSchedules implements SubscriptionScheduler {
  constructor(
    private readonly client: Client,
    private readonly options: SubscriptionSchedulesOptions,
  ) {}

  /** The catch-up window in milliseconds, as Temporal applies it. */
  get catchupWindowMs(): number {
    return Math.max(MIN_CATCHUP_WINDOW_MS, this.options.catchupWindowMs ?? (this.options.catchupWindowDays ?? 7) * 86_400_000);
  }

  async upsert(input: ScheduledReportInput, state: { paused: boolean; note?: string }): Promise<void> {
    const scheduleId = scheduleIdOf(input.subscriptionId);
    const spec = scheduleSpecOf(input.schedule, input.timezone);
    const summary = `${scheduleSummary(input.schedule, input.timezone)} · ${runSummary(input.template)}`;
    const action = (catchUp: CatchUpPolicy) => ({
      type: 'startWorkflow' as const,
      workflowType: SCHEDULED_REPORT_WORKFLOW,
      // Temporal appends the nominal time: `subscription-<id>-2025-03-01T05:00:00Z`.
      workflowId: scheduleId,
      taskQueue: this.options.taskQueue,
      args: [{ ...input, catchUp }],
      typedSearchAttributes: [
        { key: SA_TENANT, value: input.tenantId },
        { key: SA_REPORT_CODE, value: input.template.reportCode },
      ],
      staticSummary: summary,
    });
    const policies = { overlap: 'BUFFER_ALL' as const, catchupWindow: this.catchupWindowMs, pauseOnFailure: false };
    await this.call(async () => {
      try {
        await this.client.schedule.create({
          scheduleId,
          spec,
          action: action({ windowMs: this.catchupWindowMs }),
          policies,
          state: { paused: state.paused, note: state.note ?? summary },
          memo: { subscriptionId: input.subscriptionId, tenantId: input.tenantId, summary },
          typedSearchAttributes: [{ key: SA_TENANT, value: input.tenantId }],
        });
      } catch (err) {
        if ((err as Error).name !== 'ScheduleAlreadyRunning') throw err;
        // Runs already started keep their snapshot; only later runs see the change.
        await this.client.schedule.getHandle(scheduleId).update((prev) => ({
          ...prev,
          spec,
          // Backfill ranges still matter to runs of them not yet started.
          action: action({ windowMs: this.catchupWindowMs, ...backfillsOf(prev) }),
          policies,
          // The note is what the Web UI shows beside the schedule: an active one's names the schedule as it now is.
          state: { ...prev.state, paused: state.paused, note: state.note ?? summary },
        }));
      }
    });
  }

  async describe(subscriptionId: string, options: CallOptions = {}): Promise<ScheduleView | undefined> {
    let d: ScheduleDescription;
    try {
      d = await this.call(() => this.client.schedule.getHandle(scheduleIdOf(subscriptionId)).describe(), options.timeoutMs);
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
    return {
      paused: d.state.paused,
      ...(d.state.note ? { note: d.state.note } : {}),
      nextRunTimes: d.info.nextActionTimes,
      recentRuns: d.info.recentActions.map((a) => ({ nominalTime: a.scheduledAt, startedAt: a.takenAt, workflowId: a.action.workflow.workflowId })),
      missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
      catchupWindowMs: d.policies.catchupWindow,
    };
  }

  async pause(subscriptionId: string, note: string): Promise<void> {
    await this.call(() => this.client.schedule.getHandle(scheduleIdOf(subscriptionId)).pause(note));
  }

  async resume(subscriptionId: string, note: string): Promise<void> {
    await this.call(() => this.client.schedule.getHandle(scheduleIdOf(subscriptionId)).unpause(note));
  }

  async trigger(subscriptionId: string): Promise<void> {
    await this.call(() => this.client.schedule.getHandle(scheduleIdOf(subscriptionId)).trigger('BUFFER_ALL'));
  }

  /**
   * First remembers `[from, to)` in the action's catch-up policy (so its runs go ahead however late;
   * the update lands before the backfill, and every run the schedule starts after it carries it), then
   * asks Temporal for the runs. Temporal's range is inclusive at both ends; `to` is excluded by ending
   * it a millisecond earlier. The update is a read-modify-write without a conflict token (the last
   * writer wins), so callers make every change to one subscription's schedule under its lock
   * (`SubscriptionStore.withScheduleLock`).
   */
  async backfill(subscriptionId: string, from: Date, to: Date): Promise<void> {
    const handle = this.client.schedule.getHandle(scheduleIdOf(subscriptionId));
    await this.call(() =>
      handle.update((prev) => {
        const [first, ...rest] = prev.action.type === 'startWorkflow' ? (prev.action.args as ScheduledReportInput[]) : [];
        if (!first || prev.action.type !== 'startWorkflow') return prev;
        const catchUp = withBackfill(first.catchUp ?? { windowMs: this.catchupWindowMs }, { from: from.toISOString(), to: to.toISOString() });
        return { ...prev, action: { ...prev.action, args: [{ ...first, catchUp }, ...rest] } };
      }),
    );
    await this.call(() => handle.backfill({ start: from, end: new Date(to.getTime() - 1), overlap: 'BUFFER_ALL' }));
  }

  async delete(subscriptionId: string): Promise<void> {
    try {
      await this.call(() => this.client.schedule.getHandle(scheduleIdOf(subscriptionId)).delete());
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }

  /**
   * Starts one run of `input.period` now, outside the schedule, as its own `scheduledReport` workflow
   * (`subscription-<id>-manual-<period>-<uuid>`). What keeps a period to one report is the report
   * run's id, `<subscription>:<period>`: while that run is running, or once it succeeded, the new
   * workflow ends ALREADY_RAN; after it failed, it runs again. (A parent id without the uuid would
   * swallow a call made just after a failure, while the failed run's parent still records it.)
   * @throws ReportError UNAVAILABLE when Temporal cannot be reached.
   */
  async runPeriod(input: ScheduledReportInput & { period: NonNullable<ScheduledReportInput['period']> }): Promise<void> {
    await this.call(() =>
      this.client.workflow.start(SCHEDULED_REPORT_WORKFLOW, {
        workflowId: `${scheduleIdOf(input.subscriptionId)}-manual-${periodKey(input.period)}-${randomUUID()}`,
        taskQueue: this.options.taskQueue,
        args: [input],
        typedSearchAttributes: [
          { key: SA_TENANT, value: input.tenantId },
          { key: SA_REPORT_CODE, value: input.template.reportCode },
        ],
      }),
    );
  }

  async manualRuns(subscriptionId: string, limit: number, options: CallOptions = {}): Promise<ManualRun[]> {
    const prefix = `${scheduleIdOf(subscriptionId)}-manual-`;
    return this.call(async () => {
      const out: ManualRun[] = [];
      // Visibility lists newest first.
      for await (const wf of this.client.workflow.list({ query: `WorkflowType = '${SCHEDULED_REPORT_WORKFLOW}' AND WorkflowId STARTS_WITH '${prefix}'` })) {
        // `<prefix><period key>-<uuid>` (see runPeriod); a uuid is 36 characters.
        const key = wf.workflowId.slice(prefix.length, -37);
        out.push({ workflowId: wf.workflowId, startedAt: wf.startTime, reportRunId: `${subscriptionId}:${key}` });
        if (out.length >= limit) break;
      }
      return out.reverse();
    }, options.timeoutMs);
  }

  /**
   * Runs `fn` under a deadline of `timeoutMs` (default `SCHEDULE_CALL_TIMEOUT_MS`); connection faults
   * and the deadline become ReportError('UNAVAILABLE').
   */
  private async call<R>(fn: () => Promise<R>, timeoutMs = SCHEDULE_CALL_TIMEOUT_MS): Promise<R> {
    try {
      return await this.client.withDeadline(Date.now() + timeoutMs, fn);
    } catch (err) {
      if (isConnectionFault(err)) throw Object.assign(new ReportError('UNAVAILABLE', 'Temporal could not be reached; try again.'), { cause: err });
      throw err;
    }
  }
}

/** The backfill ranges in a described schedule's action argument, as `{ backfills }` (or nothing). */
function backfillsOf(d: ScheduleDescription): { backfills?: CatchUpPolicy['backfills'] } {
  const input = d.action.type === 'startWorkflow' ? (d.action.args?.[0] as ScheduledReportInput | undefined) : undefined;
  return input?.catchUp?.backfills ? { backfills: input.catchUp.backfills } : {};
}
