/**
 * The worker's database connections.
 */
import { effectiveDatabaseUrl, type Config } from '../config/settings.js';
import { PgDatabase } from '../data/pg-database.js';

/**
 * Opens the worker's database on `DATABASE_URL` (or the embedded server): a stream connection for
 * each activity the worker runs (`REPORTFLOW_WORKER_MAX_ACTIVITIES`), so every running query activity
 * can stream at once, and the default 4 connections for statements (run-state writes, data checks),
 * which a stream never holds. With one pool of 4 for both, a few exports took every connection and
 * the run-state writes of other runs (local activities, up to 100 at once) failed after waiting 10 s
 * for one ("timeout exceeded when trying to connect").
 */
export function workerDatabase(config: Config): PgDatabase {
  return new PgDatabase({ url: effectiveDatabaseUrl(config), applicationName: 'reportflow-worker', maxStreams: config.workerMaxActivities });
}
