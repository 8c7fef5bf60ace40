/**
 * The API's gateway to Temporal: starts report runs and reads back their state. The API depends on
 * the `RunGateway` interface only, so its tests use a fake; `ReportRuns` is the Temporal-backed one.
 *
 * Tenancy: every run carries the `ReportTenant` search attribute; a run of another tenant is
 * reported exactly like a missing one (`undefined`), so ids cannot be probed across tenants.
 */
import { WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type SearchAttributePair } from '@temporalio/common';
import { DELIVER_WEBHOOK_WORKFLOW, GENERATE_REPORT_WORKFLOW, statusQuery } from '../../workflows/messages.js';
import { ReportError, isErrorCode } from '../domain/errors.js';
import type { ExportedReport } from '../domain/artifacts.js';
import type { ReportRequest } from '../domain/report-request.js';
import { runCancelledError, RUN_STATUSES, STAGES, type FieldError, type RunError, type RunState, type RunStatus, type Stage } from '../domain/run-status.js';
import { SA_CUSTOMER, SA_REPORT_CODE, SA_STAGE, SA_STATUS, SA_TENANT } from '../domain/search-attributes.js';
import { runSummary } from '../domain/summary.js';
import { deliveryWorkflowId, type WebhookDeliveryInput } from '../domain/webhook-delivery.js';

/** A run as the API shows it: the request it was started with plus its current state. */
export interface RunView {
  /** The request as accepted (kept in the workflow's memo). */
  request: ReportRequest;
  status: RunStatus;
  /** The stage under way or last reached; `null` before the first stage starts. */
  stage: Stage | null;
  /** ISO-8601 instant (UTC) the run closed; set once the status is final. */
  completedAt?: string;
  /** Set when `status` is `SUCCEEDED`. */
  report?: ExportedReport;
  /** Set when `status` is `FAILED` or `CANCELLED`. */
  error?: RunError;
  /** Set when the webhook could not be delivered; the run's outcome stands. */
  notifyError?: RunError;
}

/** What the API needs from the run engine. */
export interface RunGateway {
  /**
   * Starts a run whose id is `request.id`; returns once Temporal has accepted it.
   * @throws ReportError('UNAVAILABLE') when Temporal cannot be reached.
   */
  start(request: ReportRequest): Promise<void>;
  /**
   * The run `id` of `tenantId`, or `undefined` when there is none or it belongs to another tenant.
   * @throws ReportError('UNAVAILABLE') when Temporal cannot be reached.
   */
  get(tenantId: string, id: string): Promise<RunView | undefined>;
  /**
   * Asks the run `id` of `tenantId` to cancel (its activities stop; nothing is exported afterwards).
   * @returns false when there is no such open run (unknown, another tenant's, or already closed).
   * @throws ReportError('UNAVAILABLE') when Temporal cannot be reached.
   */
  cancel(tenantId: string, id: string): Promise<boolean>;
  /**
   * Starts a `deliverWebhook` workflow for `input` (a redelivery); returns once Temporal has accepted it.
   * @throws ReportError('UNAVAILABLE') when Temporal cannot be reached.
   */
  deliverWebhook(input: WebhookDeliveryInput): Promise<void>;
  /** Resolves when Temporal answers. @throws ReportError('UNAVAILABLE') otherwise. */
  ping(): Promise<void>;
}

export interface ReportRunsOptions {
  /** Task queue the workers poll. */
  taskQueue: string;
  /** Deadline of each call to Temporal, in ms. @default 10000 */
  rpcTimeoutMs?: number;
  /** Deadline of the status query, in ms; past it the search attributes are used instead. @default 3000 */
  queryTimeoutMs?: number;
}

/** Temporal-backed `RunGateway`: one workflow execution per report request. */
export class ReportRuns implements RunGateway {
  private readonly rpcTimeoutMs: number;
  private readonly queryTimeoutMs: number;

  constructor(
    private readonly client: Client,
    private readonly options: ReportRunsOptions,
  ) {
    this.rpcTimeoutMs = options.rpcTimeoutMs ?? 10_000;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 3_000;
  }

  async start(request: ReportRequest): Promise<void> {
    const attributes: SearchAttributePair[] = [
      { key: SA_TENANT, value: request.tenantId },
      { key: SA_REPORT_CODE, value: request.reportCode },
      { key: SA_STATUS, value: 'PENDING' },
    ];
    if (request.customerId) attributes.push({ key: SA_CUSTOMER, value: request.customerId });
    await this.call(this.rpcTimeoutMs, () =>
      this.client.workflow.start(GENERATE_REPORT_WORKFLOW, {
        workflowId: request.id,
        taskQueue: this.options.taskQueue,
        args: [request],
        typedSearchAttributes: attributes,
        memo: { request },
        staticSummary: runSummary(request),
        staticDetails: runDetails(request),
        // Ids are fresh UUIDv7s: a clash is a bug, never a reason to attach to or replace a run.
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        // generate_at: Temporal holds the run until then (it shows as PENDING meanwhile).
        ...(request.generateAt ? { startDelay: Math.max(0, Date.parse(request.generateAt) - Date.now()) } : {}),
      }),
    );
  }

