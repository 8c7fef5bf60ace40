/**
 * The API's gateway to bulk runs (workflows/bulk-report.ts): start one, read its counts, cancel it.
 * Tenancy as for report runs: a bulk run of another tenant reads exactly like a missing one.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { bulkStateQuery } from '../../workflows/messages.js';
import { BULK_REPORT_WORKFLOW, BULK_STATUSES, type BulkRequest, type BulkState, type BulkStatus } from '../domain/bulk-request.js';
import { SA_BULK_DONE, SA_BULK_TOTAL, SA_REPORT_CODE, SA_STATUS, SA_TENANT } from '../domain/search-attributes.js';
import { runSummary } from '../domain/summary.js';
import { describeOwnWorkflow, temporalCall, type OwnWorkflow } from './report-runs.js';

/** A bulk run as the API shows it. */
export interface BulkView {
  request: BulkRequest;
  status: BulkStatus;
  /** Documents in all, once the keys were counted. */
  total?: number;
  /** Documents ended so far (succeeded, failed or cancelled). */
  ended: number;
  /**
   * The exact counts (the workflow's state query); undefined when no worker answered in time, and then
   * `status`, `total` and `ended` are those the run last wrote to its search attributes.
   */
  state?: BulkState;
  /** ISO-8601 instant (UTC) the bulk run ended, once it has. */
  completedAt?: string;
}

export interface BulkGateway {
  /** Starts bulk run `request.id`. @throws ReportError('UNAVAILABLE') when Temporal cannot be reached. */
  start(request: BulkRequest): Promise<void>;
  /** The tenant's bulk run `id`, or undefined. @throws ReportError('UNAVAILABLE') when Temporal cannot be reached. */
  get(tenantId: string, id: string): Promise<BulkView | undefined>;
  /** Asks it to cancel; false when there is no such open bulk run of the tenant. @throws ReportError('UNAVAILABLE'). */
  cancel(tenantId: string, id: string): Promise<boolean>;
}

/** Temporal-backed `BulkGateway`. Deadlines: 10 s per call, 3 s for the state query. */
export class BulkRuns implements BulkGateway {
  private readonly rpcTimeoutMs = 10_000;
  private readonly queryTimeoutMs = 3_000;

  constructor(
    private readonly client: Client,
    private readonly options: { taskQueue: string },
  ) {}

  async start(request: BulkRequest): Promise<void> {
    await temporalCall(this.client, this.rpcTimeoutMs, () =>
      this.client.workflow.start(BULK_REPORT_WORKFLOW, {
        workflowId: request.id,
        taskQueue: this.options.taskQueue,
        args: [request],
        typedSearchAttributes: [
          { key: SA_TENANT, value: request.tenantId },
          { key: SA_REPORT_CODE, value: request.template.reportCode },
          { key: SA_STATUS, value: 'RUNNING' },
        ],
        memo: { request },
        staticSummary: `bulk · ${runSummary(request.template)} · one per ${request.keyParameter}`,
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    );
  }

  async get(tenantId: string, id: string): Promise<BulkView | undefined> {
    const own = await this.describeOwn(tenantId, id);
    if (!own) return undefined;
    const { handle, desc } = own;
    const request = desc.memo?.['request'] as BulkRequest | undefined;
    if (!request) return undefined;
    const closed = desc.status.name !== 'RUNNING' && desc.status.name !== 'CONTINUED_AS_NEW';
    const completedAt = closed ? desc.closeTime?.toISOString() : undefined;
    const at = completedAt ? { completedAt } : {};
    // A terminated run (stopped by an operator) never wrote its own end: to the client it is cancelled.
    const terminated = desc.status.name === 'TERMINATED';
    try {
      const state = await this.client.withDeadline(Date.now() + this.queryTimeoutMs, () => handle.query(bulkStateQuery));
      // Its state says how it ended a moment before the workflow closes: until then it is still RUNNING.
      const status: BulkStatus = !closed ? 'RUNNING' : terminated ? 'CANCELLED' : state.status;
      return { request, status, ...(state.total !== undefined ? { total: state.total } : {}), ended: state.succeeded + state.failed + state.cancelled, state: { ...state, status }, ...at };
    } catch {
      const attrs = desc.typedSearchAttributes;
      const total = attrs.get(SA_BULK_TOTAL);
      const written = attrs.get(SA_STATUS) ?? '';
      const status: BulkStatus = !closed ? 'RUNNING' : terminated ? 'CANCELLED' : BULK_STATUSES.includes(written as BulkStatus) ? (written as BulkStatus) : 'RUNNING';
      return { request, status, ...(total !== undefined ? { total: Number(total) } : {}), ended: Number(attrs.get(SA_BULK_DONE) ?? 0), ...at };
    }
  }

  async cancel(tenantId: string, id: string): Promise<boolean> {
    const own = await this.describeOwn(tenantId, id);
    if (!own || own.desc.status.name !== 'RUNNING') return false;
    try {
      await temporalCall(this.client, this.rpcTimeoutMs, () => own.handle.cancel());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
    return true;
  }

  private describeOwn(tenantId: string, id: string): Promise<OwnWorkflow | undefined> {
    return describeOwnWorkflow(this.client, this.rpcTimeoutMs, BULK_REPORT_WORKFLOW, tenantId, id);
  }
}
