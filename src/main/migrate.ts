/**
 * `npm run migrate`: applies the schema migrations (and, with `REPORTFLOW_SEED_DATA`, the shipped
 * datasets) to `DATABASE_URL` or the embedded database's URL, then exits: 0 when the database is up
 * to date, 1 on failure. `npm start` does the same at every start; run this once before starting
 * `npm run api` / `npm run worker` on their own against a new database. Safe to run concurrently
 * with another migrator (each migration is applied once, under an advisory lock).
 */
import path from 'node:path';
import { effectiveDatabaseUrl, loadConfig } from '../config/settings.js';
import { migrate } from '../data/migrate.js';
import { PgDatabase } from '../data/pg-database.js';

const config = loadConfig();
const db = new PgDatabase({ url: effectiveDatabaseUrl(config), applicationName: 'reportflow-migrate' });
try {
  const started = Date.now();
  await migrate(db, { dataDir: path.join(config.home, 'data'), seed: config.seedData, log: (msg) => process.stdout.write(`${msg}\n`) });
  process.stdout.write(`database up to date in ${Date.now() - started} ms\n`);
} catch (err) {
  process.stderr.write(`migration failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await db.close();
}
