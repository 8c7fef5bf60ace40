/**
 * Schema `reportflow`: the service's own state (added by later migrations), kept apart from report data.
 */
import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '0004-reportflow-schema',
  async up(db) {
    await db.query('CREATE SCHEMA reportflow');
  },
};
