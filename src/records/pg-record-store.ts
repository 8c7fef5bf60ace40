/**
 * `RecordStore` on PostgreSQL (or the embedded PGlite server): the tables of migration
 * 0006-report-records. Every statement is parameterised; every read and write of a client's data
 * names its tenant.
 */
import type { Database, Queryable, Row } from '../data/database.js';
import type { ReportRequest } from '../domain/report-request.js';
import type { RunError, RunStatus, Stage } from '../domain/run-status.js';
import type { DeliveryStatus, RunOutcomeEvent, WebhookEventType } from '../domain/webhook-delivery.js';
import { webhookEventId } from '../domain/webhook-delivery.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type {
  CreateOutcome,
  IdempotencyClaim,
  Page,
  RecordStore,
  ReportQuery,
  ReportRecord,
  RequestQuery,
  RequestRecord,
  RunStateUpdate,
  WebhookDeliveryRecord,
  WebhookDeliveryUpdate,
} from './records.js';

const REQUEST_COLUMNS = `q.id, q.status, q.stage, q.request, q.metadata, q.error, q.notify_error, q.created_at, q.updated_at, q.completed_at`;
const REPORT_COLUMNS = (alias: string, prefix = '') =>
  ['id', 'request_id', 'tenant_id', 'report_code', 'customer_id', 'file_name', 'content_type', 'size_bytes', 'sha256', 'row_count', 'pages', 'uri', 'created_at', 'deleted_at']
    .map((c) => `${alias}.${c} AS ${prefix}${c}`)
    .join(', ');
const FINAL_SQL = `('SUCCEEDED', 'FAILED', 'CANCELLED')`;

export class PgRecordStore implements RecordStore {
  constructor(private readonly db: Database) {}

  /**
   * Without `idempotency` this is one statement (`INSERT … RETURNING`, atomic on its own); with it, a
   * transaction of the key's claim and that statement. The new record is read from the INSERT itself: a
   * request just created has no report and no webhook deliveries to join (a read back cost the API two
   * more round trips and a BEGIN/COMMIT per request).
   */
  async createRequest(request: ReportRequest, idempotency?: IdempotencyClaim): Promise<CreateOutcome> {
    if (!idempotency) return { kind: 'created', record: await insertRequest(this.db, request) };
    return this.db.transaction(async (tx) => {
      // Claims the key, or takes over an expired one. A concurrent claim of the same key waits here
      // for the first transaction and then finds the key taken.
      const claimed = await tx.query<{ request_id: string }>(
        `INSERT INTO reportflow.idempotency_keys (tenant_id, key, body_sha256, request_id, expires_at)
         VALUES ($1, $2, $3, $4, now() + $5 * interval '1 second')
         ON CONFLICT (tenant_id, key) DO UPDATE
           SET body_sha256 = EXCLUDED.body_sha256, request_id = EXCLUDED.request_id, created_at = now(), expires_at = EXCLUDED.expires_at
           WHERE reportflow.idempotency_keys.expires_at < now()
         RETURNING request_id`,
        [request.tenantId, idempotency.key, idempotency.bodySha256, request.id, idempotency.ttlSeconds],
      );
      if (claimed[0]?.request_id !== request.id) {
        const [held] = await tx.query<{ request_id: string; body_sha256: string }>(
          `SELECT request_id, body_sha256 FROM reportflow.idempotency_keys WHERE tenant_id = $1 AND key = $2`,
          [request.tenantId, idempotency.key],
        );
        if (!held) throw new Error('idempotency key vanished while being claimed');
        if (held.body_sha256 !== idempotency.bodySha256) return { kind: 'conflict', requestId: held.request_id };
        const original = await getRequest(tx, request.tenantId, held.request_id);
        if (!original) throw new Error(`idempotency key names request ${held.request_id}, which has no record`);
        return { kind: 'replayed', record: original };
      }
      return { kind: 'created', record: await insertRequest(tx, request) };
    });
  }

