/**
 * `reportflow.webhook_deliveries`: one row per delivery of a run's webhook event — the run's own
 * delivery and each redelivery a client asked for — written by the `deliverWebhook` workflow and the
 * notify activity's attempts, read by the request's view (`webhook_deliveries`).
 * - `event`: the event's content (domain `RunOutcomeEvent`), so a redelivery sends the same event.
 * - `attempts`, `last_attempt_at`, `last_http_status` (the receiver's answer) or `last_error` (no answer:
 *   refused, timed out …), `next_attempt_at` while PENDING; `delivered_at` once DELIVERED; `error`
 *   (`{code, message, errors}`) once FAILED.
 * - `execution_id`: the Temporal run id of the report run that sent it (null for redeliveries).
 * A final status (DELIVERED, FAILED) never goes back to PENDING; DELIVERED is never overwritten.
 */
import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '0009-webhook-deliveries',
  async up(db) {
    await db.query(`
      CREATE TABLE reportflow.webhook_deliveries (
        id text PRIMARY KEY,
        request_id text NOT NULL,
        tenant_id text NOT NULL,
        event_id text NOT NULL,
        event_type text NOT NULL,
        event jsonb NOT NULL,
        redelivery boolean NOT NULL DEFAULT false,
        execution_id text,
        status text NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
        attempts integer NOT NULL DEFAULT 0,
        last_attempt_at timestamptz,
        next_attempt_at timestamptz,
        last_http_status integer,
        last_error text,
        delivered_at timestamptz,
        error jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_deliveries_request ON reportflow.webhook_deliveries (tenant_id, request_id, created_at DESC);
    `);
  },
};
