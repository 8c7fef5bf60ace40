/**
 * An inline run's start and its data stages as one local activity: records the run RUNNING in VALIDATE
 * and validates the request (`startRun`), then queries, renders and exports to the report store
 * (`produceReport`). Each local activity is a workflow activation of its own (the SDK's workflow thread,
 * the worker's main thread and Temporal's core all handle it); an invoice run had three (`startRun`,
 * `produceReport`, `concludeRun`), and leaving out one cut ~7–9 ms of the machine's CPU per invoice PDF
 * (see `concludeRun` and README "Benchmark").
 *
 * Given `conclude` (a run told of by a webhook alone, with nothing to deliver to buckets), the step also
 * ends the run once its file is in the store: it records the run SUCCEEDED and makes the webhook's first
 * attempt (`concludeRun`), so a whole invoice run is this one local activity. An attempt that fails is
 * answered with its failure, not thrown: the report is out, and the workflow hands the retries to a
 * `deliverWebhook` child as it does after its own first attempt.
 *
 * A request that validation refuses is answered, not thrown: the workflow must know the run ended in
 * VALIDATE, before anything was exported, so it fails the run in that stage and withdraws nothing. Every
 * other failure is thrown as the step threw it (a transient fault is retried from the record, which is an
 * upsert; a final fault of the data stages ends the run).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ReportRequest, ValidatedRequest } from '../src/domain/report-request.js';
import type { RunStateUpdate } from '../src/records/records.js';
import type { ConcludeRunInput, ConcludeRunResult } from './conclude-run.js';
import type { NotifyAnswer, NotifyInput } from './notify.js';
import type { ProducedReport, ProduceReportInput } from './produce-report.js';

/**
 * The webhook delivery the run's first attempt belongs to, as `sendWebhook` names it (the execution's run
 * id), with the delay to announce for the next attempt (ms) should this one fail and may be retried.
 */
export interface ConcludeInStep {
  delivery: { id: string; executionId: string; retryInMs: number };
}

/** Input of `startAndProduce`: the request, its RUNNING record, and whether bucket exports still read the staging. */
export interface StartAndProduceInput {
  request: ReportRequest;
  running: RunStateUpdate;
  keepStaging: boolean;
  /** Set to end the run in the step too (only with `keepStaging` false and a webhook as its only notification). */
  conclude?: ConcludeInStep;
}

/** Validation's final refusal, as `toFailure` made it: the error code, its message and the field errors. */
export interface ValidationRefusal {
  code: string;
  message: string;
  /** The `ApplicationFailure`'s first detail: the field-level errors (FieldError[]), as validation gave them. */
  errors: unknown;
}

/**
 * How the step ended the run (`conclude` given): `recorded: false` when the SUCCEEDED record could not be
 * written (nothing was sent; the workflow ends the run itself). Otherwise the record is written and the
 * webhook's first attempt was made at `occurredAt` (ISO-8601, the event's time): `answer`, the receiver's
 * answer, or `failure`, the attempt's failure as an ApplicationFailure would carry it (`type`: the error
 * code, e.g. WEBHOOK_REJECTED; `nonRetryable`; `details`: its details, the field errors first).
 */
export type ConcludedInStep =
  | { recorded: false }
  | { recorded: true; occurredAt: string; answer: NotifyAnswer | undefined }
  | { recorded: true; occurredAt: string; failure: { type?: string; message: string; nonRetryable: boolean; details?: unknown[] } };

/**
 * Either the validated request and what the data stages produced (with `concluded` when `conclude` was
 * given and the step got to it), or validation's refusal (nothing exported).
 */
export type StartAndProduceResult = { validated: ValidatedRequest; produced: ProducedReport; concluded?: ConcludedInStep } | { refused: ValidationRefusal };

/**
 * @param startRun the `startRun` activity's function (record, then validate).
 * @param produceReport the `produceReport` activity's function (query → render → store export, on a staging
 *   area of the attempt's own).
 * @param concludeRun the `concludeRun` activity's function (record the final state, then the webhook's attempt).
 * @throws what `startRun` throws other than a non-retryable failure (database faults, retried); what
 *   `produceReport` throws (ReportError codes as non-retryable ApplicationFailures, transient faults).
 */
export function startAndProduceActivity(
  startRun: (request: ReportRequest, running: RunStateUpdate) => Promise<ValidatedRequest>,
  produceReport: (input: ProduceReportInput) => Promise<ProducedReport>,
  concludeRun: (input: ConcludeRunInput) => Promise<ConcludeRunResult>,
) {
  return async function startAndProduce(input: StartAndProduceInput): Promise<StartAndProduceResult> {
    let validated: ValidatedRequest;
    try {
      validated = await startRun(input.request, input.running);
    } catch (err) {
      if (!(err instanceof ApplicationFailure) || !err.nonRetryable || !err.type) throw err;
      return { refused: { code: err.type, message: err.message, errors: err.details?.[0] } };
    }
    const produced = await produceReport({ request: input.request, validated, keepStaging: input.keepStaging });
    // A cancel that reached the step: the run is not announced; the workflow takes its export back.
    if (!input.conclude || Context.current().cancellationSignal.aborted) return { validated, produced };
    return { validated, produced, concluded: await concludeInStep(concludeRun, input.request, produced, input.conclude) };
  };
}

/** Records the run SUCCEEDED and makes the webhook's first attempt, as the workflow's `conclude` would. */
async function concludeInStep(
  concludeRun: (input: ConcludeRunInput) => Promise<ConcludeRunResult>,
  request: ReportRequest,
  produced: ProducedReport,
  conclude: ConcludeInStep,
): Promise<ConcludedInStep> {
  const occurredAt = new Date().toISOString();
  const notify: NotifyInput = {
    request,
    type: 'report.succeeded',
    status: 'SUCCEEDED',
    occurredAt,
    report: produced.local,
    delivery: { ...conclude.delivery, redelivery: false, linkSignedAt: occurredAt },
  };
  // The state the workflow records at its end: SUCCEEDED, still in EXPORT (NOTIFY is shown, not recorded).
  const state: RunStateUpdate = { status: 'SUCCEEDED', stage: 'EXPORT', completedAt: occurredAt };
  try {
    const result = await concludeRun({ state, notify });
    return result.recorded ? { recorded: true, occurredAt, answer: result.answer } : { recorded: false };
  } catch (err) {
    const failure = err instanceof ApplicationFailure ? err : ApplicationFailure.fromError(err);
    const { type, message, details } = failure;
    return { recorded: true, occurredAt, failure: { ...(type ? { type } : {}), message, nonRetryable: failure.nonRetryable === true, ...(details?.length ? { details: [...details] } : {}) } };
  }
}
