/**
 * The worker's database connections (src/main/worker-database.ts) on a real PostgreSQL and on the
 * embedded PGlite server: while every activity slot streams a report, run-state writes still get connections.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/settings.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import type { Row } from '../../src/data/database.js';
import { workerDatabase } from '../../src/main/worker-database.js';
import { startTestEmbeddedDb } from '../helpers/embedded-db.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { within } from '../helpers/within.js';

const engines: { name: string; start: () => Promise<{ url: string; stop(): Promise<void> }> }[] = [
  { name: 'PostgreSQL', start: startTestPostgres },
  { name: 'the embedded PGlite server', start: () => startTestEmbeddedDb() },
];

const ACTIVITIES = 6;

for (const engine of engines) {
  describe(`the worker's database on ${engine.name}`, () => {
    let server: { url: string; stop(): Promise<void> };
    let setup: PgDatabase;

    before(async () => {
      server = await engine.start();
      setup = new PgDatabase({ url: server.url });
      await setup.query('CREATE TABLE report_rows AS SELECT n FROM generate_series(1, 20000) AS n; CREATE TABLE run_states (id text)');
    });
    after(async () => {
      await setup?.close();
      await server?.stop();
    });

    test(`with all ${ACTIVITIES} activities streaming a report, mid-way, 20 run-state writes at once get connections`, async () => {
      const db = workerDatabase(loadConfig({ DATABASE_URL: server.url, REPORTFLOW_WORKER_MAX_ACTIVITIES: String(ACTIVITIES) }));
      const streams: AsyncIterator<Row[]>[] = [];
      try {
        // When streams and statements shared one pool of 4, the streams beyond 4 and the writes waited
        // for a connection and failed after 10 s ("timeout exceeded when trying to connect").
        await within(30_000, 'streams and writes', (async () => {
          for (let i = 0; i < ACTIVITIES; i++) {
            const stream = db.stream('SELECT n FROM report_rows ORDER BY n', [], 1000)[Symbol.asyncIterator]();
            streams.push(stream);
            const first = await stream.next();
            assert.equal((first.value as Row[] | undefined)?.length, 1000);
          }
          await Promise.all(Array.from({ length: 20 }, (_, i) => db.query('INSERT INTO run_states VALUES ($1)', [`run-${i}`])));
        })());
        assert.deepEqual(await setup.query('SELECT count(*)::int AS n FROM run_states'), [{ n: 20 }]);
      } finally {
        await Promise.all(streams.map((s) => s.return?.()));
        await db.close();
      }
    });
  });
}
