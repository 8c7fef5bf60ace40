/**
 * Tenant templates (src/templates): `reportflow.templates` holds one row per template (its current
 * version, name and dataset for lists); `reportflow.template_versions` keeps every version's spec, so
 * a run that recorded version n renders version n after later `PUT`s. Deleted templates keep their
 * rows (`deleted_at`) so the runs made from them can still name them.
 */
import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '0012-templates',
  async up(db) {
    await db.query(`
      CREATE TABLE reportflow.templates (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        dataset text NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX templates_tenant_created ON reportflow.templates (tenant_id, created_at, id) WHERE deleted_at IS NULL;
      CREATE TABLE reportflow.template_versions (
        template_id text NOT NULL REFERENCES reportflow.templates (id),
        version integer NOT NULL,
        spec jsonb NOT NULL,
        -- Not created_at: lists page over the join by the template's created_at (src/records/created-at-page.ts).
        made_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (template_id, version)
      );
    `);
  },
};
