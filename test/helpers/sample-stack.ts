/**
 * The data side of a real-stack test: a PostgreSQL holding the Online Retail sample (214 lines in
 * schema `retail`) and the service's own tables, an S3 emulator (moto) with one bucket, and a
 * temporary root for the stack's files; started before the file's tests, stopped after them.
 */
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../../src/data/migrate.js';
import { MIGRATIONS } from '../../src/data/migrations/index.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { loadOnlineRetailSample } from '../fixtures/online-retail-sample.js';
import type { Emulator } from './emulators/process.js';
import { createS3Bucket, startS3Server } from './emulators/s3-server.js';
import { startTestPostgres, type TestPostgres } from './postgres.js';

/** What the hooks started; read it inside tests (it is empty before the `before` hook ran). */
export interface SampleStack {
  db: PgDatabase;
  s3: Emulator;
  /** A fresh temporary directory, removed after the file's tests. */
  root: string;
}

/**
 * Registers the `before`/`after` hooks. `name` labels the database connections and the temporary
 * directory; `bucket` is created in the emulator.
 */
export function useSampleStack(name: string, bucket: string): SampleStack {
  const stack = {} as SampleStack;
  let pgServer: TestPostgres | undefined;
  before(async () => {
    let s3: Emulator;
    [pgServer, s3] = await Promise.all([startTestPostgres(), startS3Server()]);
    stack.s3 = s3;
    await createS3Bucket(s3.url, bucket);
    stack.db = new PgDatabase({ url: pgServer.url, applicationName: name });
    // The sample's lines in schema retail, then the service's own tables (not the full dataset).
    await loadOnlineRetailSample(stack.db);
    await migrate(stack.db, { dataDir: '', seed: false }, MIGRATIONS.filter((m) => m.id !== '0001-retail-schema'));
    stack.root = await mkdtemp(path.join(tmpdir(), `reportflow-${name}-`));
  });
  after(async () => {
    await stack.db?.close();
    await pgServer?.stop();
    await stack.s3?.stop();
    if (stack.root) await rm(stack.root, { recursive: true, force: true });
  });
  return stack;
}