  getRequest(tenantId: string, id: string): Promise<RequestRecord | undefined> {
    return getRequest(this.db, tenantId, id);
  }

  async searchRequests(query: RequestQuery): Promise<Page<RequestRecord>> {
    const where = new Conditions(query.tenantId, 'q');
    if (query.statuses?.length) where.add((p) => `q.status = ANY(${p}::text[])`, query.statuses);
    if (query.reportCodes?.length) where.add((p) => `q.report_code = ANY(${p}::text[])`, query.reportCodes);
    if (query.customerId !== undefined) where.add((p) => `q.customer_id = ${p}`, query.customerId);
    if (query.createdFrom) where.add((p) => `q.created_at >= ${p}::timestamptz`, query.createdFrom);
    if (query.createdTo) where.add((p) => `q.created_at < ${p}::timestamptz`, query.createdTo);
    if (query.metadata && Object.keys(query.metadata).length) where.add((p) => `q.metadata @> ${p}::jsonb`, JSON.stringify(query.metadata));
    // As `runOrigin` reads them: a subscription run recorded before requests carried these has its subscription in its id.
    if (query.runTypes?.length) where.add((p) => `COALESCE(q.request->>'runType', CASE WHEN position(':' in q.id) > 1 AND NOT q.metadata ? 'bulk_request_id' THEN 'SCHEDULED' ELSE 'MANUAL' END) = ANY(${p}::text[])`, query.runTypes);
    if (query.reportSubscriptionId !== undefined) where.add((p) => `COALESCE(q.request->>'reportSubscriptionId', CASE WHEN position(':' in q.id) > 1 AND NOT q.metadata ? 'bulk_request_id' THEN split_part(q.id, ':', 1) END) = ${p}`, query.reportSubscriptionId);
    const page = await this.page(query, where, (w) => `
      SELECT ${REQUEST_COLUMNS}, ${REPORT_COLUMNS('r', 'r_')}
      FROM reportflow.report_requests q LEFT JOIN reportflow.reports r ON r.request_id = q.id
      WHERE ${w}`, 'reportflow.report_requests q', toRequestRecord);
    return { ...page, items: await withDeliveries(this.db, query.tenantId, page.items) };
  }

  async recordRunState(request: ReportRequest, update: RunStateUpdate): Promise<void> {
    // A write from another execution of the same request id (a failed period run again) starts afresh.
    // The request is always the writing execution's: within one execution it never changes.
    const fresh = `(EXCLUDED.execution_id IS NOT NULL AND EXCLUDED.execution_id IS DISTINCT FROM q.execution_id AND q.status IN ${FINAL_SQL})`;
    // One execution ends once, but its end may be written twice: an inline run's stages run as local
    // activities in one workflow task, and when Temporal refuses that task's completion (a cancel came
    // in meanwhile) the run is played again from its history, so the end written by the refused attempt
    // (SUCCEEDED) is followed by the end the execution really has (CANCELLED). The later end wins.
    const sameExecutionEnd = `(EXCLUDED.status IN ${FINAL_SQL} AND EXCLUDED.execution_id IS NOT NULL AND EXCLUDED.execution_id = q.execution_id)`;
    await this.db.query(
      `INSERT INTO reportflow.report_requests AS q (id, tenant_id, report_code, customer_id, status, stage, request, metadata, error, notify_error, created_at, completed_at, execution_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (id) DO UPDATE SET
         status = EXCLUDED.status, stage = EXCLUDED.stage, error = EXCLUDED.error,
         notify_error = CASE WHEN ${fresh} THEN EXCLUDED.notify_error ELSE COALESCE(EXCLUDED.notify_error, q.notify_error) END,
         completed_at = CASE WHEN ${fresh} THEN EXCLUDED.completed_at ELSE COALESCE(q.completed_at, EXCLUDED.completed_at) END,
         request = EXCLUDED.request, report_code = EXCLUDED.report_code, customer_id = EXCLUDED.customer_id, metadata = EXCLUDED.metadata,
         execution_id = COALESCE(EXCLUDED.execution_id, q.execution_id), updated_at = now()
       WHERE q.tenant_id = EXCLUDED.tenant_id
         AND (${fresh} OR q.status NOT IN ${FINAL_SQL} OR (q.status = EXCLUDED.status AND EXCLUDED.status IN ${FINAL_SQL}) OR ${sameExecutionEnd})`,
      [
        request.id, request.tenantId, request.reportCode, request.customerId ?? null, update.status, update.stage,
        JSON.stringify(request), JSON.stringify(request.metadata ?? {}), json(update.error), json(update.notifyError),
        request.requestedAt, update.completedAt ?? null, update.executionId ?? null,
      ],
    );
  }

