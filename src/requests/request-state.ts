/**
 * A report request's current state: the stored record, with the live status and stage from Temporal
 * while the run is still going, or Temporal's view alone of a run not (yet) recorded.
 */
import type { RenderedFile } from '../domain/artifacts.js';
import type { ReportRequest } from '../domain/report-request.js';
import type { RunError, RunStatus, Stage } from '../domain/run-status.js';
import { FINAL_STATUSES, type RequestRecord, type WebhookDeliveryRecord } from '../records/records.js';
import type { RunGateway, RunView } from '../temporal/report-runs.js';

/** The file of a request as its view shows it: from the record, or from the run while it is not yet recorded. */
export type RequestFile = RenderedFile & { deletedAt?: string };

/** A request with its current state. Instants are ISO-8601 (UTC). */
export interface RequestState {
  request: ReportRequest;
  status: RunStatus;
  stage: Stage | null;
  createdAt: string;
  updatedAt?: string;
  completedAt?: string;
  report?: RequestFile;
  error?: RunError;
  notifyError?: RunError;
  /** Newest first. */
  webhookDeliveries?: WebhookDeliveryRecord[];
}

/** The state as recorded. */
export function stateOfRecord(record: RequestRecord): RequestState {
  return withoutUndefined({
    request: record.request,
    status: record.status,
    stage: record.stage,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    completedAt: record.completedAt,
    report: record.report,
    error: record.error,
    notifyError: record.notifyError,
    webhookDeliveries: record.webhookDeliveries,
  });
}

/**
 * The current state of `record`: as recorded once final; while not, the live view from Temporal
 * (status, stage, outcome), falling back to the record when Temporal no longer knows the run or
 * cannot be reached.
 */
export async function currentState(runs: RunGateway, record: RequestRecord): Promise<RequestState> {
  const recorded = stateOfRecord(record);
  if (FINAL_STATUSES.includes(record.status)) return recorded;
  let live: RunView | undefined;
  try {
    live = await runs.get(record.request.tenantId, record.request.id);
  } catch {
    return recorded;
  }
  if (!live) return recorded;
  // Temporal says PENDING until the run's first workflow task completes; an inline run records its
  // progress from local activities inside that task, so the record is ahead: it tells more.
  if (live.status === 'PENDING' && record.status !== 'PENDING') return recorded;
  return withoutUndefined({
    ...recorded,
    status: live.status,
    stage: live.stage,
    completedAt: live.completedAt ?? recorded.completedAt,
    report: recorded.report ?? live.report,
    error: live.error,
    notifyError: live.notifyError ?? recorded.notifyError,
  });
}

/**
 * The state of a run Temporal knows but the records do not (yet): a subscription's run before its
 * first record write, or one whose writes failed. `createdAt` is the request's `requestedAt`.
 */
export function stateOfRun(live: RunView): RequestState {
  return withoutUndefined({
    request: live.request,
    status: live.status,
    stage: live.stage,
    createdAt: live.request.requestedAt,
    completedAt: live.completedAt,
    report: live.report,
    error: live.error,
    notifyError: live.notifyError,
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