  async deliverWebhook(input: WebhookDeliveryInput): Promise<void> {
    const { request, deliveryId, event } = input;
    await this.call(this.rpcTimeoutMs, () =>
      this.client.workflow.start(DELIVER_WEBHOOK_WORKFLOW, {
        workflowId: deliveryWorkflowId(request.id, deliveryId),
        taskQueue: this.options.taskQueue,
        args: [input],
        typedSearchAttributes: [
          { key: SA_TENANT, value: request.tenantId },
          { key: SA_REPORT_CODE, value: request.reportCode },
        ],
        staticSummary: `${event.type} webhook of ${request.id} (redelivery)`,
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    );
  }

  async cancel(tenantId: string, id: string): Promise<boolean> {
    const own = await this.describeOwn(tenantId, id);
    if (!own || own.desc.status.name !== 'RUNNING') return false;
    try {
      await this.call(this.rpcTimeoutMs, () => own.handle.cancel());
    } catch (err) {
      // Closed between describe() and cancel().
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
    return true;
  }

  async get(tenantId: string, id: string): Promise<RunView | undefined> {
    const own = await this.describeOwn(tenantId, id);
    if (!own) return undefined;
    const { handle, desc } = own;
    const request = desc.memo?.['request'] as ReportRequest | undefined;
    if (!request || request.tenantId !== tenantId) return undefined;

    const fallback = stateFromAttributes(desc.typedSearchAttributes.get(SA_STATUS), desc.typedSearchAttributes.get(SA_STAGE));
    const completedAt = desc.closeTime?.toISOString();
    switch (desc.status.name) {
      case 'RUNNING':
      case 'CONTINUED_AS_NEW': {
        // Before a worker finishes the first workflow task a query would wait for one: answer PENDING.
        if (desc.historyLength <= 3) return { request, status: 'PENDING', stage: null };
        // Status and stage come with describe() (search attributes are part of the run's mutable state,
        // not eventually-consistent visibility), so polling a running run costs the worker nothing. Only a
        // run that already succeeded but is still notifying/cleaning up is queried, for its report.
        if (fallback.status !== 'SUCCEEDED') return { request, ...fallback };
        return withoutUndefined({ request, ...(await this.liveState(handle, fallback)) });
      }
      case 'COMPLETED': {
        const state = await this.call(this.rpcTimeoutMs, () => handle.result() as Promise<RunState>);
        return withoutUndefined({ request, ...stateView(state), completedAt });
      }
      case 'FAILED': {
        const error = await this.call(this.rpcTimeoutMs, () => handle.result().then(() => undefined, (err: unknown) => err));
        return withoutUndefined({ request, status: 'FAILED', stage: fallback.stage, completedAt, error: runErrorOf(error) });
      }
      case 'CANCELLED':
      case 'TERMINATED':
        // Terminated runs were stopped from outside (an operator): to the client that is a cancellation.
        return withoutUndefined({ request, status: 'CANCELLED', stage: fallback.stage, completedAt, error: runCancelledError() });
      default:
        return withoutUndefined({ request, status: 'FAILED', stage: fallback.stage, completedAt, error: { code: 'INTERNAL', message: 'The run did not finish in time.', errors: [] } });
    }
  }

  /** The report run `id` if it exists and belongs to `tenantId` (by its ReportTenant search attribute). */
  private describeOwn(tenantId: string, id: string): Promise<OwnWorkflow | undefined> {
    return describeOwnWorkflow(this.client, this.rpcTimeoutMs, GENERATE_REPORT_WORKFLOW, tenantId, id);
  }

  async ping(): Promise<void> {
    await this.call(this.rpcTimeoutMs, () => this.client.workflowService.getSystemInfo({}));
  }

  /** State of a workflow still open: SUCCEEDED (with its report) already while the webhook is being sent. */
  private async liveState(handle: WorkflowHandle, fallback: Pick<RunState, 'status' | 'stage'>): Promise<Omit<RunView, 'request'>> {
    try {
      const state = await this.client.withDeadline(Date.now() + this.queryTimeoutMs, () => handle.query(statusQuery));
      return stateView(state);
    } catch {
      // No worker to answer right now: the search attributes the workflow upserts are the next best thing.
      return fallback;
    }
  }

  private call<R>(timeoutMs: number, fn: () => Promise<R>): Promise<R> {
    return temporalCall(this.client, timeoutMs, fn);
  }
}

/** A workflow of the tenant's, with its description. */
export interface OwnWorkflow {
  handle: WorkflowHandle;
  desc: Awaited<ReturnType<WorkflowHandle['describe']>>;
}

/**
 * Workflow `id` when it exists, is of type `type` and belongs to `tenantId` (its ReportTenant search
 * attribute); undefined otherwise, so another tenant's ids read as missing.
 * @throws ReportError('UNAVAILABLE') when Temporal could not be reached within `timeoutMs` ms.
 */
export async function describeOwnWorkflow(client: Client, timeoutMs: number, type: string, tenantId: string, id: string): Promise<OwnWorkflow | undefined> {
  const handle = client.workflow.getHandle(id);
  let desc: OwnWorkflow['desc'];
  try {
    desc = await temporalCall(client, timeoutMs, () => handle.describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  if (desc.type !== type || desc.typedSearchAttributes.get(SA_TENANT) !== tenantId) return undefined;
  return { handle, desc };
}

/**
 * Runs `fn`, a call of `client`, under a deadline of `timeoutMs` ms.
 * @throws ReportError('UNAVAILABLE') when Temporal could not be reached or did not answer in time; `fn`'s error otherwise.
 */
export async function temporalCall<R>(client: Client, timeoutMs: number, fn: () => Promise<R>): Promise<R> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, fn);
  } catch (err) {
    if (isConnectionFault(err)) throw Object.assign(new ReportError('UNAVAILABLE', 'Temporal could not be reached; try again.'), { cause: err });
    throw err;
  }
}

/** gRPC status codes meaning "could not reach / no answer in time": DEADLINE_EXCEEDED, UNAVAILABLE. */
const CONNECTION_GRPC_CODES = new Set([4, 14]);

/** True when `err` (or one of its causes) says Temporal could not be reached or did not answer in time. */
export function isConnectionFault(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && CONNECTION_GRPC_CODES.has(code)) return true;
    if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) return true;
  }
  return false;
}

