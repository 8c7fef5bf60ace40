/**
 * Schema `reportflow`: the service's own state (added by later migrations), kept apart from report data.
 */
import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '0004-reportflow-schema',
  async up(db) {
    // migrate() creates the schema for its ledger before any migration runs.
    await db.query('CREATE SCHEMA IF NOT EXISTS reportflow');
  },
};
