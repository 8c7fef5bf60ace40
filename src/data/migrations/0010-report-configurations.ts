/**
 * `reportflow.report_configurations`: saved report presets a client runs by id
 * (`POST /v1/report-generate-requests` with `report_configuration_id`).
 * - `preset`: the request fields it holds, in the request body's own wire form (snake_case, as the
 *   client sent them after validation), so a run merges its body over it field by field.
 * - `report_code`: the preset's report, kept as a column for the list's filter.
 * - `version`: 1 when created, +1 per change; each run records the version it used.
 * Deleted rows are kept (`deleted_at`) so the runs made from them can still name them.
 */
import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '0010-report-configurations',
  async up(db) {
    await db.query(`
      CREATE TABLE reportflow.report_configurations (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        report_code text NOT NULL,
        preset jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX report_configurations_tenant_created ON reportflow.report_configurations (tenant_id, created_at, id) WHERE deleted_at IS NULL;
    `);
  },
};
