/**
 * The inline run's data stages as one activity: query → render → export to the report store, in one
 * process. Why one: an inline run (`run_mode: inline`, e.g. one invoice) ran them as three local
 * activities of one workflow task; when that task timed out on an overloaded worker, another worker
 * replayed the recorded query and rendered without the staged rows, which stayed on the first worker's
 * disk (FAILED INTERNAL after ~14 min of retries, seen with three workers in the scale-out test). Done as
 * one, a retry anywhere starts from the query, and the run costs one local activity instead of three.
 */
import type { ExportedReport, RenderedFile, StagedRows } from '../src/domain/artifacts.js';
import type { ReportRequest, ValidatedRequest } from '../src/domain/report-request.js';
import { inSpan } from '../src/observability/span.js';
import type { LocalStaging } from '../src/staging/local-staging.js';
import type { ActivityDeps } from './deps.js';

/** What the inline run's stages hand on: the exported report, and the staging bucket exports read. */
export interface ProducedReport {
  staged: StagedRows;
  rendered: RenderedFile;
  local: ExportedReport;
}

/** The stage activities `produceReport` runs in turn (their observed forms, so each keeps its metrics). */
export interface ProduceStages {
  queryData(validated: ValidatedRequest): Promise<StagedRows>;
  renderReport(validated: ValidatedRequest, staged: StagedRows): Promise<RenderedFile>;
  exportReport(request: ReportRequest, rendered: RenderedFile): Promise<ExportedReport>;
}

/** Input of `produceReport`. `keepStaging`: the run still has bucket or BigQuery exports that read it. */
export interface ProduceReportInput {
  request: ReportRequest;
  validated: ValidatedRequest;
  keepStaging: boolean;
}

/**
 * `stagesOn(staging)`: the stages, staging their files in `staging`. Each attempt runs them on a staging
 * area of its own (`LocalStaging.forAttempt`): two attempts of one run may run at once (after a workflow
 * task timed out, the next task may start the activity again, on this worker too), and with one shared
 * folder the second attempt's query truncated the rows file the first was rendering from — an invoice
 * rendered "No data" and the run SUCCEEDED (scale-out test, three workers).
 * @returns the staged rows, the rendered file and the exported report (as the three stages return them).
 *   Without `keepStaging` the attempt's staging is removed before returning, whether the stages succeeded
 *   or not (nothing reads it again), so the run needs no cleanup activity.
 * @throws whatever a stage throws (ReportError codes as ApplicationFailures, transient faults retried).
 */
export function produceReportActivity(deps: Pick<ActivityDeps, 'staging'>, stagesOn: (staging: LocalStaging) => ProduceStages) {
  return async function produceReport(input: ProduceReportInput): Promise<ProducedReport> {
    const attempt = deps.staging.forAttempt(input.request.id);
    const stages = stagesOn(attempt.staging);
    try {
      // A span per stage, so a trace still shows query, render and export apart inside the one activity.
      const staged = await inSpan('queryData', {}, () => stages.queryData(input.validated));
      const rendered = await inSpan('renderReport', {}, () => stages.renderReport(input.validated, staged));
      const local = await inSpan('exportReport', {}, () => stages.exportReport(input.request, rendered));
      return { staged, rendered, local };
    } finally {
      // A removal that fails leaves files in staging (they cost disk, not correctness), not a failed run.
      if (input.keepStaging) attempt.release();
      else await attempt.remove().catch(() => undefined);
    }
  };
}
