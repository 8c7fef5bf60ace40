/**
 * Each activity's own counters (see observe.ts), read from its arguments and how it ended, so the
 * activities themselves stay free of metrics code.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ReportRequest } from '../src/domain/report-request.js';
import { ReportError } from '../src/domain/errors.js';
import { isFinalDeliveryError } from '../src/domain/webhook-delivery.js';
import type { RenderedFile, StagedRows } from '../src/domain/artifacts.js';
import type { ValidatedRequest } from '../src/domain/report-request.js';
import type { RunStateUpdate, WebhookDeliveryUpdate } from '../src/records/records.js';
import type { EmailInput } from './notify-email.js';
import type { ExportToBucketInput } from './export-to-bucket.js';
import type { NotifyAnswer, NotifyInput } from './notify.js';
import type { Observer } from './observe.js';

/** Rows and bytes of each rendered file. */
export const renderObserver: Observer<[ValidatedRequest, StagedRows], RenderedFile> = (metrics, [validated], { result }) => {
  if (result) metrics.rendered(validated.request.reportCode, validated.request.format, result.rows, result.sizeBytes);
};

export const localExportObserver: Observer<[ReportRequest, RenderedFile], unknown> = (metrics, _args, { outcome }) => metrics.exported('LOCAL', outcome);

export const bucketExportObserver: Observer<[ExportToBucketInput], unknown> = (metrics, [input], { outcome }) => {
  const variant = input.request.exportLocations?.[input.index]?.variant;
  if (variant === 'GCS' || variant === 'S3') metrics.exported(variant, outcome);
};

export const bigQueryExportObserver: Observer<[unknown], unknown> = (metrics, _args, { outcome }) => metrics.exported('BIGQUERY', outcome);

/**
 * Each webhook POST (a request without a webhook sends none). A delivered attempt that stored its
 * delivery DELIVERED (`recorded`) also ends that delivery: its workflow writes nothing more (see
 * `deliveryObserver`, which counts the ends written by `recordWebhookDelivery`).
 */
export const webhookObserver: Observer<[NotifyInput], NotifyAnswer | undefined> = (metrics, [input], { outcome, err, result }) => {
  if (!input.request.notify?.webhookUrl || outcome === 'cancelled') return;
  if (outcome === 'ok') {
    metrics.webhookAttempt('delivered');
    if (result?.recorded) metrics.webhookDelivery('DELIVERED');
  } else metrics.webhookAttempt(isFinalDeliveryError(codeOf(err)) ? 'rejected' : 'failed');
};

export const emailObserver: Observer<[EmailInput], unknown> = (metrics, _args, { outcome, err }) => {
  if (outcome === 'ok') metrics.email('sent');
  else if (outcome === 'error') metrics.email(codeOf(err) === 'EMAIL_REJECTED' ? 'rejected' : 'failed');
};

/**
 * Run outcomes, from the run's state records: the first record (RUNNING in VALIDATE) starts a run,
 * a final status ends it. A succeeded run whose notification then failed is recorded once more
 * with `notifyError`; that second record is not a second ending.
 */
export const runStateObserver: Observer<[ReportRequest, RunStateUpdate], unknown> = (metrics, [request, update], { outcome }) => {
  if (outcome !== 'ok') return;
  if (update.status === 'RUNNING' && update.stage === 'VALIDATE') metrics.runStarted(request.reportCode);
  else if ((update.status === 'SUCCEEDED' || update.status === 'FAILED' || update.status === 'CANCELLED') && !update.notifyError) {
    metrics.runFinished(request.reportCode, update.status, update.error?.code);
  }
};

/** Webhook deliveries that ended (DELIVERED or FAILED), from the delivery workflow's records. */
export const deliveryObserver: Observer<[WebhookDeliveryUpdate], unknown> = (metrics, [update], { outcome }) => {
  if (outcome === 'ok' && (update.status === 'DELIVERED' || update.status === 'FAILED')) metrics.webhookDelivery(update.status, update.error?.code);
};

/** The error code `err` carries (an ApplicationFailure's type, or a ReportError's code), if any. */
function codeOf(err: unknown): string | undefined {
  const code = err instanceof ApplicationFailure ? err.type : err instanceof ReportError ? err.code : undefined;
  return code ?? undefined;
}
