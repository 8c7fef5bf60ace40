/**
 * The run's `RunState`, kept in the workflow and mirrored on every change to the places people look:
 * the `status` query, the `ReportStatus` / `ReportStage` search attributes (so runs are findable by
 * status in the Web UI and the API), and the Web UI's current-details text.
 */
import { setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { ExportedReport } from '../src/domain/artifacts.js';
import type { ReportRequest } from '../src/domain/report-request.js';
import { runCancelledError, type RunError, type RunState, type Stage } from '../src/domain/run-status.js';
import { SA_CUSTOMER, SA_REPORT_CODE, SA_STAGE, SA_STATUS, SA_TENANT } from '../src/domain/search-attributes.js';
import { statusQuery } from './messages.js';

export class RunStateTracker {
  readonly state: RunState = { status: 'PENDING', stage: null, stageStartedAt: {} };
  /** Identity attributes held for the first change's upsert (`publishFirstChange`). */
  private held: SearchAttributeUpdatePair[] = [];

  /**
   * Registers the query and publishes PENDING, with the request's identifying attributes.
   * `publishFirstChange`: publishes nothing yet, and the first change (the run enters VALIDATE at once)
   * carries the identity: one search-attribute upsert, one history event and one visibility write fewer.
   * Off for runs of earlier releases, whose histories hold the PENDING upsert.
   */
  constructor(request: ReportRequest, options: { publishFirstChange?: boolean } = {}) {
    setHandler(statusQuery, () => this.state);
    // The starter normally sets these at start; setting them here too keeps runs started by other
    // means (CLI, schedules, tests) findable by tenant, code and customer.
    const identity: SearchAttributeUpdatePair[] = [
      { key: SA_TENANT, value: request.tenantId },
      { key: SA_REPORT_CODE, value: request.reportCode },
    ];
    if (request.customerId) identity.push({ key: SA_CUSTOMER, value: request.customerId });
    if (options.publishFirstChange) this.held = identity;
    else this.publish(identity);
  }

  /** RUNNING in `stage`, started now (workflow time). */
  enter(stage: Stage): void {
    this.state.status = 'RUNNING';
    this.state.stage = stage;
    this.state.stageStartedAt[stage] = new Date().toISOString();
    this.publish();
  }

  /** Stage NOTIFY after success: the status stays SUCCEEDED (the report is already downloadable). */
  enterNotify(): void {
    this.state.stage = 'NOTIFY';
    this.state.stageStartedAt.NOTIFY = new Date().toISOString();
    this.publish();
  }

  succeeded(report: ExportedReport): void {
    this.state.status = 'SUCCEEDED';
    this.state.report = report;
    this.publish();
  }

  failed(error: RunError): void {
    this.state.status = 'FAILED';
    this.state.error = error;
    this.publish();
  }

  cancelled(): void {
    this.state.status = 'CANCELLED';
    this.state.error = runCancelledError();
    this.publish();
  }

  /** Records a webhook that could not be delivered; the run's outcome stands. */
  notifyFailed(error: RunError): void {
    this.state.notifyError = error;
  }

  private publish(extra: SearchAttributeUpdatePair[] = []): void {
    const { status, stage } = this.state;
    const pairs: SearchAttributeUpdatePair[] = [...this.held, ...extra, { key: SA_STATUS, value: status }];
    this.held = [];
    if (stage) pairs.push({ key: SA_STAGE, value: stage });
    upsertSearchAttributes(pairs);
    setCurrentDetails(stage ? `${status} · stage ${stage}` : status);
  }
}