  async recordStartFailed(tenantId: string, id: string, error: RunError, idempotencyKey?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE reportflow.report_requests SET status = 'FAILED', error = $3, completed_at = now(), updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND status = 'PENDING'`,
        [tenantId, id, JSON.stringify(error)],
      );
      if (idempotencyKey !== undefined) {
        await tx.query(`DELETE FROM reportflow.idempotency_keys WHERE tenant_id = $1 AND key = $2 AND request_id = $3`, [tenantId, idempotencyKey, id]);
      }
    });
  }

  async upsertReport(report: Omit<ReportRecord, 'deletedAt'>): Promise<void> {
    await this.db.query(
      `INSERT INTO reportflow.reports AS r (id, request_id, tenant_id, report_code, customer_id, file_name, content_type, size_bytes, sha256, row_count, pages, uri, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (request_id) DO UPDATE SET
         file_name = EXCLUDED.file_name, content_type = EXCLUDED.content_type, size_bytes = EXCLUDED.size_bytes,
         sha256 = EXCLUDED.sha256, row_count = EXCLUDED.row_count, pages = EXCLUDED.pages, uri = EXCLUDED.uri
       WHERE r.tenant_id = EXCLUDED.tenant_id AND r.deleted_at IS NULL`,
      [
        report.id, report.requestId, report.tenantId, report.reportCode, report.customerId ?? null, report.fileName, report.contentType,
        report.sizeBytes, report.sha256, report.rows, report.pages ?? null, report.uri, report.createdAt,
      ],
    );
  }

  async getReport(tenantId: string, id: string): Promise<ReportRecord | undefined> {
    const [row] = await this.db.query(`SELECT ${REPORT_COLUMNS('r')} FROM reportflow.reports r WHERE r.tenant_id = $1 AND r.id = $2`, [tenantId, id]);
    return row ? toReportRecord(row) : undefined;
  }

  async getReportById(id: string): Promise<ReportRecord | undefined> {
    const [row] = await this.db.query(`SELECT ${REPORT_COLUMNS('r')} FROM reportflow.reports r WHERE r.id = $1`, [id]);
    return row ? toReportRecord(row) : undefined;
  }

  async bulkDocumentReports(tenantId: string, bulkId: string, limit: number, after?: string): Promise<ReportRecord[]> {
    const rows = await this.db.query(
      `SELECT ${REPORT_COLUMNS('r')} FROM reportflow.reports r
       JOIN reportflow.report_requests q ON q.tenant_id = r.tenant_id AND q.id = r.request_id
       WHERE r.tenant_id = $1 AND starts_with(r.request_id, $2 || ':') AND q.status = 'SUCCEEDED' AND r.deleted_at IS NULL
         AND ($3::text IS NULL OR r.request_id > $3)
       ORDER BY r.request_id LIMIT $4`,
      [tenantId, bulkId, after ?? null, limit],
    );
    return rows.map((row) => toReportRecord(row));
  }

  async searchReports(query: ReportQuery): Promise<Page<ReportRecord>> {
    const where = new Conditions(query.tenantId, 'r');
    if (!query.includeDeleted) where.add(() => `r.deleted_at IS NULL`);
    if (query.reportCodes?.length) where.add((p) => `r.report_code = ANY(${p}::text[])`, query.reportCodes);
    if (query.customerId !== undefined) where.add((p) => `r.customer_id = ${p}`, query.customerId);
    if (query.createdFrom) where.add((p) => `r.created_at >= ${p}::timestamptz`, query.createdFrom);
    if (query.createdTo) where.add((p) => `r.created_at < ${p}::timestamptz`, query.createdTo);
    return this.page(query, where, (w) => `SELECT ${REPORT_COLUMNS('r')} FROM reportflow.reports r WHERE ${w}`, 'reportflow.reports r', (row) => toReportRecord(row));
  }

  async removeReport(tenantId: string, id: string): Promise<void> {
    await this.db.query(`DELETE FROM reportflow.reports WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  }

  async markReportDeleted(tenantId: string, id: string): Promise<ReportRecord | undefined> {
    await this.db.query(`UPDATE reportflow.reports SET deleted_at = now() WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`, [tenantId, id]);
    return this.getReport(tenantId, id);
  }

  async purgeExpiredKeys(): Promise<number> {
    const rows = await this.db.query(`DELETE FROM reportflow.idempotency_keys WHERE expires_at < now() RETURNING 1`);
    return rows.length;
  }

  /**
   * One statement (an INSERT … ON CONFLICT in a CTE, and the request's UPDATE reading what it returned),
   * so a delivery's record costs one round trip, where a transaction of the two cost three (BEGIN, INSERT,
   * COMMIT) and four when the delivery FAILED; a data-modifying CTE runs whether or not the UPDATE matches.
   */
  async recordWebhookDelivery(update: WebhookDeliveryUpdate): Promise<void> {
    const { attempt } = update;
    // An attempt's facts replace the last ones only when it is not older than them.
    const newer = `(EXCLUDED.last_attempt_at IS NOT NULL AND EXCLUDED.attempts >= d.attempts)`;
    await this.db.query(
      `WITH written AS (
         INSERT INTO reportflow.webhook_deliveries AS d
           (id, request_id, tenant_id, event_id, event_type, event, redelivery, execution_id, status, attempts, last_attempt_at, next_attempt_at, last_http_status, last_error, delivered_at, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (id) DO UPDATE SET
           status = EXCLUDED.status,
           attempts = GREATEST(d.attempts, EXCLUDED.attempts),
           last_attempt_at = CASE WHEN ${newer} THEN EXCLUDED.last_attempt_at ELSE d.last_attempt_at END,
           last_http_status = CASE WHEN ${newer} THEN EXCLUDED.last_http_status ELSE d.last_http_status END,
           last_error = CASE WHEN ${newer} THEN EXCLUDED.last_error ELSE d.last_error END,
           next_attempt_at = CASE WHEN EXCLUDED.status <> 'PENDING' THEN NULL WHEN ${newer} THEN EXCLUDED.next_attempt_at ELSE d.next_attempt_at END,
           delivered_at = COALESCE(d.delivered_at, EXCLUDED.delivered_at),
           error = COALESCE(EXCLUDED.error, d.error),
           updated_at = now()
         WHERE d.tenant_id = EXCLUDED.tenant_id AND d.status <> 'DELIVERED' AND NOT (d.status = 'FAILED' AND EXCLUDED.status = 'PENDING')
         RETURNING d.status, d.error
       )
       -- The run's own notification failed: say so on the request, unless a newer execution took it over.
       UPDATE reportflow.report_requests q SET notify_error = written.error, updated_at = now()
       FROM written
       WHERE written.status = 'FAILED' AND written.error IS NOT NULL AND NOT $7::boolean
         AND q.tenant_id = $3 AND q.id = $2 AND q.notify_error IS NULL AND ($8::text IS NULL OR q.execution_id IS NULL OR q.execution_id = $8)`,
      [
        update.deliveryId, update.requestId, update.tenantId, webhookEventId(update.requestId, update.event.type), update.event.type,
        JSON.stringify(update.event), update.redelivery, update.executionId ?? null, update.status, attempt?.number ?? 0, attempt?.at ?? null,
        update.status === 'PENDING' ? (attempt?.nextAttemptAt ?? null) : null, attempt?.httpStatus ?? null, attempt?.error ?? null,
        update.deliveredAt ?? null, json(update.error),
      ],
    );
  }

  async latestWebhookEvent(tenantId: string, requestId: string): Promise<RunOutcomeEvent | undefined> {
    const [row] = await this.db.query<{ event: RunOutcomeEvent }>(
      `SELECT event FROM reportflow.webhook_deliveries WHERE tenant_id = $1 AND request_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1`,
      [tenantId, requestId],
    );
    return row?.event;
  }

  /** Runs a keyset-paginated listing (newest first) and the count of all its matches. */
  private async page<T>(query: { limit: number; cursor?: string }, where: Conditions, select: (where: string) => string, from: string, map: (row: Row) => T): Promise<Page<T>> {
    const countSql = `SELECT count(*)::bigint AS total FROM ${from} WHERE ${where.sql()}`;
    const [{ total }] = (await this.db.query<{ total: number }>(countSql, where.params)) as [{ total: number }];
    const alias = where.alias;
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      where.add((a, b) => `(${alias}.created_at, ${alias}.id) < (${a}::timestamptz, ${b})`, after.createdAt, after.id);
    }
    where.params.push(query.limit + 1);
    const rows = await this.db.query(`${select(where.sql())} ORDER BY ${alias}.created_at DESC, ${alias}.id DESC LIMIT $${where.params.length}`, where.params);
    const items = rows.slice(0, query.limit).map(map);
    const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
    return { items, total, nextCursor: last ? encodeCursor({ createdAt: iso(last['created_at'])!, id: String(last['id']) }) : null };
  }
}

