/**
 * What a subscription's Temporal Schedule hands each run it starts (`scheduledReport`'s argument),
 * and how a run's ids are derived. Sandbox-safe.
 */
import type { ReportPeriod, ReportRequest } from './report-request.js';
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
  /** Set only for a manual run of an explicit period (`trigger` with `{from, to}`); else the nominal time decides. */
  period?: ReportPeriod;
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

/** Workflow type started by subscription schedules. */
export const SCHEDULED_REPORT_WORKFLOW = 'scheduledReport';

/** Id of the Temporal Schedule of subscription `id`. */
export function scheduleIdOf(subscriptionId: string): string {
  return `subscription-${subscriptionId}`;
}
