/**
 * reportflow's own metrics of a worker process, in Prometheus terms (prom-client): what runs did, how
 * long each stage took, what was produced and delivered, and how the shared Chromium is doing. Built
 * once per worker (src/main/worker.ts) and handed to the activities through their deps.
 *
 * Labels are low-cardinality by construction: report codes outside the catalog become `other`, error
 * codes outside src/domain/errors.ts become `INTERNAL`; never a request id, tenant or URL. Naming
 * follows https://prometheus.io/docs/practices/naming/ (`_total` counters, `_seconds`, `_bytes`).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isErrorCode } from '../domain/errors.js';

/** How an activity attempt ended: `ok`, `error` (a fault, retried or final) or `cancelled`. */
export type Outcome = 'ok' | 'error' | 'cancelled';

/** Upper bounds of the stage-duration buckets, in seconds (a 100 ms validate to a 15-minute export). */
export const STAGE_BUCKETS_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

/** Where `BrowserPool.stats()` is read from when Prometheus scrapes. */
export interface BrowserGauges {
  stats(): { activePages: number; waiting: number };
}

export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly reportCodes: ReadonlySet<string>;

  private readonly runsStarted = new Counter({ name: 'reportflow_runs_started_total', help: 'Report runs that entered their first stage, by report code.', labelNames: ['report_code'], registers: [this.registry] });
  private readonly runsFinished = new Counter({ name: 'reportflow_runs_finished_total', help: 'Report runs that ended, by report code, status (succeeded, failed, cancelled) and error code (`none` when succeeded).', labelNames: ['report_code', 'status', 'error_code'], registers: [this.registry] });
  private readonly stageSeconds = new Histogram({ name: 'reportflow_stage_duration_seconds', help: 'Duration of one activity attempt (a stage of a run), by activity, output format and outcome (ok, error, cancelled).', labelNames: ['stage', 'format', 'outcome'], buckets: STAGE_BUCKETS_SECONDS, registers: [this.registry] });
  private readonly rows = new Counter({ name: 'reportflow_report_rows_total', help: 'Rows in rendered report files, by report code and format.', labelNames: ['report_code', 'format'], registers: [this.registry] });
  private readonly bytes = new Counter({ name: 'reportflow_report_bytes_total', help: 'Size of rendered report files, by report code and format.', labelNames: ['report_code', 'format'], registers: [this.registry] });
  private readonly exports = new Counter({ name: 'reportflow_exports_total', help: 'Export attempts, by destination (local, gcs, s3, bigquery) and outcome (ok, error, cancelled).', labelNames: ['destination', 'outcome'], registers: [this.registry] });
  private readonly webhookAttempts = new Counter({ name: 'reportflow_webhook_attempts_total', help: 'Webhook POSTs, by outcome: delivered (2xx), rejected (refused for good) or failed (retried).', labelNames: ['outcome'], registers: [this.registry] });
  private readonly webhookDeliveries = new Counter({ name: 'reportflow_webhook_deliveries_total', help: 'Webhook deliveries that ended, by status (delivered, failed) and error code (`none` when delivered).', labelNames: ['status', 'error_code'], registers: [this.registry] });
  private readonly emails = new Counter({ name: 'reportflow_emails_total', help: 'Notification emails, one per recipient and attempt, by outcome: sent, rejected (refused for good) or failed (retried).', labelNames: ['outcome'], registers: [this.registry] });
  private readonly browserRestarts = new Counter({ name: 'reportflow_chromium_restarts_total', help: 'Replacements of the shared Chromium, by reason: recycled (after REPORTFLOW_PDF_RESTART_AFTER renders) or crashed (it disconnected).', labelNames: ['reason'], registers: [this.registry] });
  private lastCrashedPid: number | undefined;
  private browser: BrowserGauges | undefined;

  /** @param reportCodes the catalog's codes: the only values the `report_code` label takes (others: `other`). */
  constructor(reportCodes: Iterable<string>) {
    this.reportCodes = new Set(reportCodes);
    collectDefaultMetrics({ register: this.registry });
    for (const reason of ['recycled', 'crashed']) this.browserRestarts.inc({ reason }, 0);
    const pool = () => this.browser?.stats();
    new Gauge({ name: 'reportflow_render_queue_depth', help: 'PDF renders waiting for a Chromium page slot (all REPORTFLOW_PDF_MAX_PAGES in use).', registers: [this.registry], collect() { this.set(pool()?.waiting ?? 0); } });
    new Gauge({ name: 'reportflow_chromium_pages_in_use', help: 'PDF renders holding a Chromium page slot now.', registers: [this.registry], collect() { this.set(pool()?.activePages ?? 0); } });
  }

  /** The Chromium pool whose queue and pages the gauges report, read at scrape time. */
  observeBrowser(pool: BrowserGauges): void {
    this.browser = pool;
  }

  runStarted(reportCode: string): void {
    this.runsStarted.inc({ report_code: this.code(reportCode) });
  }

  /** `errorCode`: the run's error code, for failed and cancelled runs. */
  runFinished(reportCode: string, status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', errorCode?: string): void {
    this.runsFinished.inc({ report_code: this.code(reportCode), status: status.toLowerCase(), error_code: errorLabel(errorCode) });
  }

  /** One activity attempt of `seconds`; `format` is the run's output format (`none` for steps without one). */
  stage(stage: string, format: string | undefined, outcome: Outcome, seconds: number): void {
    this.stageSeconds.observe({ stage, format: format ?? 'none', outcome }, seconds);
  }

  rendered(reportCode: string, format: string, rows: number, sizeBytes: number): void {
    const labels = { report_code: this.code(reportCode), format };
    this.rows.inc(labels, rows);
    this.bytes.inc(labels, sizeBytes);
  }

  exported(destination: 'LOCAL' | 'GCS' | 'S3' | 'BIGQUERY', outcome: Outcome): void {
    this.exports.inc({ destination: destination.toLowerCase(), outcome });
  }

  webhookAttempt(outcome: 'delivered' | 'rejected' | 'failed'): void {
    this.webhookAttempts.inc({ outcome });
  }

  webhookDelivery(status: 'DELIVERED' | 'FAILED', errorCode?: string): void {
    this.webhookDeliveries.inc({ status: status.toLowerCase(), error_code: errorLabel(errorCode) });
  }

  email(outcome: 'sent' | 'rejected' | 'failed'): void {
    this.emails.inc({ outcome });
  }

  /** Feeds the browser pool's events (`onBrowserEvent`): a disconnect is a crash, a retirement without one a recycle. */
  browserEvent(event: { type: string; pid: number | undefined }): void {
    if (event.type === 'disconnected') {
      this.lastCrashedPid = event.pid;
      this.browserRestarts.inc({ reason: 'crashed' });
    } else if (event.type === 'retired' && event.pid !== this.lastCrashedPid) {
      this.browserRestarts.inc({ reason: 'recycled' });
    }
  }

  private code(reportCode: string): string {
    return this.reportCodes.has(reportCode) ? reportCode : 'other';
  }
}

/** An error code as a label: `none` when absent, `INTERNAL` when not one of reportflow's codes. */
function errorLabel(code: string | undefined): string {
  if (!code) return 'none';
  return isErrorCode(code) ? code : 'INTERNAL';
}