/** A WHERE clause built from fixed SQL fragments and bound values, always starting with the tenant. */
class Conditions {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  constructor(tenantId: string, readonly alias: string) {
    this.add((p) => `${alias}.tenant_id = ${p}`, tenantId);
  }

  /** `fragment` receives the placeholders (`$n`) of `values`, in order. */
  add(fragment: (...placeholders: string[]) => string, ...values: unknown[]): void {
    const placeholders = values.map((v) => {
      this.params.push(v);
      return `$${this.params.length}`;
    });
    this.parts.push(fragment(...placeholders));
  }

  sql(): string {
    return this.parts.join(' AND ');
  }
}

/**
 * Inserts `request` as PENDING and returns its record as the INSERT wrote it (no report, no deliveries).
 * @throws the database's error, e.g. a unique violation when the id exists.
 */
async function insertRequest(db: Queryable, request: ReportRequest): Promise<RequestRecord> {
  const [row] = await db.query(
    `INSERT INTO reportflow.report_requests AS q (id, tenant_id, report_code, customer_id, status, request, metadata, generate_at, created_at)
     VALUES ($1, $2, $3, $4, 'PENDING', $5, $6, $7, $8)
     RETURNING ${REQUEST_COLUMNS}`,
    [request.id, request.tenantId, request.reportCode, request.customerId ?? null, JSON.stringify(request), JSON.stringify(request.metadata ?? {}), request.generateAt ?? null, request.requestedAt],
  );
  return toRequestRecord(row!);
}

