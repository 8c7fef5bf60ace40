/**
 * What happened to a subscription's scheduled times, in PostgreSQL (migration 0007), from which its
 * `missed_periods` are computed exactly (`missedRuns`):
 * - `reportflow.subscription_runs`: one row per nominal time a schedule started a run for, written by
 *   the run (`recordRunOutcome`): RAN (with the report run's status), ALREADY_RAN or MISSED (began
 *   after the catch-up window). A later, better outcome of the same time replaces a worse one
 *   (MISSED < ALREADY_RAN < RAN), so a backfill of a missed time clears it.
 * - `reportflow.subscription_spans`: the intervals during which the subscription was active, with the
 *   schedule it had then; written by `SubscriptionStore` in the same statement that changes the
 *   subscription (create, pause, resume, schedule change, auto-pause, delete), and a span's start moved
 *   to when Temporal applied the change (`startOpenSpanNow`).
 */
import type { Queryable, Row } from '../data/database.js';
import type { ReportPeriod } from '../domain/report-request.js';
import type { ActiveSpan, LedgerOutcome, RecordedRun } from '../domain/subscription-missed.js';
import type { SubscriptionSchedule } from '../domain/subscription-schedule.js';

export type { ActiveSpan, LedgerOutcome } from '../domain/subscription-missed.js';

/** One ledger row. Instants are ISO-8601; `nominalTime` is the schedule's nominal time of the run (`TemporalScheduledStartTime`). */
export interface LedgerEntry extends RecordedRun {
  subscriptionId: string;
  /** The report run's id (`<subscription>:<period key>`); for MISSED the id it would have had. */
  runId: string;
  /** RAN only: how the report run ended. */
  runStatus?: 'SUCCEEDED' | 'FAILED';
  errorCode?: string;
}

const RANK = `ARRAY['MISSED', 'ALREADY_RAN', 'RAN']`;

export class SubscriptionLedger {
  constructor(private readonly db: Queryable) {}

  /** Records a run's outcome; an existing row of the same nominal time is replaced unless its outcome ranks higher. */
  async recordRun(e: LedgerEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO reportflow.subscription_runs AS r (subscription_id, nominal_time, outcome, period, run_id, run_status, error_code)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (subscription_id, nominal_time) DO UPDATE SET
         outcome = EXCLUDED.outcome, period = EXCLUDED.period, run_id = EXCLUDED.run_id, run_status = EXCLUDED.run_status,
         error_code = EXCLUDED.error_code, recorded_at = now()
       WHERE array_position(${RANK}, EXCLUDED.outcome) >= array_position(${RANK}, r.outcome)`,
      [e.subscriptionId, e.nominalTime, e.outcome, JSON.stringify(e.period), e.runId, e.runStatus ?? null, e.errorCode ?? null],
    );
  }

  /** The ledger rows of nominal times at or after `since`, oldest first; at most `limit` (default 5000), the latest. */
  async runs(subscriptionId: string, since: Date, limit = 5000): Promise<LedgerEntry[]> {
    const rows = await this.db.query(
      `SELECT * FROM (
         SELECT subscription_id, nominal_time, outcome, period, run_id, run_status, error_code FROM reportflow.subscription_runs
         WHERE subscription_id = $1 AND nominal_time >= $2 ORDER BY nominal_time DESC LIMIT $3
       ) latest ORDER BY nominal_time`,
      [subscriptionId, since.toISOString(), limit],
    );
    return rows.map(entryOf);
  }

  /**
   * Starts the subscription's open span now, when the latest change of the subscription opened it
   * (its `active_from` is the row's `updated_at`); otherwise does nothing. Called once Temporal has
   * applied that change (created, resumed or re-specified the schedule, and answered a describe after
   * it): a schedule acts only on times after the change reached its scheduler, so a time between the
   * database write and then would otherwise count as missed though no run of it could ever start.
   * Closing a span needs no such step: its end is stamped before Temporal is asked to pause, so a time
   * in between is one that ran and is recorded. Run it under the subscription's schedule lock (`on`, the
   * locked transaction): a change that took the lock meanwhile stamps its span ends with its own
   * statement's time, which may be earlier than this call's, so a span could end before it started.
   */
  async startOpenSpanNow(subscriptionId: string, on: Queryable = this.db): Promise<void> {
    await on.query(
      `UPDATE reportflow.subscription_spans sp SET active_from = GREATEST(sp.active_from, now())
       FROM reportflow.subscriptions s
       WHERE sp.subscription_id = $1 AND s.id = sp.subscription_id AND sp.active_to IS NULL AND sp.active_from = s.updated_at`,
      [subscriptionId],
    );
  }

  /** The spans that end after `since` (or have not ended), oldest first. */
  async spans(subscriptionId: string, since: Date): Promise<ActiveSpan[]> {
    const rows = await this.db.query(
      `SELECT active_from, active_to, schedule, timezone FROM reportflow.subscription_spans
       WHERE subscription_id = $1 AND (active_to IS NULL OR active_to > $2) ORDER BY active_from, id`,
      [subscriptionId, since.toISOString()],
    );
    return rows.map((r) => ({
      from: instant(r['active_from']),
      ...(r['active_to'] !== null && r['active_to'] !== undefined ? { to: instant(r['active_to']) } : {}),
      schedule: json(r['schedule']) as SubscriptionSchedule,
      timezone: r['timezone'] as string,
    }));
  }
}

function entryOf(r: Row): LedgerEntry {
  return {
    subscriptionId: r['subscription_id'] as string,
    nominalTime: instant(r['nominal_time']),
    outcome: r['outcome'] as LedgerOutcome,
    period: json(r['period']) as ReportPeriod,
    runId: r['run_id'] as string,
    ...(r['run_status'] ? { runStatus: r['run_status'] as 'SUCCEEDED' | 'FAILED' } : {}),
    ...(r['error_code'] ? { errorCode: r['error_code'] as string } : {}),
  };
}

function instant(v: unknown): string {
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}

/** jsonb arrives parsed from pg; tolerate text from other drivers. */
function json(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}
