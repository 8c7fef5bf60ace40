/**
 * What one schema migration is. Migrations live one per file in this folder, named `<id>.ts`, and
 * are listed in order in `index.ts`; `migrate()` runs each at most once per database.
 */
import type { Queryable } from '../database.js';

/** What a migration may use besides the database. */
export interface MigrationContext {
  /** Absolute path of the shipped `data/` directory (datasets). */
  dataDir: string;
  /** Progress messages for the operator (one line each, no trailing newline). */
  log: (msg: string) => void;
}

export interface Migration {
  /** `NNNN-what-it-does`; recorded in `reportflow.schema_migrations.id`. Never rename one that has shipped. */
  id: string;
  /**
   * True for migrations that only load the sample datasets: they run only when seeding is on, and are
   * not recorded when skipped, so a later start with seeding on still loads them.
   */
  seed?: boolean;
  /**
   * Applies the migration inside the transaction that also records it; throwing rolls both back.
   * `db` is that transaction's connection: use it, not another, or the work is not atomic. Change
   * session settings only with `SET LOCAL`, and put `search_path` back before returning.
   */
  up(db: Queryable, ctx: MigrationContext): Promise<void>;
}
