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
 * @returns the staged rows, the rendered file and the exported report (as the three stages return them).
 *   Without `keepStaging` the run's staging is removed before returning, whether the stages succeeded or
 *   not (nothing reads it again), so the run needs no cleanup activity.
 * @throws whatever a stage throws (ReportError codes as ApplicationFailures, transient faults retried).
 */
export function produceReportActivity(deps: Pick<ActivityDeps, 'staging'>, stages: ProduceStages) {
  return async function produceReport(input: ProduceReportInput): Promise<ProducedReport> {
    try {
      // A span per stage, so a trace still shows query, render and export apart inside the one activity.
      const staged = await inSpan('queryData', {}, () => stages.queryData(input.validated));
      const rendered = await inSpan('renderReport', {}, () => stages.renderReport(input.validated, staged));
      const local = await inSpan('exportReport', {}, () => stages.exportReport(input.request, rendered));
      return { staged, rendered, local };
    } finally {
      // A removal that fails leaves files in staging (swept at the worker's next start), not a failed run.
      if (!input.keepStaging) await deps.staging.removeRun(input.request.id).catch(() => undefined);
    }
  };
}
