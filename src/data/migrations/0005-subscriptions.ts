/**
 * `reportflow.subscriptions`: one row per report subscription (its Temporal Schedule is
 * `subscription-<id>`). `template` is the report request each run asks for and `schedule` the
 * frequency/time/day, both JSON in the domain's camelCase shapes. `consecutive_failures` counts
 * failed runs since the last success; `last_outcome_run_id` makes recording an outcome idempotent (a retried activity counts once);
 * `paused_reason` says why the subscription is paused.
 * Deleted rows are kept (`deleted_at`) so report runs can still name their subscription.
 */
import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '0005-subscriptions',
  async up(db) {
    await db.query(`
      CREATE TABLE reportflow.subscriptions (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        name text,
        template jsonb NOT NULL,
        schedule jsonb NOT NULL,
        timezone text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        paused_reason text,
        consecutive_failures integer NOT NULL DEFAULT 0,
        last_outcome_run_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX subscriptions_tenant_created ON reportflow.subscriptions (tenant_id, created_at) WHERE deleted_at IS NULL;
    `);
  },
};
