/**
 * What a subscription's Temporal Schedule hands each run it starts (`scheduledReport`'s argument),
 * and how a run's ids are derived. Sandbox-safe.
 */
import type { ParameterValue, ReportPeriod, ReportRequest, RunType } from './report-request.js';
import type { CatchUpPolicy } from './subscription-catchup.js';
import type { SubscriptionSchedule } from './subscription-schedule.js';

/** The report each run asks for: a report request without the per-run fields. */
export type ReportTemplate = Omit<ReportRequest, 'id' | 'tenantId' | 'requestedAt' | 'period' | 'runType' | 'reportSubscriptionId'>;

/**
 * A snapshot of the subscription, written into the schedule's action when it is created or changed;
 * runs already started keep the snapshot they were started with.
 * `timezone` is the IANA zone of the schedule and of the periods (also `template.timezone`).
 */
export interface ScheduledReportInput {
  subscriptionId: string;
  tenantId: string;
  schedule: SubscriptionSchedule;
  timezone: string;
  template: ReportTemplate;
  /** Set only for a run started outside the schedule (`trigger`); else the nominal time decides. */
  period?: ReportPeriod;
  /**
   * The run's `runType` when started outside the schedule: `SCHEDULED` for a `trigger` without a range
   * (the period that ends now), `BACKFILL` for one with `{from, to}`. Absent: BACKFILL with `period`,
   * else SCHEDULED or BACKFILL by whether the nominal time lies in a backfill range.
   */
  runType?: Exclude<RunType, 'MANUAL'>;
  /**
   * The report definition's period parameters (`from_parameter`, `to_parameter`): each run's
   * `parameterValues` carry its period's first and last day under these names. Absent for a report
   * without a period, and on snapshots written before it existed.
   */
  periodParameters?: { from: string; to: string };
  /**
   * `inline` when the report definition (not a tenant template) says `run_mode: inline`, as the catalog
   * said when the snapshot was written: each run's request carries it (`ReportRequest.runMode`), so the
   * run validates in a local activity and a one-page report is one workflow task, as the API's are.
   * Absent on snapshots written before it existed: those runs validate in an activity of their own.
   */
  runMode?: 'inline';
  /**
   * The schedule's catch-up window and backfill ranges: a scheduled run that begins later than the
   * window after its nominal time ends MISSED unless a backfill asked for it. Absent on manual runs
   * and on runs of schedules written before it existed (then only Temporal's own window applies).
   */
  catchUp?: CatchUpPolicy;
}

/** What a scheduled run did. */
export interface ScheduledReportResult {
  /** The nominal (scheduled) instant the run was for, ISO-8601 with the zone's offset. */
  nominalTime: string;
  /**
   * RAN: the report run ran (see `runStatus`); ALREADY_RAN: that period already ran or is running
   * (nothing done); SKIPPED: not a reporting run (MONTHLY LAST before the month's last day);
   * MISSED: the run began after the catch-up window (workers or server were down) and did nothing —
   * the period is listed as missed on the subscription.
   */
  outcome: 'RAN' | 'ALREADY_RAN' | 'SKIPPED' | 'MISSED';
  period?: ReportPeriod;
  /** The report run's workflow id (`<subscription id>:<period key>`), also its request id. */
  runId?: string;
  runStatus?: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  /** Error code of a failed run. */
  errorCode?: string;
}

/**
 * `values` with the period's first and last day (`YYYY-MM-DD`, inclusive) under the definition's
 * period parameter names, replacing any given: what the run reports on, as the client reads it back.
 */
export function withPeriodValues(values: ParameterValue[], names: { from: string; to: string } | undefined, period: ReportPeriod): ParameterValue[] {
  if (!names) return values;
  return [...values.filter((p) => p.name !== names.from && p.name !== names.to), { name: names.from, value: period.fromDate }, { name: names.to, value: period.toDate }];
}

/** Workflow type started by subscription schedules. */
export const SCHEDULED_REPORT_WORKFLOW = 'scheduledReport';

/** Id of the Temporal Schedule of subscription `id`. */
export function scheduleIdOf(subscriptionId: string): string {
  return `subscription-${subscriptionId}`;
}
