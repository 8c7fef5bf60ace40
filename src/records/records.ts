/**
 * The service's durable records of report requests and report files, as the API reads them and the
 * workflow's activities write them. The store is the system of record; Temporal is asked only for
 * the live stage of a run still going.
 */
import type { RenderedFile } from '../domain/artifacts.js';
import type { ReportRequest, RunType } from '../domain/report-request.js';
import type { RunError, RunStatus, Stage } from '../domain/run-status.js';
import type { DeliveryStatus, RunOutcomeEvent, WebhookDeliveryUpdate, WebhookEventType } from '../domain/webhook-delivery.js';

export type { DeliveryAttempt, WebhookDeliveryUpdate } from '../domain/webhook-delivery.js';

/** Statuses after which a run's record never changes again (except a report's tombstone). */
export const FINAL_STATUSES: readonly RunStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/**
 * One report file as recorded when it was exported to LOCAL (the rendered file's facts, with `uri` the
 * LOCAL destination's key of the file, relative to its root: `local:///<tenant>/<CODE>/<id>/<file>`; records
 * of older versions hold an absolute `file://` URI, read by its last four segments. Never shown to clients.)
 * The report id is its request's id.
 */
export interface ReportRecord extends RenderedFile {
  id: string;
  requestId: string;
  tenantId: string;
  reportCode: string;
  customerId?: string;
  /** ISO-8601 instant (UTC) the file was exported. */
  createdAt: string;
  /** ISO-8601 instant (UTC) the file was deleted; the record stays as a tombstone. */
  deletedAt?: string;
}

/** One report generate request with its last recorded state. */
export interface RequestRecord {
  /** The request as accepted (tenant, code, parameters, filters, metadata …). */
  request: ReportRequest;
  status: RunStatus;
  stage: Stage | null;
  /** ISO-8601 instants (UTC). */
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  error?: RunError;
  notifyError?: RunError;
  /** Set once the file was exported (also after it was deleted: see `deletedAt`). */
  report?: ReportRecord;
  /** Deliveries of the run's webhook event, newest first; absent when there are none (yet). */
  webhookDeliveries?: WebhookDeliveryRecord[];
}

/** One delivery of a run's webhook event (the run's own, or a redelivery). Instants are ISO-8601 (UTC). */
export interface WebhookDeliveryRecord {
  id: string;
  eventId: string;
  eventType: WebhookEventType;
  redelivery: boolean;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  createdAt: string;
  updatedAt: string;
  lastAttemptAt?: string;
  /** When the next attempt is due, while PENDING and another one is planned. */
  nextAttemptAt?: string;
  /** The receiver's HTTP status at the last attempt, when it answered. */
  lastHttpStatus?: number;
  /** Why the last attempt got no answer (e.g. `connection refused (ECONNREFUSED)`), when it did not. */
  lastError?: string;
  deliveredAt?: string;
  /** Why it FAILED (`WEBHOOK_REJECTED`, `WEBHOOK_UNDELIVERED`, `WEBHOOK_ADDRESS_REFUSED`). */
  error?: RunError;
}

/** A state change of a run, as the workflow records it. `completedAt`: ISO-8601 instant, final states only. */
export interface RunStateUpdate {
  status: RunStatus;
  stage: Stage | null;
  error?: RunError;
  notifyError?: RunError;
  completedAt?: string;
  /**
   * The Temporal run id of the workflow execution writing it. A failed or cancelled subscription
   * period can run again under the same request id; the new execution's state then replaces the old one.
   */
  executionId?: string;
}

