/**
 * What happened to each subscription's scheduled times, so `missed_periods` is exact:
 * - `reportflow.subscription_runs`: one row per nominal time a schedule started a run for, written by
 *   the run: `outcome` RAN (with the report run's `run_status`), ALREADY_RAN (the period had run) or
 *   MISSED (the run began after the catch-up window); `period` is the run's period (domain shape).
 * - `reportflow.subscription_spans`: the intervals `[active_from, active_to)` during which a
 *   subscription was active, with the schedule and zone it had then (`active_to` null: still active).
 * Subscriptions active when this migration runs get a span from now: the times before it are not
 * judged (nothing recorded them).
 */
import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '0007-subscription-ledger',
  async up(db) {
    await db.query(`
      CREATE TABLE reportflow.subscription_runs (
        subscription_id text NOT NULL,
        nominal_time timestamptz NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('RAN', 'ALREADY_RAN', 'MISSED')),
        period jsonb NOT NULL,
        run_id text NOT NULL,
        run_status text CHECK (run_status IN ('SUCCEEDED', 'FAILED')),
        error_code text,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subscription_id, nominal_time)
      );
      CREATE TABLE reportflow.subscription_spans (
        id bigserial PRIMARY KEY,
        subscription_id text NOT NULL,
        active_from timestamptz NOT NULL,
        active_to timestamptz,
        schedule jsonb NOT NULL,
        timezone text NOT NULL
      );
      CREATE INDEX subscription_spans_subscription ON reportflow.subscription_spans (subscription_id, active_from);
      INSERT INTO reportflow.subscription_spans (subscription_id, active_from, schedule, timezone)
        SELECT id, now(), schedule, timezone FROM reportflow.subscriptions WHERE active AND deleted_at IS NULL;
    `);
  },
};