async function getRequest(db: Queryable, tenantId: string, id: string): Promise<RequestRecord | undefined> {
  const [row] = await db.query(
    `SELECT ${REQUEST_COLUMNS}, ${REPORT_COLUMNS('r', 'r_')}
     FROM reportflow.report_requests q LEFT JOIN reportflow.reports r ON r.request_id = q.id
     WHERE q.tenant_id = $1 AND q.id = $2`,
    [tenantId, id],
  );
  if (!row) return undefined;
  const [record] = await withDeliveries(db, tenantId, [toRequestRecord(row)]);
  return record;
}

/** `records` with their webhook deliveries (newest first), read in one query. */
async function withDeliveries(db: Queryable, tenantId: string, records: RequestRecord[]): Promise<RequestRecord[]> {
  if (!records.length) return records;
  const rows = await db.query(
    `SELECT id, request_id, event_id, event_type, redelivery, status, attempts, last_attempt_at, next_attempt_at, last_http_status, last_error, delivered_at, error, created_at, updated_at
     FROM reportflow.webhook_deliveries WHERE tenant_id = $1 AND request_id = ANY($2::text[]) ORDER BY created_at DESC, id DESC`,
    [tenantId, records.map((r) => r.request.id)],
  );
  const byRequest = new Map<string, WebhookDeliveryRecord[]>();
  for (const row of rows) {
    const list = byRequest.get(String(row['request_id'])) ?? [];
    list.push(toDeliveryRecord(row));
    byRequest.set(String(row['request_id']), list);
  }
  return records.map((r) => (byRequest.has(r.request.id) ? { ...r, webhookDeliveries: byRequest.get(r.request.id)! } : r));
}

