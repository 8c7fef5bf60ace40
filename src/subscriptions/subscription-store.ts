/**
 * Subscriptions in PostgreSQL (`reportflow.subscriptions`, migration 0005). Every read is scoped by
 * tenant: another tenant's id reads as missing. Each change of whether a subscription is active, or
 * of its schedule, also closes and opens its active spans (`reportflow.subscription_spans`, migration
 * 0007) in the same statement, so the spans are exactly the times the subscription was active.
 */
import type { Database, Queryable, Row } from '../data/database.js';
import { createdAtPage } from '../records/created-at-page.js';
import type { Page } from '../records/records.js';
import { SubscriptionLedger } from './subscription-ledger.js';
import type { Subscription, SubscriptionChanges } from './subscription.js';

const COLUMNS = 'id, tenant_id, name, template, schedule, timezone, active, paused_reason, consecutive_failures, created_at, updated_at, report_configuration_id, configuration_overrides';

/** SQL (a CTE list item) closing the open span of the subscription row `s` when it is no longer active. */
const CLOSE_SPAN_WHEN_INACTIVE = `closed AS (
  UPDATE reportflow.subscription_spans sp SET active_to = s.updated_at FROM s
  WHERE NOT s.active AND sp.subscription_id = s.id AND sp.active_to IS NULL)`;

/** SQL (a CTE list item) opening a span for `s` when it is active and has none open. */
const OPEN_SPAN_WHEN_ACTIVE = `opened AS (
  INSERT INTO reportflow.subscription_spans (subscription_id, active_from, schedule, timezone)
  SELECT s.id, s.updated_at, s.schedule, s.timezone FROM s
  WHERE s.active AND NOT EXISTS (SELECT 1 FROM reportflow.subscription_spans sp WHERE sp.subscription_id = s.id AND sp.active_to IS NULL))`;

export class SubscriptionStore {
  /** Its scheduled runs and active spans. */
  readonly ledger: SubscriptionLedger;

  constructor(private readonly db: Database) {
    this.ledger = new SubscriptionLedger(db);
  }

