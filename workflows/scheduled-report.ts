/**
 * One run of a subscription, started by its Temporal Schedule (or by a manual trigger/backfill).
 *
 * The run's period comes from its nominal time — the schedule's `TemporalScheduledStartTime`, which
 * a backfill sets to the missed time — never from the wall clock, so a run that starts late, after an
 * outage or in a backfill reports the same period it would have on time. The report itself is a
 * `generateReport` child whose workflow id is `<subscription id>:<period key>`: Temporal refuses a
 * second run of a period that is running or succeeded, so catch-up, backfill and trigger never produce
 * two reports of one period; a period whose run failed may run again. Each outcome is recorded
 * (`recordRunOutcome`), which pauses the subscription after too many failures in a row.
 */
import {
  ApplicationFailure,
  ChildWorkflowFailure,
  executeChild,
  log,
  ParentClosePolicy,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { DateTime } from 'luxon';
import { SA_REPORT_CODE, SA_STATUS, SA_TENANT, SA_CUSTOMER } from '../src/domain/search-attributes.js';
import type { ReportRequest } from '../src/domain/report-request.js';
import type { RunState } from '../src/domain/run-status.js';
import { runSummary } from '../src/domain/summary.js';
import { isReportingRun, periodKey, subscriptionPeriod } from '../src/domain/subscription-period.js';
import type { ScheduledReportInput, ScheduledReportResult } from '../src/domain/subscription-run.js';
import type { ReportActivities } from '../activities/index.js';
import { GENERATE_REPORT_WORKFLOW } from './messages.js';

const { recordRunOutcome } = proxyActivities<ReportActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
});

/** Set by Temporal on every workflow a schedule starts: the action's nominal time. */
const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * @returns what the run did; a failed report run is an outcome (`runStatus: FAILED`), not a failure
 *   of this workflow, so the schedule's history shows each period's result.
 * @throws ApplicationFailure SCHEDULE_INVALID (non-retryable) when no period can be computed (a CUSTOM
 *   cron with no earlier time).
 */
export async function scheduledReport(input: ScheduledReportInput): Promise<ScheduledReportResult> {
  const info = workflowInfo();
  const nominal = info.typedSearchAttributes.get(SCHEDULED_START) ?? info.startTime;
  const nominalTime = DateTime.fromJSDate(nominal).setZone(input.timezone).toISO()!;
  if (!input.period && !isReportingRun(input.schedule, input.timezone, nominal)) return { nominalTime, outcome: 'SKIPPED' };

  let period;
  try {
    period = input.period ?? subscriptionPeriod(input.schedule, input.timezone, nominal);
  } catch (err) {
    throw ApplicationFailure.create({ type: 'SCHEDULE_INVALID', message: (err as Error).message, nonRetryable: true });
  }
  const runId = `${input.subscriptionId}:${periodKey(period)}`;
  const request: ReportRequest = { ...input.template, id: runId, tenantId: input.tenantId, requestedAt: nominalTime, period };
  const attributes = [
    { key: SA_TENANT, value: input.tenantId },
    { key: SA_REPORT_CODE, value: request.reportCode },
    { key: SA_STATUS, value: 'PENDING' },
    ...(request.customerId ? [{ key: SA_CUSTOMER, value: request.customerId }] : []),
  ];
  let result: ScheduledReportResult;
  try {
    const state = await executeChild<(r: ReportRequest) => Promise<RunState>>(GENERATE_REPORT_WORKFLOW, {
      workflowId: runId,
      args: [request],
      // A running or succeeded period is never started again; a failed one may be (backfill, trigger).
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      // The report run outlives a cancelled or terminated schedule run: it is the subscriber's report.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: attributes,
      memo: { request, subscriptionId: input.subscriptionId },
      staticSummary: `${runSummary(request)} · ${period.fromDate}..${period.toDate}`,
    });
    result = { nominalTime, outcome: 'RAN', period, runId, runStatus: state.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED' };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { nominalTime, outcome: 'ALREADY_RAN', period, runId };
    if (!(err instanceof ChildWorkflowFailure)) throw err;
    const cause = err.cause;
    const cancelled = cause?.name === 'CancelledFailure' || cause?.name === 'TerminatedFailure';
    const errorCode = cause instanceof ApplicationFailure ? (cause.type ?? 'INTERNAL') : 'INTERNAL';
    result = { nominalTime, outcome: 'RAN', period, runId, runStatus: cancelled ? 'CANCELLED' : 'FAILED', errorCode };
  }
  if (result.runStatus !== 'CANCELLED') {
    try {
      const failed = result.runStatus === 'FAILED';
      await recordRunOutcome({ subscriptionId: input.subscriptionId, runId, failed, period: `${period.fromDate}..${period.toDate}`, ...(failed ? { errorCode: result.errorCode ?? 'INTERNAL' } : {}) });
    } catch (err) {
      // The report run's own outcome stands; only the failure count (and so auto-pause) missed it.
      log.warn('run outcome not recorded', { subscriptionId: input.subscriptionId, error: String(err) });
    }
  }
  return result;
}