/** The safe error of a failed workflow: the first ApplicationFailure in the cause chain whose type is an error code. */
export function runErrorOf(err: unknown): RunError {
  let e: unknown = err instanceof WorkflowFailedError ? err.cause : err;
  for (let depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ApplicationFailure && e.type && isErrorCode(e.type)) {
      return { code: e.type, message: e.message, errors: fieldErrorsOf(e.details?.[0]) };
    }
  }
  // Anything else is a fault whose message may hold internals: it stays in the worker's logs.
  return { code: 'INTERNAL', message: 'The run failed unexpectedly; details are in the service logs.', errors: [] };
}

function fieldErrorsOf(detail: unknown): FieldError[] {
  if (!Array.isArray(detail)) return [];
  return detail.filter((d): d is FieldError =>
    typeof d === 'object' && d !== null && typeof d.field === 'string' && typeof d.code === 'string' && typeof d.message === 'string');
}

function stateView(state: RunState): Omit<RunView, 'request'> {
  const { status, stage, report, error, notifyError } = state;
  return { status, stage, report, error, notifyError } as Omit<RunView, 'request'>;
}

function stateFromAttributes(status: string | undefined, stage: string | undefined): Pick<RunState, 'status' | 'stage'> {
  return {
    status: (RUN_STATUSES as readonly string[]).includes(status ?? '') ? (status as RunStatus) : 'PENDING',
    stage: (STAGES as readonly string[]).includes(stage ?? '') ? (stage as Stage) : null,
  };
}

/** A short markdown card of the request for the Web UI (`staticDetails`). */
export function runDetails(request: ReportRequest): string {
  const cell = (v: unknown) => String(typeof v === 'string' ? v : JSON.stringify(v)).replace(/[|\n\r]/g, ' ');
  const lines = [
    `**${request.reportCode}** as ${request.format}, language ${request.language}, time zone ${request.timezone}`,
    `Tenant ${request.tenantId}${request.customerId ? `, customer ${request.customerId}` : ''}, requested ${request.requestedAt}`,
  ];
  if (request.parameterValues.length) {
    lines.push('', '| Parameter | Value |', '|---|---|', ...request.parameterValues.map((p) => `| ${cell(p.name)} | ${cell(p.value)} |`));
  }
  if (request.notify?.webhookUrl) lines.push('', 'Notifies a webhook when done.');
  return lines.join('\n');
}

function withoutUndefined(view: { [K in keyof RunView]: RunView[K] | undefined }): RunView {
  return Object.fromEntries(Object.entries(view).filter(([, v]) => v !== undefined)) as unknown as RunView;
}
