/**
 * Subscriptions that run a saved report configuration (`report_configuration_id` of
 * `POST /v1/report-subscriptions`):
 * - `report_configuration_id`: the configuration it follows; a change of the configuration is carried
 *   to the subscription (its template and schedule), so it is indexed per tenant.
 * - `configuration_overrides`: the subscription's own report fields in the request body's wire form,
 *   merged over the configuration's preset each time it is applied (the rule of
 *   src/api/configurations/wire.ts). The merged result stays in `template`, as for every subscription.
 */
import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '0011-subscription-configurations',
  async up(db) {
    await db.query(`
      ALTER TABLE reportflow.subscriptions ADD COLUMN report_configuration_id text, ADD COLUMN configuration_overrides jsonb;
      CREATE INDEX subscriptions_tenant_configuration ON reportflow.subscriptions (tenant_id, report_configuration_id)
        WHERE deleted_at IS NULL AND report_configuration_id IS NOT NULL;
    `);
  },
};
