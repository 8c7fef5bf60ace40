/**
 * The database and directory of a test file that runs the real stack (real-stack.ts) over the Online
 * Retail sample: a real PostgreSQL (postgres.ts) with the sample loaded and every reportflow migration
 * applied (the sample stands in for the retail schema migration), and a temp directory for the stack's
 * var/. Started in `before`, removed in `after`.
 */
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../../src/data/migrate.js';
import { MIGRATIONS } from '../../src/data/migrations/index.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { loadOnlineRetailSample } from '../fixtures/online-retail-sample.js';
import { startTestPostgres, type TestPostgres } from './postgres.js';

export interface RetailDatabase {
  /** The database (read inside a test). */
  readonly db: PgDatabase;
  /** A temp directory for the stacks of this file (read inside a test). */
  readonly root: string;
}

/** Registers the hooks; `name` is the connection's application name and the temp directory's prefix. */
export function useRetailDatabase(name: string): RetailDatabase {
  let pgServer: TestPostgres | undefined;
  let db: PgDatabase | undefined;
  let root: string | undefined;
  before(async () => {
    pgServer = await startTestPostgres();
    db = new PgDatabase({ url: pgServer.url, applicationName: name });
    await loadOnlineRetailSample(db);
    await migrate(db, { dataDir: '', seed: false }, MIGRATIONS.filter((m) => m.id !== '0001-retail-schema'));
    root = await mkdtemp(path.join(tmpdir(), `reportflow-${name}-`));
  });
  after(async () => {
    await db?.close();
    await pgServer?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });
  return {
    get db() {
      if (!db) throw new Error('the database is not started yet (read it inside a test)');
      return db;
    },
    get root() {
      if (!root) throw new Error('the directory is not made yet (read it inside a test)');
      return root;
    },
  };
}