/** Filters of a request listing; all given ones must match. Instants are ISO-8601; `createdTo` is exclusive. */
export interface RequestQuery {
  tenantId: string;
  statuses?: RunStatus[];
  reportCodes?: string[];
  customerId?: string;
  createdFrom?: string;
  createdTo?: string;
  /** Every key/value must be present in the request's metadata. */
  metadata?: Record<string, string>;
  /** How the runs came about (see `runOrigin`: older subscription runs count as SCHEDULED). */
  runTypes?: RunType[];
  /** Runs of this subscription only. */
  reportSubscriptionId?: string;
  /** 1–100. */
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** Filters of a report listing. `includeDeleted`: also list tombstones. */
export interface ReportQuery {
  tenantId: string;
  reportCodes?: string[];
  customerId?: string;
  createdFrom?: string;
  createdTo?: string;
  includeDeleted?: boolean;
  limit: number;
  cursor?: string;
}

/** One page of a listing, newest first. `total` counts every match, not just this page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total: number;
}

/** An `Idempotency-Key` with the SHA-256 (hex) of the canonical body it came with and how long to keep it. */
export interface IdempotencyClaim {
  key: string;
  bodySha256: string;
  /** Lifetime of the key in seconds. */
  ttlSeconds: number;
}

/** What `createRequest` did. */
export type CreateOutcome =
  | { kind: 'created'; record: RequestRecord }
  /** The key was used before with the same body: the original request, nothing new stored. */
  | { kind: 'replayed'; record: RequestRecord }
  /** The key was used before with a different body. */
  | { kind: 'conflict'; requestId: string };

/** The records store. Every read and write of a client's data is scoped by its tenant. */
export interface RecordStore {
  /**
   * Records a new request as PENDING; with `idempotency`, atomically claims the key for it first.
   * Concurrent calls with one key create one request: the others get `replayed` (same body) or
   * `conflict` (another body). An expired key is claimed afresh.
   */
  createRequest(request: ReportRequest, idempotency?: IdempotencyClaim): Promise<CreateOutcome>;
  /** The request `id` of `tenantId`, with its report; `undefined` for unknown ids and other tenants' ids. */
  getRequest(tenantId: string, id: string): Promise<RequestRecord | undefined>;
  /** @throws ReportError('REQUEST_INVALID') for a cursor this store did not issue. */
  searchRequests(query: RequestQuery): Promise<Page<RequestRecord>>;
  /**
   * Records a run's state; creates the record when missing (runs started by subscriptions). Within
   * one execution, final states are never overwritten by non-final ones, so out-of-order or retried
   * writes are harmless; a write from another execution (`executionId`: the same request run again
   * after it failed or was cancelled) starts the record afresh: request, status, error, completion.
   */
  recordRunState(request: ReportRequest, update: RunStateUpdate): Promise<void>;
  /** Marks a request FAILED with `error` and releases its idempotency key (its run could not be started). */
  recordStartFailed(tenantId: string, id: string, error: RunError, idempotencyKey?: string): Promise<void>;
  /** Records the report file of a request; a retry with the same request id replaces the row, never adds one. */
  upsertReport(report: Omit<ReportRecord, 'deletedAt'>): Promise<void>;
  /** The report `id` of `tenantId` (tombstones included). */
  getReport(tenantId: string, id: string): Promise<ReportRecord | undefined>;
  /** A report by id alone, for verifying signed URLs (which carry no credentials). */
  getReportById(id: string): Promise<ReportRecord | undefined>;
  /** @throws ReportError('REQUEST_INVALID') for a bad cursor. */
  searchReports(query: ReportQuery): Promise<Page<ReportRecord>>;
  /**
   * The report files of bulk run `bulkId`'s SUCCEEDED documents (requests `<bulkId>:<key>`) that are not
   * deleted, ordered by request id, at most `limit` after request id `after` (keyset paging).
   */
  bulkDocumentReports(tenantId: string, bulkId: string, limit: number, after?: string): Promise<ReportRecord[]>;
  /**
   * Removes the report record of a run that was cancelled or failed after its export began (the run
   * never produced a report; no tombstone is kept). Idempotent.
   */
  removeReport(tenantId: string, id: string): Promise<void>;
  /** Marks the report deleted (idempotent: a second call keeps the first `deletedAt`); `undefined` when unknown. */
  markReportDeleted(tenantId: string, id: string): Promise<ReportRecord | undefined>;
  /** Deletes idempotency keys that expired before now; returns how many. */
  purgeExpiredKeys(): Promise<number>;
  /**
   * Records a webhook delivery's change (see `WebhookDeliveryUpdate`). When the run's own delivery
   * ends FAILED, the request's `notifyError` is set to its error unless one is set already.
   */
  recordWebhookDelivery(update: WebhookDeliveryUpdate): Promise<void>;
  /** The event of the request's latest recorded delivery (to send it again); `undefined` when none, or another tenant's. */
  latestWebhookEvent(tenantId: string, requestId: string): Promise<RunOutcomeEvent | undefined>;
}
