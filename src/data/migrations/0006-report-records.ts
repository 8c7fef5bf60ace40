/**
 * The service's own records, so report runs outlive Temporal's visibility (the dev server keeps
 * closed runs for a day, and visibility is eventually consistent):
 * - `reportflow.report_requests`: one row per report generate request (API or subscription run), with
 *   its status as last recorded by the API or the workflow, the request as accepted (`request`, the
 *   domain shape), free client `metadata` and the outcome's `error`.
 * - `reportflow.reports`: one row per finished report file, written by the export activity (keyed by
 *   the request id, so a retried export never adds a second row). `deleted_at` marks a tombstone: the
 *   file is gone, the record stays.
 * - `reportflow.idempotency_keys`: `Idempotency-Key` → the request it created and the SHA-256 of the
 *   body it came with, per tenant, until `expires_at`.
 * Listings are newest first, `(created_at, id)` descending; that pair is also the page cursor.
 */
import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '0006-report-records',
  async up(db) {
    await db.query(`
      CREATE TABLE reportflow.report_requests (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        report_code text NOT NULL,
        customer_id text,
        status text NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
        stage text,
        request jsonb NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        error jsonb,
        notify_error jsonb,
        generate_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      );
      CREATE INDEX report_requests_tenant_created ON reportflow.report_requests (tenant_id, created_at DESC, id DESC);
      CREATE INDEX report_requests_tenant_status ON reportflow.report_requests (tenant_id, status, created_at DESC, id DESC);
      CREATE INDEX report_requests_metadata ON reportflow.report_requests USING gin (metadata jsonb_path_ops);

      CREATE TABLE reportflow.reports (
        id text PRIMARY KEY,
        request_id text NOT NULL UNIQUE,
        tenant_id text NOT NULL,
        report_code text NOT NULL,
        customer_id text,
        file_name text NOT NULL,
        content_type text NOT NULL,
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        row_count bigint NOT NULL,
        pages integer,
        uri text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX reports_tenant_created ON reportflow.reports (tenant_id, created_at DESC, id DESC);

      CREATE TABLE reportflow.idempotency_keys (
        tenant_id text NOT NULL,
        key text NOT NULL,
        body_sha256 text NOT NULL,
        request_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, key)
      );
    `);
  },
};