function toDeliveryRecord(row: Row): WebhookDeliveryRecord {
  const delivery: WebhookDeliveryRecord = {
    id: String(row['id']),
    eventId: String(row['event_id']),
    eventType: row['event_type'] as WebhookEventType,
    redelivery: Boolean(row['redelivery']),
    status: row['status'] as DeliveryStatus,
    attempts: Number(row['attempts']),
    createdAt: iso(row['created_at'])!,
    updatedAt: iso(row['updated_at'])!,
  };
  const optional = {
    lastAttemptAt: iso(row['last_attempt_at']),
    nextAttemptAt: iso(row['next_attempt_at']),
    lastHttpStatus: row['last_http_status'] == null ? undefined : Number(row['last_http_status']),
    lastError: row['last_error'] == null ? undefined : String(row['last_error']),
    deliveredAt: iso(row['delivered_at']),
    error: (row['error'] as RunError | null) ?? undefined,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(delivery, { [k]: v });
  return delivery;
}

function toRequestRecord(row: Row): RequestRecord {
  const request = row['request'] as ReportRequest;
  const metadata = row['metadata'] as Record<string, string> | null;
  const record: RequestRecord = {
    request: metadata && Object.keys(metadata).length ? { ...request, metadata } : request,
    status: row['status'] as RunStatus,
    stage: (row['stage'] as Stage | null) ?? null,
    createdAt: iso(row['created_at'])!,
    updatedAt: iso(row['updated_at'])!,
  };
  const completedAt = iso(row['completed_at']);
  if (completedAt) record.completedAt = completedAt;
  if (row['error']) record.error = row['error'] as RunError;
  if (row['notify_error']) record.notifyError = row['notify_error'] as RunError;
  if (row['r_id']) record.report = toReportRecord(row, 'r_');
  return record;
}

function toReportRecord(row: Row, prefix = ''): ReportRecord {
  const get = (c: string) => row[prefix + c];
  const report: ReportRecord = {
    id: String(get('id')),
    requestId: String(get('request_id')),
    tenantId: String(get('tenant_id')),
    reportCode: String(get('report_code')),
    fileName: String(get('file_name')),
    contentType: String(get('content_type')),
    sizeBytes: Number(get('size_bytes')),
    sha256: String(get('sha256')),
    rows: Number(get('row_count')),
    uri: String(get('uri')),
    createdAt: iso(get('created_at'))!,
  };
  if (get('customer_id') != null) report.customerId = String(get('customer_id'));
  if (get('pages') != null) report.pages = Number(get('pages'));
  const deletedAt = iso(get('deleted_at'));
  if (deletedAt) report.deletedAt = deletedAt;
  return report;
}

function iso(value: unknown): string | undefined {
  if (value == null) return undefined;
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
