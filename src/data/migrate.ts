/**
 * Brings a database up to date: runs, in order, every migration in `migrations/` that it has not
 * run before, each in its own transaction together with its row in `reportflow.schema_migrations`
 * (table in the connection's default schema, normally `public`), so a failure leaves no trace of
 * that migration and the next start retries it.
 *
 * Several processes may start at once: every transaction first takes the same transaction-scoped
 * advisory lock, then checks whether its migration is recorded, so each migration runs exactly once.
 * (On the embedded PGlite server all connections share one backend session, where advisory locks do
 * not exclude each other; there the socket server itself runs one transaction at a time.)
 */
import type { Database, Queryable } from './database.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Absolute path of the project's `data/` directory (the shipped datasets). */
  dataDir: string;
  /** Load the sample datasets (migrations marked `seed`); when false those are skipped and stay pending. */
  seed: boolean;
  /** Receives one line per step (applied, skipped, load progress). @default no logging */
  log?: (msg: string) => void;
}

/** Key of the advisory lock that serialises migrators: "reportfl" in ASCII, as a bigint. */
const MIGRATION_LOCK_KEY = '8243118316935472748';

/**
 * The ledger is schema-qualified: an unqualified name would follow `search_path`, whose default
 * `"$user", public` turns into `reportflow, public` for a role named reportflow once migration 0004 has
 * created that schema, and a second ledger there would make every migration look unapplied.
 */
const CREATE_HISTORY = `CREATE SCHEMA IF NOT EXISTS reportflow;
CREATE TABLE IF NOT EXISTS reportflow.schema_migrations (
  id         text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * @param migrations the list to apply; tests pass their own, everyone else the default.
 * @throws the error of the first migration that fails (after its transaction was rolled back; later
 *   ones are not attempted), or a database error (unreachable, no privilege to create schemas).
 */
export async function migrate(db: Database, options: MigrateOptions, migrations: readonly Migration[] = MIGRATIONS): Promise<void> {
  const log = options.log ?? (() => undefined);
  checkOrder(migrations);
  await db.transaction(async (tx) => {
    await lock(tx, log);
    await tx.query(CREATE_HISTORY);
  });
  let applied = 0;
  for (const migration of migrations) {
    if (migration.seed && !options.seed) {
      log(`migration ${migration.id}: skipped (seeding is off)`);
      continue;
    }
    const ran = await db.transaction(async (tx) => {
      await lock(tx, log);
      const done = await tx.query('SELECT 1 FROM reportflow.schema_migrations WHERE id = $1', [migration.id]);
      if (done.length > 0) return false;
      const started = Date.now();
      log(`migration ${migration.id}: applying`);
      await migration.up(tx, { dataDir: options.dataDir, log });
      await tx.query('INSERT INTO reportflow.schema_migrations (id, applied_at) VALUES ($1, now())', [migration.id]);
      log(`migration ${migration.id}: applied in ${Date.now() - started} ms`);
      return true;
    });
    if (ran) applied++;
  }
  log(applied === 0 ? 'database schema is up to date' : `database schema updated: ${applied} migration(s) applied`);
}

/** Takes the migration lock for the rest of the transaction, saying so when another process holds it. */
async function lock(tx: Queryable, log: (msg: string) => void): Promise<void> {
  const [got] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [MIGRATION_LOCK_KEY]);
  if (got?.locked) return;
  log('another process is migrating this database; waiting for it');
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
}

/** @throws Error when ids are not unique and strictly increasing (a mistake in migrations/index.ts). */
function checkOrder(migrations: readonly Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i - 1]!.id >= migrations[i]!.id) throw new Error(`migrations out of order: ${migrations[i - 1]!.id} before ${migrations[i]!.id}`);
  }
}
