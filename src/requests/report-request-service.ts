/**
 * What the API does with report requests: check a new one against its definition, claim its
 * `Idempotency-Key`, record it and start its run; read its current state (the record, with Temporal's
 * live view while it runs); cancel it; search the records; send its webhook event again. The record is
 * the source of truth for what the client asked; Temporal is the source of truth for the run.
 */
import type { Logger } from 'pino';
import { databaseFault } from '../data/database-fault.js';
import type { ReportRequest } from '../domain/report-request.js';
import { WEBHOOK_RETRY_SCHEDULE } from '../domain/webhook-delivery.js';
import { FINAL_STATUSES, type Page, type RecordStore, type RequestQuery } from '../records/records.js';
import type { RunGateway } from '../temporal/report-runs.js';
import { checkRequest, type RequestCheckDeps } from './check-request.js';
import { idempotencyClaim, idempotencyKeyReused } from './idempotency.js';
import { notRedeliverable, runFinished, runInBulkBatch, runNotFound } from './request-errors.js';
import { RUN_ID_PATTERN, uuidv7 } from './request-id.js';
import { currentState, stateOfRecord, stateOfRun, type RequestState } from './request-state.js';

/** Where the service writes what happened (the caller's request-scoped logger). */
export type RequestLog = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface ReportRequestServiceDeps extends RequestCheckDeps {
  /** The requests' records: what is created, read, listed and searched. */
  records: RecordStore;
  /** Starts runs, reads their live state, cancels them and delivers webhooks (Temporal). */
  runs: RunGateway;
  /** `idempotencyTtlHours`: how long an `Idempotency-Key` stands for its request, in hours. */
  config: { idempotencyTtlHours: number };
  /** A new request or delivery id; default UUIDv7. */
  newId?: () => string;
  now?: () => Date;
}

/** A new request, converted from what the client sent but not yet checked. */
export interface CreateReportRequest {
  /** Its `id`, `tenantId` and `requestedAt` from `ReportRequestService.newIds`; `runType` is set to MANUAL. */
  request: ReportRequest;
  /** The definitions it is checked against when they differ from the service's (a template run's); default the service's catalog. */
  catalog?: RequestCheckDeps['catalog'];
  /** The field each of `request.exportLocations` was given as, for errors (see `checkRequest`). */
  locationFields?: readonly string[];
  /** The `Idempotency-Key` and the body it stands for (whose canonical SHA-256 is claimed). */
  idempotency?: { key: string; body: unknown };
}

/** What `create` did: `replayed` when the key named an earlier request with the same body, whose state this is. */
export interface Created {
  state: RequestState;
  replayed: boolean;
}

export class ReportRequestService {
  private readonly newId: () => string;
  private readonly now: () => Date;

  constructor(private readonly deps: ReportRequestServiceDeps) {
    this.newId = deps.newId ?? (() => uuidv7());
    this.now = deps.now ?? (() => new Date());
  }

  /** The ids of a request made now by `tenantId` (`requestedAt`: ISO-8601 UTC). */
  newIds(tenantId: string): { id: string; tenantId: string; requestedAt: string } {
    return { id: this.newId(), tenantId, requestedAt: this.now().toISOString() };
  }

  /**
   * Checks the request, records it and starts its run; with an idempotency key used before with the
   * same body, the original request instead (nothing new is stored or started). When the run cannot be
   * started the record says so and the key is freed, so a retry starts afresh.
   * @throws ReportError from `checkRequest` (400, 503); IDEMPOTENCY_KEY_REUSED (409) when the key was
   *   used with another body; the database fault (503); the run gateway's error when the start fails.
   */
  async create(input: CreateReportRequest, log?: RequestLog): Promise<Created> {
    const catalog = input.catalog ?? this.deps.catalog;
    await checkRequest({ ...this.deps, catalog }, input.request, input.locationFields);
    const request: ReportRequest = { ...input.request, runType: 'MANUAL' };
    const key = input.idempotency?.key;
    const claim = input.idempotency && idempotencyClaim(input.idempotency.key, input.idempotency.body, this.deps.config.idempotencyTtlHours);
    let outcome;
    try {
      outcome = await this.deps.records.createRequest(request, claim);
    } catch (err) {
      throw databaseFault(err);
    }
    if (outcome.kind === 'conflict') throw idempotencyKeyReused(outcome.requestId);
    if (outcome.kind === 'replayed') return { state: await currentState(this.deps.runs, outcome.record), replayed: true };
    try {
      await this.deps.runs.start(request);
    } catch (err) {
      // Nothing runs for this record: say so on it, and free the key so a retry can start afresh.
      const error = { code: 'UNAVAILABLE', message: 'The run could not be started.', errors: [] };
      await this.deps.records.recordStartFailed(request.tenantId, request.id, error, key).catch((e: unknown) => log?.error({ err: e }, 'could not record a failed start'));
      throw err;
    }
    log?.info({ runId: request.id, tenantId: request.tenantId, reportCode: request.reportCode, format: request.format }, 'run started');
    return { state: stateOfRecord(outcome.record), replayed: false };
  }

