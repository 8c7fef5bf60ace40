/**
 * An in-memory `RecordStore` for unit and workflow tests (fast, no database). It follows the same
 * contract as `PgRecordStore`, which the integration tests check against real PostgreSQL and PGlite
 * (test/integration/records-store.test.ts).
 */
import { runOrigin } from '../../src/domain/run-origin.js';
import { decodeCursor, encodeCursor } from '../../src/records/cursor.js';
import {
  FINAL_STATUSES,
  type CreateOutcome,
  type IdempotencyClaim,
  type Page,
  type RecordStore,
  type ReportQuery,
  type ReportRecord,
  type RequestQuery,
  type RequestRecord,
  type RunStateUpdate,
  type WebhookDeliveryRecord,
  type WebhookDeliveryUpdate,
} from '../../src/records/records.js';
import type { ReportRequest } from '../../src/domain/report-request.js';
import type { RunError } from '../../src/domain/run-status.js';
import { webhookEventId, type RunOutcomeEvent } from '../../src/domain/webhook-delivery.js';

interface StoredDelivery {
  tenantId: string;
  requestId: string;
  event: RunOutcomeEvent;
  record: WebhookDeliveryRecord;
}

interface StoredKey {
  bodySha256: string;
  requestId: string;
  expiresAtMs: number;
}

export class MemoryRecordStore implements RecordStore {
  readonly requests = new Map<string, Omit<RequestRecord, 'report'>>();
  /** The execution that last recorded each request (see `RunStateUpdate.executionId`). */
  private readonly executions = new Map<string, string>();
  readonly reports = new Map<string, ReportRecord>();
  readonly keys = new Map<string, StoredKey>();
  readonly deliveries = new Map<string, StoredDelivery>();

  async createRequest(request: ReportRequest, idempotency?: IdempotencyClaim): Promise<CreateOutcome> {
    if (idempotency) {
      const k = `${request.tenantId}\n${idempotency.key}`;
      const held = this.keys.get(k);
      if (held && held.expiresAtMs > Date.now()) {
        if (held.bodySha256 !== idempotency.bodySha256) return { kind: 'conflict', requestId: held.requestId };
        return { kind: 'replayed', record: (await this.getRequest(request.tenantId, held.requestId))! };
      }
      this.keys.set(k, { bodySha256: idempotency.bodySha256, requestId: request.id, expiresAtMs: Date.now() + idempotency.ttlSeconds * 1000 });
    }
    const now = new Date().toISOString();
    this.requests.set(request.id, { request, status: 'PENDING', stage: null, createdAt: request.requestedAt, updatedAt: now });
    return { kind: 'created', record: (await this.getRequest(request.tenantId, request.id))! };
  }

