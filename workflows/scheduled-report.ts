/**
 * One run of a subscription, started by its Temporal Schedule (or by a manual trigger/backfill).
 *
 * The run's period comes from its nominal time — the schedule's `TemporalScheduledStartTime`, which
 * a backfill sets to the missed time — never from the wall clock, so a run that starts late, after an
 * outage or in a backfill reports the same period it would have on time. A scheduled run that begins
 * later than the schedule's catch-up window after its nominal time (the workers were down, or it
 * waited behind others) does nothing and ends MISSED, unless a backfill asked for its time
 * (`withinCatchUp`): after an outage of workers or server alike, only the periods within the window
 * run. The report itself is a `generateReport` child whose workflow id is `<subscription id>:<period
 * key>`: Temporal refuses a second run of a period that is running or succeeded, so catch-up,
 * backfill and trigger never produce two reports of one period; a period whose run failed may run
 * again. Each outcome of a scheduled run is written to the subscription's ledger and counted
 * (`recordRunOutcome`), which pauses the subscription after too many failures in a row.
 */
import {
  ApplicationFailure,
  ChildWorkflowFailure,
  executeChild,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { DateTime } from 'luxon';
import { SA_REPORT_CODE, SA_STATUS, SA_TENANT, SA_CUSTOMER } from '../src/domain/search-attributes.js';
import type { ReportPeriod, ReportRequest } from '../src/domain/report-request.js';
import type { RunState } from '../src/domain/run-status.js';
import { runSummary } from '../src/domain/summary.js';
import { inBackfill, withinCatchUp } from '../src/domain/subscription-catchup.js';
import { isReportingRun, runIdOf, subscriptionPeriod } from '../src/domain/subscription-period.js';
import { withPeriodValues, type ScheduledReportInput, type ScheduledReportResult } from '../src/domain/subscription-run.js';
import type { ReportActivities, RunOutcomeInput } from '../activities/index.js';
import { GENERATE_REPORT_WORKFLOW } from './messages.js';

const SHORT_READ_OR_WRITE = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
} as const;
/** Runs started before `LOCAL_STEPS_PATCH`: each step an activity task of its own. */
const REMOTE = proxyActivities<ReportActivities>(SHORT_READ_OR_WRITE);
/**
 * Runs started since: the same steps as local activities, run inside the workflow task that asks for
 * them. Both are one short database read or write, so an activity task each (a server round trip and
 * another workflow task) bought nothing; 1,000 subscriptions due at one minute paid for it 2,000 times.
 */
const LOCAL = proxyLocalActivities<ReportActivities>(SHORT_READ_OR_WRITE);
/**
 * Patch id of the run's own steps (`currentTemplateVersion`, `recordRunOutcome`) as local activities.
 * Asked first thing, so it also stands for `subscription-ledger`: a run that has it keeps a ledger
 * row, with no second patch (each costs a marker and a search-attribute upsert).
 */
const LOCAL_STEPS_PATCH = 'scheduled-run-local-steps';

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
  // The time this run begins (its first workflow task), which is what the catch-up window is about.
  const begunAt = new Date();
  const local = patched(LOCAL_STEPS_PATCH);
  const steps = local ? LOCAL : REMOTE;
  const scheduledAt = info.typedSearchAttributes.get(SCHEDULED_START);
  const nominal = scheduledAt ?? info.startTime;
  const nominalTime = DateTime.fromJSDate(nominal).setZone(input.timezone).toISO()!;
  if (!input.period && !isReportingRun(input.schedule, input.timezone, nominal)) return { nominalTime, outcome: 'SKIPPED' };

  let period: ReportPeriod;
  try {
    period = input.period ?? subscriptionPeriod(input.schedule, input.timezone, nominal);
  } catch (err) {
    throw ApplicationFailure.create({ type: 'SCHEDULE_INVALID', message: (err as Error).message, nonRetryable: true });
  }
  const runId = runIdOf(input.subscriptionId, period);
  // Only runs a schedule started have a nominal time of their own (and a place in the ledger).
  const scheduled = !input.period && scheduledAt !== undefined;
  const ledger = scheduled && (local || patched('subscription-ledger')) ? { nominalTime, period } : undefined;
  const base = { runId, period: range(period), ...(ledger ? { ledger } : {}) };

  if (scheduled && input.catchUp && !withinCatchUp(nominal, begunAt, input.catchUp)) {
    log.warn('scheduled run began after the catch-up window: missed', { subscriptionId: input.subscriptionId, nominalTime, lateMs: begunAt.getTime() - nominal.getTime() });
    await record(steps, input, { ...base, outcome: 'MISSED', failed: false });
    return { nominalTime, outcome: 'MISSED', period, runId };
  }

  // Carried in the child's input (no new workflow command), so recorded histories replay unchanged.
  const runType = input.runType ?? (input.period || inBackfill(nominal, input.catchUp) ? 'BACKFILL' : 'SCHEDULED');
  // A tenant template runs its version current now. Only snapshots naming a template take this step,
  // and none did before it existed, so recorded histories replay unchanged.
  let template = input.template;
  let periodParameters = input.periodParameters;
  if (template.templateId !== undefined && template.templateVersion === undefined) {
    const current = await steps.currentTemplateVersion({ tenantId: input.tenantId, templateId: template.templateId });
    if (current.version !== undefined) template = { ...template, templateVersion: current.version };
    periodParameters = current.periodParameters;
  }
  const request: ReportRequest = {
    ...template,
    parameterValues: withPeriodValues(template.parameterValues, periodParameters, period),
    id: runId, tenantId: input.tenantId, requestedAt: nominalTime, period, runType, reportSubscriptionId: input.subscriptionId,
    // The child's input, not a command of this workflow: recorded histories replay unchanged.
    ...(input.runMode && template.templateId === undefined ? { runMode: input.runMode } : {}),
  };
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
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      if (ledger) await record(steps, input, { ...base, outcome: 'ALREADY_RAN', failed: false });
      return { nominalTime, outcome: 'ALREADY_RAN', period, runId };
    }
    if (!(err instanceof ChildWorkflowFailure)) throw err;
    const cause = err.cause;
    const cancelled = cause?.name === 'CancelledFailure' || cause?.name === 'TerminatedFailure';
    const errorCode = cause instanceof ApplicationFailure ? (cause.type ?? 'INTERNAL') : 'INTERNAL';
    result = { nominalTime, outcome: 'RAN', period, runId, runStatus: cancelled ? 'CANCELLED' : 'FAILED', errorCode };
  }
  if (result.runStatus !== 'CANCELLED') {
    const failed = result.runStatus === 'FAILED';
    await record(steps, input, { ...base, outcome: 'RAN', failed, ...(failed ? { errorCode: result.errorCode ?? 'INTERNAL' } : {}) });
  }
  return result;
}

function range(period: ReportPeriod): string {
  return `${period.fromDate}..${period.toDate}`;
}

/** Records the outcome; a failure after retries is logged and leaves the run's own outcome as it is. */
async function record(steps: typeof REMOTE, input: ScheduledReportInput, outcome: Omit<RunOutcomeInput, 'subscriptionId'>): Promise<void> {
  try {
    await steps.recordRunOutcome({ subscriptionId: input.subscriptionId, ...outcome });
  } catch (err) {
    // Only the failure count (and so auto-pause) and the ledger missed it.
    log.warn('run outcome not recorded', { subscriptionId: input.subscriptionId, error: String(err) });
  }
}