  /**
   * The current state of request `id` of `tenantId`: its record (with the live stage while it runs),
   * or, when there is no record, Temporal's view of the run — a subscription's run before its first
   * record write, or one whose writes failed.
   * @throws ReportError NOT_FOUND (404) when neither knows it for this tenant; UNAVAILABLE (503) when
   *   the record is missing and Temporal cannot be reached; the database fault (503) when the store fails.
   */
  async get(tenantId: string, id: string): Promise<RequestState> {
    if (!RUN_ID_PATTERN.test(id)) throw runNotFound(id);
    let record;
    try {
      record = await this.deps.records.getRequest(tenantId, id);
    } catch (err) {
      throw databaseFault(err);
    }
    if (record) return currentState(this.deps.runs, record);
    const live = await this.deps.runs.get(tenantId, id);
    if (!live) throw runNotFound(id);
    return stateOfRun(live);
  }

  /**
   * A page of the tenant's requests, newest first, with their statuses as last recorded (see
   * `RecordStore.searchRequests`). @throws the database fault (503), REQUEST_INVALID (400) for a value
   * the database cannot take (a forged cursor).
   */
  async search(query: RequestQuery): Promise<Page<RequestState>> {
    let page;
    try {
      page = await this.deps.records.searchRequests(query);
    } catch (err) {
      throw databaseFault(err);
    }
    return { ...page, items: page.items.map(stateOfRecord) };
  }

  /**
   * Asks the run to cancel (its activities stop; nothing is exported afterwards).
   * @returns the state after asking (the state before when it cannot be read again).
   * @throws like `get`; RUN_FINISHED (409) when the run had already ended; RUN_IN_BULK_BATCH (409) for a
   *   document a bulk run makes in a batch (no run of its own: the bulk request is what is cancelled).
   */
  async cancel(tenantId: string, id: string, log?: RequestLog): Promise<RequestState> {
    const before = await this.get(tenantId, id);
    if (FINAL_STATUSES.includes(before.status)) throw runFinished(before.status);
    const runId = before.request.id;
    const asked = await this.deps.runs.cancel(tenantId, runId);
    // A bulk document made in a batch (activities/produce-bulk-documents.ts) has no workflow to cancel.
    const bulkId = before.request.metadata?.['bulk_request_id'];
    if (!asked && bulkId && before.request.runMode === 'inline') throw runInBulkBatch(bulkId);
    const after = await this.get(tenantId, runId).catch(() => before);
    if (!asked && after.status !== 'CANCELLED' && FINAL_STATUSES.includes(after.status)) throw runFinished(after.status);
    log?.info({ runId, tenantId }, 'run cancel requested');
    return after;
  }

  /**
   * Sends the run's last webhook event again as a new delivery (same event id, fresh signature and
   * download link). @returns the state with the new delivery listed.
   * @throws like `get`; WEBHOOK_NOT_REDELIVERABLE (409) when the request has no webhook, its run has
   *   not finished or no event was recorded; the database fault (503).
   */
  async redeliverWebhook(tenantId: string, id: string, log?: RequestLog): Promise<RequestState> {
    const before = await this.get(tenantId, id);
    const { request } = before;
    if (!request.notify?.webhookUrl) throw notRedeliverable('The request has no webhook (notify.webhook_url), so there is nothing to send again.');
    if (!FINAL_STATUSES.includes(before.status)) throw notRedeliverable(`The run has not finished (${before.status}); its event is sent when it does.`);
    let event;
    try {
      event = await this.deps.records.latestWebhookEvent(tenantId, request.id);
    } catch (err) {
      throw databaseFault(err);
    }
    if (!event) throw notRedeliverable('No webhook event was recorded for this run.');
    const deliveryId = this.newId();
    await this.deps.runs.deliverWebhook({ deliveryId, request, event, redelivery: true, linkSignedAt: this.now().toISOString(), schedule: WEBHOOK_RETRY_SCHEDULE });
    // The delivery records itself as it starts; recording it here too lets this answer show it.
    await this.deps.records
      .recordWebhookDelivery({ deliveryId, tenantId, requestId: request.id, event, redelivery: true, status: 'PENDING' })
      .catch((err: unknown) => log?.warn({ err }, 'redelivery not recorded by the API'));
    log?.info({ runId: request.id, tenantId, deliveryId, eventType: event.type }, 'webhook redelivery started');
    return this.get(tenantId, request.id).catch(() => before);
  }
}
