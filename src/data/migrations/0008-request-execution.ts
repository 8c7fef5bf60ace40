/**
 * `reportflow.report_requests.execution_id`: the Temporal run id of the workflow execution that last
 * recorded the request's state. A subscription period that failed or was cancelled may run again under
 * the same request id (trigger, backfill); the new execution's state replaces the old final one, while
 * within one execution a final state still never goes back to a running one. Null for rows written
 * only by the API (PENDING before the run starts) and for rows recorded before this migration.
 */
import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '0008-request-execution',
  async up(db) {
    await db.query(`ALTER TABLE reportflow.report_requests ADD COLUMN execution_id text`);
  },
};