  /**
   * Runs `fn` in a transaction holding subscription `id`'s schedule lock (a PostgreSQL
   * transaction-scoped advisory lock keyed by the id). Every change to a subscription makes both its
   * row change (through `tx`) and its Temporal Schedule change inside it, from any number of API
   * processes and workers, so:
   * - changes happen one at a time, and the last schedule change is made from the last row written
   *   (the SDK's schedule update is a read-modify-write that sends no conflict token: the last writer wins);
   * - the row change commits only after Temporal took the schedule change; a Temporal fault rolls it back.
   *
   * Keep `fn` to its row change and a few Temporal calls, and do its database work only through `tx`
   * (each method takes it as its last argument, `on`): on the embedded engine other connections wait
   * while this transaction is open.
   * @returns what `fn` returns.
   */
  async withScheduleLock<T>(id: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`reportflow.subscription-schedule:${id}`]);
      return fn(tx);
    });
  }

  /** Inserts a new subscription; `createdAt`/`updatedAt` are set by the database. */
  async insert(s: Omit<Subscription, 'createdAt' | 'updatedAt' | 'consecutiveFailures'>, on: Queryable = this.db): Promise<Subscription> {
    const rows = await on.query(
      `WITH s AS (
         INSERT INTO reportflow.subscriptions (id, tenant_id, name, template, schedule, timezone, active, paused_reason, report_configuration_id, configuration_overrides)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}
       ), ${OPEN_SPAN_WHEN_ACTIVE}
       SELECT ${COLUMNS} FROM s`,
      [s.id, s.tenantId, s.name ?? null, JSON.stringify(s.template), JSON.stringify(s.schedule), s.timezone, s.active, s.pausedReason ?? null, s.configuration?.id ?? null, s.configuration ? JSON.stringify(s.configuration.overrides) : null],
    );
    return fromRow(rows[0]!);
  }

  /** The subscription, or undefined when missing, deleted or another tenant's. */
  async get(tenantId: string, id: string, on: Queryable = this.db): Promise<Subscription | undefined> {
    const rows = await on.query(`SELECT ${COLUMNS} FROM reportflow.subscriptions WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`, [tenantId, id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /**
   * One page of the tenant's subscriptions, oldest first, optionally only those of `reportCode` or
   * `active`: at most `limit` (default 100), after `cursor` (a `nextCursor` of an earlier page), with
   * `total`, the count of all that match (every page). Order and cursor use `created_at` cut to
   * milliseconds, as the cursor carries it, then `id`.
   * @throws ReportError('REQUEST_INVALID') naming `cursor` when it is not one this API issued.
   */
  async list(tenantId: string, filter: { reportCode?: string; active?: boolean; limit?: number; cursor?: string } = {}): Promise<Page<Subscription>> {
    const limit = filter.limit ?? 100;
    const where = `tenant_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR template->>'reportCode' = $2) AND ($3::boolean IS NULL OR active = $3)`;
    const params = [tenantId, filter.reportCode ?? null, filter.active ?? null];
    return createdAtPage(this.db, { table: 'reportflow.subscriptions', columns: COLUMNS, where, params, limit, ...(filter.cursor !== undefined ? { cursor: filter.cursor } : {}), fromRow });
  }

  /** The tenant's subscriptions (not deleted) that follow configuration `configurationId`, oldest first. */
  async following(tenantId: string, configurationId: string): Promise<Subscription[]> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM reportflow.subscriptions WHERE tenant_id = $1 AND report_configuration_id = $2 AND deleted_at IS NULL ORDER BY created_at, id`,
      [tenantId, configurationId],
    );
    return rows.map(fromRow);
  }

  /**
   * Applies `changes` (`configuration: undefined` given as a key unlinks it); returns the updated row, or undefined when there is none. A changed schedule or
   * zone of an active subscription ends its span and starts one with the new schedule.
   */
  async update(tenantId: string, id: string, changes: SubscriptionChanges, on: Queryable = this.db): Promise<Subscription | undefined> {
    const rows = await on.query(
      `WITH old AS (
         SELECT schedule, timezone FROM reportflow.subscriptions WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL
       ), s AS (
         UPDATE reportflow.subscriptions SET
           name = COALESCE($3, name), template = COALESCE($4::jsonb, template), schedule = COALESCE($5::jsonb, schedule),
           timezone = COALESCE($6, timezone), updated_at = statement_timestamp(),
           report_configuration_id = CASE WHEN $7 THEN $8 ELSE report_configuration_id END,
           configuration_overrides = CASE WHEN $7 THEN $9::jsonb ELSE configuration_overrides END
         WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${COLUMNS}
       ), changed AS (
         SELECT s.id, s.updated_at, s.schedule, s.timezone FROM s, old
         WHERE s.active AND (s.schedule IS DISTINCT FROM old.schedule OR s.timezone IS DISTINCT FROM old.timezone)
       ), closed AS (
         UPDATE reportflow.subscription_spans sp SET active_to = c.updated_at FROM changed c WHERE sp.subscription_id = c.id AND sp.active_to IS NULL
       ), opened AS (
         INSERT INTO reportflow.subscription_spans (subscription_id, active_from, schedule, timezone) SELECT id, updated_at, schedule, timezone FROM changed
       )
       SELECT ${COLUMNS} FROM s`,
      [
        tenantId, id, changes.name ?? null, changes.template ? JSON.stringify(changes.template) : null, changes.schedule ? JSON.stringify(changes.schedule) : null, changes.timezone ?? null,
        'configuration' in changes, changes.configuration?.id ?? null, changes.configuration ? JSON.stringify(changes.configuration.overrides) : null,
      ],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Pauses (with `reason`, ending the active span) or resumes (clearing the reason and the failure count, starting a span). */
  async setActive(tenantId: string, id: string, active: boolean, reason?: string, on: Queryable = this.db): Promise<Subscription | undefined> {
    const rows = await on.query(
      `WITH s AS (
         UPDATE reportflow.subscriptions SET active = $3, paused_reason = $4,
           consecutive_failures = CASE WHEN $3 THEN 0 ELSE consecutive_failures END, updated_at = statement_timestamp()
         WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${COLUMNS}
       ), ${CLOSE_SPAN_WHEN_INACTIVE}, ${OPEN_SPAN_WHEN_ACTIVE}
       SELECT ${COLUMNS} FROM s`,
      [tenantId, id, active, active ? null : (reason ?? null)],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Marks it deleted and ends its active span; true when it existed. */
  async delete(tenantId: string, id: string, on: Queryable = this.db): Promise<boolean> {
    const rows = await on.query(
      `WITH s AS (
         UPDATE reportflow.subscriptions SET deleted_at = statement_timestamp(), active = false, updated_at = statement_timestamp()
         WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id, active, updated_at
       ), ${CLOSE_SPAN_WHEN_INACTIVE}
       SELECT id FROM s`,
      [tenantId, id],
    );
    return rows.length > 0;
  }

  /**
   * Records the outcome of report run `runId`: a success resets the failure count, a failure adds
   * one. Idempotent per `runId` (a retried call counts once).
   * @returns the failure count after it, or undefined when the subscription is gone.
   */
  async recordOutcome(id: string, runId: string, failed: boolean): Promise<number | undefined> {
    const rows = await this.db.query<{ consecutive_failures: number }>(
      `UPDATE reportflow.subscriptions SET last_outcome_run_id = $3,
         consecutive_failures = CASE WHEN last_outcome_run_id IS NOT DISTINCT FROM $3 THEN consecutive_failures WHEN $2 THEN consecutive_failures + 1 ELSE 0 END
       WHERE id = $1 AND deleted_at IS NULL RETURNING consecutive_failures`,
      [id, failed, runId],
    );
    return rows[0]?.consecutive_failures;
  }

  /**
   * Pauses it because of repeated failures, ending its active span (by id only: called by the worker,
   * which has no tenant). @returns false, changing nothing, when it is deleted or paused already.
   */
  async autoPause(id: string, reason: string, on: Queryable = this.db): Promise<boolean> {
    const rows = await on.query(
      `WITH s AS (
         UPDATE reportflow.subscriptions SET active = false, paused_reason = $2, updated_at = statement_timestamp()
         WHERE id = $1 AND deleted_at IS NULL AND active RETURNING id, active, updated_at
       ), ${CLOSE_SPAN_WHEN_INACTIVE}
       SELECT id FROM s`,
      [id, reason],
    );
    return rows.length > 0;
  }
}

function fromRow(r: Row): Subscription {
  const s: Subscription = {
    id: r['id'] as string,
    tenantId: r['tenant_id'] as string,
    template: json(r['template']) as Subscription['template'],
    schedule: json(r['schedule']) as Subscription['schedule'],
    timezone: r['timezone'] as string,
    active: r['active'] as boolean,
    consecutiveFailures: Number(r['consecutive_failures']),
    createdAt: (r['created_at'] as Date).toISOString(),
    updatedAt: (r['updated_at'] as Date).toISOString(),
  };
  if (r['name'] !== null && r['name'] !== undefined) s.name = r['name'] as string;
  if (r['paused_reason'] !== null && r['paused_reason'] !== undefined) s.pausedReason = r['paused_reason'] as string;
  if (typeof r['report_configuration_id'] === 'string') {
    s.configuration = { id: r['report_configuration_id'], overrides: (json(r['configuration_overrides']) ?? {}) as Record<string, unknown> };
  }
  return s;
}

/** jsonb arrives parsed from pg; tolerate text from other drivers. */
function json(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}
