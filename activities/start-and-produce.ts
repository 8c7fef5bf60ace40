/**
 * An inline run's start and its data stages as one local activity: records the run RUNNING in VALIDATE
 * and validates the request (`startRun`), then queries, renders and exports to the report store
 * (`produceReport`). Each local activity is a workflow activation of its own (the SDK's workflow thread,
 * the worker's main thread and Temporal's core all handle it); an invoice run had three (`startRun`,
 * `produceReport`, `concludeRun`), and leaving out one cut ~7–9 ms of the machine's CPU per invoice PDF
 * (see `concludeRun` and README "Benchmark").
 *
 * A request that validation refuses is answered, not thrown: the workflow must know the run ended in
 * VALIDATE, before anything was exported, so it fails the run in that stage and withdraws nothing. Every
 * other failure is thrown as the step threw it (a transient fault is retried from the record, which is an
 * upsert; a final fault of the data stages ends the run).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ReportRequest, ValidatedRequest } from '../src/domain/report-request.js';
import type { RunStateUpdate } from '../src/records/records.js';
import type { ProducedReport, ProduceReportInput } from './produce-report.js';

/** Input of `startAndProduce`: the request, its RUNNING record, and whether bucket exports still read the staging. */
export interface StartAndProduceInput {
  request: ReportRequest;
  running: RunStateUpdate;
  keepStaging: boolean;
}

/** Validation's final refusal, as `toFailure` made it: the error code, its message and the field errors. */
export interface ValidationRefusal {
  code: string;
  message: string;
  /** The `ApplicationFailure`'s first detail: the field-level errors (FieldError[]), as validation gave them. */
  errors: unknown;
}

/** Either the validated request and what the data stages produced, or validation's refusal (nothing exported). */
export type StartAndProduceResult = { validated: ValidatedRequest; produced: ProducedReport } | { refused: ValidationRefusal };

/**
 * @param startRun the `startRun` activity's function (record, then validate).
 * @param produceReport the `produceReport` activity's function (query → render → store export, on a staging
 *   area of the attempt's own).
 * @throws what `startRun` throws other than a non-retryable failure (database faults, retried); what
 *   `produceReport` throws (ReportError codes as non-retryable ApplicationFailures, transient faults).
 */
export function startAndProduceActivity(
  startRun: (request: ReportRequest, running: RunStateUpdate) => Promise<ValidatedRequest>,
  produceReport: (input: ProduceReportInput) => Promise<ProducedReport>,
) {
  return async function startAndProduce(input: StartAndProduceInput): Promise<StartAndProduceResult> {
    let validated: ValidatedRequest;
    try {
      validated = await startRun(input.request, input.running);
    } catch (err) {
      if (!(err instanceof ApplicationFailure) || !err.nonRetryable || !err.type) throw err;
      return { refused: { code: err.type, message: err.message, errors: err.details?.[0] } };
    }
    return { validated, produced: await produceReport({ request: input.request, validated, keepStaging: input.keepStaging }) };
  };
}