  async getRequest(tenantId: string, id: string): Promise<RequestRecord | undefined> {
    const r = this.requests.get(id);
    if (!r || r.request.tenantId !== tenantId) return undefined;
    const report = this.reports.get(id);
    const deliveries = [...this.deliveries.values()]
      .filter((d) => d.requestId === id && d.tenantId === tenantId)
      .map((d) => d.record)
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : -1));
    return structuredClone({ ...r, ...(report ? { report } : {}), ...(deliveries.length ? { webhookDeliveries: deliveries } : {}) });
  }

  async searchRequests(q: RequestQuery): Promise<Page<RequestRecord>> {
    const all = [...this.requests.values()].filter((r) =>
      r.request.tenantId === q.tenantId &&
      (!q.statuses?.length || q.statuses.includes(r.status)) &&
      (!q.reportCodes?.length || q.reportCodes.includes(r.request.reportCode)) &&
      (q.customerId === undefined || r.request.customerId === q.customerId) &&
      (!q.runTypes?.length || q.runTypes.includes(runOrigin(r.request).runType)) &&
      (q.reportSubscriptionId === undefined || runOrigin(r.request).reportSubscriptionId === q.reportSubscriptionId) &&
      inRange(r.createdAt, q.createdFrom, q.createdTo) &&
      Object.entries(q.metadata ?? {}).every(([k, v]) => r.request.metadata?.[k] === v));
    const page = paginate(all.map((r) => ({ createdAt: r.createdAt, id: r.request.id, item: r })), q);
    return { ...page, items: await Promise.all(page.items.map((r) => this.getRequest(q.tenantId, r.request.id).then((x) => x!))) };
  }

  async recordRunState(request: ReportRequest, update: RunStateUpdate): Promise<void> {
    const r = this.requests.get(request.id);
    if (r && r.request.tenantId !== request.tenantId) return;
    const fresh = r !== undefined && FINAL_STATUSES.includes(r.status) && update.executionId !== undefined && update.executionId !== this.executions.get(request.id);
    if (r && !fresh && FINAL_STATUSES.includes(r.status) && !(r.status === update.status)) return;
    const base = r && !fresh ? { ...r, request } : { request, createdAt: r?.createdAt ?? request.requestedAt };
    if (update.executionId !== undefined) this.executions.set(request.id, update.executionId);
    this.requests.set(request.id, withoutUndefined({
      ...base,
      status: update.status,
      stage: update.stage,
      error: update.error,
      notifyError: update.notifyError ?? (fresh ? undefined : r?.notifyError),
      completedAt: (fresh ? undefined : r?.completedAt) ?? update.completedAt,
      updatedAt: new Date().toISOString(),
    }) as Omit<RequestRecord, 'report'>);
  }

  async recordStartFailed(tenantId: string, id: string, error: RunError, idempotencyKey?: string): Promise<void> {
    const r = this.requests.get(id);
    if (r && r.request.tenantId === tenantId && r.status === 'PENDING') {
      this.requests.set(id, { ...r, status: 'FAILED', error, completedAt: new Date().toISOString() });
    }
    if (idempotencyKey !== undefined && this.keys.get(`${tenantId}\n${idempotencyKey}`)?.requestId === id) this.keys.delete(`${tenantId}\n${idempotencyKey}`);
  }

  async upsertReport(report: Omit<ReportRecord, 'deletedAt'>): Promise<void> {
    const existing = this.reports.get(report.requestId);
    if (existing && (existing.tenantId !== report.tenantId || existing.deletedAt)) return;
    this.reports.set(report.requestId, { ...report, createdAt: existing?.createdAt ?? report.createdAt });
  }

  async getReport(tenantId: string, id: string): Promise<ReportRecord | undefined> {
    const r = this.reports.get(id);
    return r && r.tenantId === tenantId ? structuredClone(r) : undefined;
  }

  async getReportById(id: string): Promise<ReportRecord | undefined> {
    const r = this.reports.get(id);
    return r ? structuredClone(r) : undefined;
  }

  async bulkDocumentReports(tenantId: string, bulkId: string, limit: number, after?: string): Promise<ReportRecord[]> {
    return [...this.reports.values()]
      .filter((r) => r.tenantId === tenantId && r.requestId.startsWith(`${bulkId}:`) && !r.deletedAt && this.requests.get(r.requestId)?.status === 'SUCCEEDED' && (after === undefined || r.requestId > after))
      .sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0))
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }

  async searchReports(q: ReportQuery): Promise<Page<ReportRecord>> {
    const all = [...this.reports.values()].filter((r) =>
      r.tenantId === q.tenantId &&
      (q.includeDeleted || !r.deletedAt) &&
      (!q.reportCodes?.length || q.reportCodes.includes(r.reportCode)) &&
      (q.customerId === undefined || r.customerId === q.customerId) &&
      inRange(r.createdAt, q.createdFrom, q.createdTo));
    return paginate(all.map((r) => ({ createdAt: r.createdAt, id: r.id, item: structuredClone(r) })), q);
  }

  async removeReport(tenantId: string, id: string): Promise<void> {
    if (this.reports.get(id)?.tenantId === tenantId) this.reports.delete(id);
  }

  async markReportDeleted(tenantId: string, id: string): Promise<ReportRecord | undefined> {
    const r = this.reports.get(id);
    if (!r || r.tenantId !== tenantId) return undefined;
    if (!r.deletedAt) r.deletedAt = new Date().toISOString();
    return structuredClone(r);
  }

  async recordWebhookDelivery(u: WebhookDeliveryUpdate): Promise<void> {
    const now = new Date().toISOString();
    const held = this.deliveries.get(u.deliveryId);
    if (held && (held.tenantId !== u.tenantId || held.record.status === 'DELIVERED' || (held.record.status === 'FAILED' && u.status === 'PENDING'))) return;
    const before: WebhookDeliveryRecord = held?.record ?? {
      id: u.deliveryId, eventId: webhookEventId(u.requestId, u.event.type), eventType: u.event.type, redelivery: u.redelivery, status: u.status, attempts: 0, createdAt: now, updatedAt: now,
    };
    const a = u.attempt;
    const newer = a !== undefined && a.number >= before.attempts;
    const record = withoutUndefined({
      ...before,
      status: u.status,
      attempts: Math.max(before.attempts, a?.number ?? 0),
      updatedAt: now,
      lastAttemptAt: newer ? a.at : before.lastAttemptAt,
      lastHttpStatus: newer ? a.httpStatus : before.lastHttpStatus,
      lastError: newer ? a.error : before.lastError,
      nextAttemptAt: u.status !== 'PENDING' ? undefined : newer ? a.nextAttemptAt : before.nextAttemptAt,
      deliveredAt: before.deliveredAt ?? u.deliveredAt,
      error: u.error ?? before.error,
    });
    this.deliveries.set(u.deliveryId, { tenantId: u.tenantId, requestId: u.requestId, event: held?.event ?? u.event, record });
    const r = this.requests.get(u.requestId);
    if (record.status === 'FAILED' && record.error && !u.redelivery && r && r.request.tenantId === u.tenantId && !r.notifyError) {
      const execution = this.executions.get(u.requestId);
      if (!u.executionId || !execution || execution === u.executionId) this.requests.set(u.requestId, { ...r, notifyError: record.error, updatedAt: now });
    }
  }

  async latestWebhookEvent(tenantId: string, requestId: string): Promise<RunOutcomeEvent | undefined> {
    const latest = [...this.deliveries.values()]
      .filter((d) => d.tenantId === tenantId && d.requestId === requestId)
      .sort((a, b) => Date.parse(b.record.createdAt) - Date.parse(a.record.createdAt) || (a.record.id < b.record.id ? 1 : -1))[0];
    return latest ? structuredClone(latest.event) : undefined;
  }

  async purgeExpiredKeys(): Promise<number> {
    let n = 0;
    for (const [k, v] of this.keys) if (v.expiresAtMs <= Date.now() && this.keys.delete(k)) n++;
    return n;
  }
}

function inRange(at: string, from?: string, to?: string): boolean {
  const t = Date.parse(at);
  return (!from || t >= Date.parse(from)) && (!to || t < Date.parse(to));
}

function paginate<T>(rows: { createdAt: string; id: string; item: T }[], q: { limit: number; cursor?: string }): Page<T> {
  const total = rows.length;
  const sorted = rows.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  const rest = after
    ? sorted.filter((r) => Date.parse(r.createdAt) < Date.parse(after.createdAt) || (Date.parse(r.createdAt) === Date.parse(after.createdAt) && r.id < after.id))
    : sorted;
  const items = rest.slice(0, q.limit);
  const last = rest.length > q.limit ? items.at(-1) : undefined;
  return { items: items.map((r) => r.item), total, nextCursor: last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
