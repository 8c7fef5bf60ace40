/**
 * The report activities, built from injected dependencies (see the samples' activities-dependency-
 * injection). Each activity converts a thrown `ReportError` into a non-retryable `ApplicationFailure`
 * (see to-failure.ts); everything else is retried by the workflow's retry policies.
 *
 * The workflow imports this module as a type only: `proxyActivities<ReportActivities>(…)`.
 */
import { cleanupActivity } from './cleanup.js';
import type { ActivityDeps } from './deps.js';
import { exportActivity } from './export.js';
import { exportToBigQueryActivity } from './export-to-bigquery.js';
import { exportToBucketActivity } from './export-to-bucket.js';
import { emailActivity } from './notify-email.js';
import { notifyActivity } from './notify.js';
import { queryDataActivity } from './query-data.js';
import { renderActivity } from './render.js';
import { recordRunOutcomeActivity } from './subscription-outcome.js';
import { recordRunStateActivity } from './record-run-state.js';
import { recordDeliveryActivity } from './record-delivery.js';
import { failingAsReportErrors } from './to-failure.js';
import { validateActivity } from './validate.js';
import { withdrawActivity } from './withdraw.js';

export type { ActivityDeps } from './deps.js';
export type { NotifyInput } from './notify.js';
export type { ExportToBucketInput } from './export-to-bucket.js';
export type { ExportToBigQueryInput } from './export-to-bigquery.js';
export type { EmailInput } from './notify-email.js';
export type { RunOutcomeInput } from './subscription-outcome.js';
export type { WithdrawInput, WithdrawResult } from './withdraw.js';

/** Activity name → implementation, for `Worker.create({ activities })`. */
export function createActivities(deps: ActivityDeps) {
  return {
    validateRequest: failingAsReportErrors(validateActivity(deps)),
    queryData: failingAsReportErrors(queryDataActivity(deps)),
    renderReport: failingAsReportErrors(renderActivity(deps)),
    exportReport: failingAsReportErrors(exportActivity(deps)),
    exportToBucket: failingAsReportErrors(exportToBucketActivity(deps)),
    exportToBigQuery: failingAsReportErrors(exportToBigQueryActivity(deps)),
    notify: failingAsReportErrors(notifyActivity(deps)),
    sendEmail: failingAsReportErrors(emailActivity(deps)),
    cleanupStaging: failingAsReportErrors(cleanupActivity(deps)),
    withdrawReport: failingAsReportErrors(withdrawActivity(deps)),
    recordRunOutcome: recordRunOutcomeActivity(deps),
    recordRunState: recordRunStateActivity(deps),
    recordWebhookDelivery: recordDeliveryActivity(deps),
  };
}

/** The activities' type, as the workflow proxies them. */
export type ReportActivities = ReturnType<typeof createActivities>;
