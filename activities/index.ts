/**
 * The report activities, built from injected dependencies (see the samples' activities-dependency-
 * injection). Each activity converts a thrown `ReportError` into a non-retryable `ApplicationFailure`
 * (see to-failure.ts); everything else is retried by the workflow's retry policies. Each is observed
 * (observe.ts): run-scoped log lines, stage durations and its own counters when `deps.metrics` is set.
 *
 * The workflow imports this module as a type only: `proxyActivities<ReportActivities>(…)`.
 */
import { bulkKeysActivity } from './bulk-keys.js';
import { concludeRunActivity } from './conclude-run.js';
import { cleanupActivity } from './cleanup.js';
import type { ActivityDeps } from './deps.js';
import type { LocalStaging } from '../src/staging/local-staging.js';
import type { ReportRequest } from '../src/domain/report-request.js';
import { exportActivity } from './export.js';
import { exportToBigQueryActivity } from './export-to-bigquery.js';
import { exportToBucketActivity } from './export-to-bucket.js';
import { emailActivity } from './notify-email.js';
import { notifyActivity } from './notify.js';
import { produceBulkDocumentsActivity } from './produce-bulk-documents.js';
import { settleBulkDocumentsActivity } from './settle-bulk-documents.js';
import { produceReportActivity } from './produce-report.js';
import { queryDataActivity } from './query-data.js';
import { renderActivity } from './render.js';
import { recordRunOutcomeActivity } from './subscription-outcome.js';
import { recordRunStateActivity } from './record-run-state.js';
import { startAndProduceActivity } from './start-and-produce.js';
import { startRunActivity } from './start-run.js';
import { recordDeliveryActivity } from './record-delivery.js';
import { failingAsReportErrors } from './to-failure.js';
import { observed } from './observe.js';
import { bigQueryExportObserver, bucketExportObserver, deliveryObserver, emailObserver, localExportObserver, renderObserver, runStateObserver, webhookObserver } from './activity-metrics.js';
import { templateVersionActivity } from './template-version.js';
import { validateActivity } from './validate.js';
import { withdrawActivity, withdrawFromStore } from './withdraw.js';
import { zipBulkActivity } from './zip-bulk.js';

export type { ActivityDeps } from './deps.js';
export type { NotifyAnswer, NotifyInput } from './notify.js';
export type { ProduceReportInput, ProducedReport } from './produce-report.js';
export type { ExportToBucketInput } from './export-to-bucket.js';
export type { ExportToBigQueryInput } from './export-to-bigquery.js';
export type { EmailInput } from './notify-email.js';
export type { RunOutcomeInput } from './subscription-outcome.js';
export type { WithdrawInput, WithdrawResult } from './withdraw.js';
export type { BulkKeysInput, BulkKeysPage } from './bulk-keys.js';
export type { BulkBatchInput } from './produce-bulk-documents.js';
export type { ConcludeRunInput, ConcludeRunResult } from './conclude-run.js';
export type { ConcludedInStep, StartAndProduceInput, StartAndProduceResult } from './start-and-produce.js';
export type { SettleBatchInput } from './settle-bulk-documents.js';
export type { ZipBulkInput } from './zip-bulk.js';
export type { TemplateVersion, TemplateVersionInput } from './template-version.js';

/** Activity name → implementation, for `Worker.create({ activities })`. */
export function createActivities(deps: ActivityDeps) {
  const report = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, observe?: Parameters<typeof observed<A, R>>[2], stage?: string) =>
    observed(deps, failingAsReportErrors(fn), observe, stage);
  // The data stages staging in `staging`: the worker's own as activities, an attempt's inside produceReport.
  const stagesOn = (staging: LocalStaging) => {
    const on = { ...deps, staging };
    return {
      queryData: report(queryDataActivity(on), undefined, 'queryData'),
      renderReport: report(renderActivity(on), renderObserver, 'renderReport'),
      exportReport: report(exportActivity(on), localExportObserver, 'exportReport'),
    };
  };
  // Named as the activities they are, so inside startRun they are timed and counted under these names too.
  const validateRequest = report(validateActivity(deps), undefined, 'validateRequest');
  const recordRunState = observed(deps, recordRunStateActivity(deps), runStateObserver, 'recordRunState');
  // Not observed themselves: their steps are, each under its own name.
  const startRun = startRunActivity(recordRunState, validateRequest);
  const produceReport = failingAsReportErrors(produceReportActivity(deps, stagesOn));
  const notify = report(notifyActivity(deps), webhookObserver);
  const concludeRun = concludeRunActivity(recordRunState, notify);
  const bulkSteps = { records: deps.records, startRun, produceReport, recordRunState, withdraw: (request: ReportRequest) => withdrawFromStore(deps, request) };
  return {
    validateRequest,
    startRun,
    ...stagesOn(deps.staging),
    produceReport,
    // Not observed itself: its steps are.
    startAndProduce: startAndProduceActivity(startRun, produceReport, concludeRun),
    produceBulkDocuments: report(produceBulkDocumentsActivity(bulkSteps)),
    settleBulkDocuments: report(settleBulkDocumentsActivity(bulkSteps)),
    exportToBucket: report(exportToBucketActivity(deps), bucketExportObserver),
    exportToBigQuery: report(exportToBigQueryActivity(deps), bigQueryExportObserver),
    notify,
    // Not observed itself: its two steps are.
    concludeRun,
    sendEmail: report(emailActivity(deps), emailObserver),
    cleanupStaging: report(cleanupActivity(deps)),
    withdrawReport: report(withdrawActivity(deps)),
    bulkKeys: report(bulkKeysActivity(deps)),
    zipBulk: report(zipBulkActivity(deps)),
    recordRunOutcome: observed(deps, recordRunOutcomeActivity(deps)),
    currentTemplateVersion: observed(deps, templateVersionActivity(deps)),
    recordRunState,
    recordWebhookDelivery: observed(deps, recordDeliveryActivity(deps), deliveryObserver),
  };
}

/** The activities' type, as the workflow proxies them. */
export type ReportActivities = ReturnType<typeof createActivities>;
