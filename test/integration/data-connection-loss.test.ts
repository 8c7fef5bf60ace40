/**
 * A lost database connection fails the call that used it and nothing else: on a real PostgreSQL, a
 * backend terminated between two statements of a transaction, or in the middle of a stream, rejects
 * with DatabaseUnavailableError (never an uncaught 'error' event that would end the process), and a
 * stream whose caller aborts stops at once, even while the server is still computing its first row.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseUnavailableError } from '../../src/data/database.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

let server: TestPostgres;
let db: PgDatabase;
let admin: PgDatabase;
before(async () => {
  server = await startTestPostgres();
  db = new PgDatabase({ url: server.url, applicationName: 'connection-loss' });
  admin = new PgDatabase({ url: server.url, applicationName: 'connection-loss-admin' });
});
after(async () => {
  await db?.close();
  await admin?.close();
  await server?.stop();
});

/** Uncaught exceptions while `fn` runs (and shortly after). */
async function uncaughtDuring(fn: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const listener = (err: Error) => seen.push(err);
  process.on('uncaughtException', listener);
  try {
    await fn();
    await sleep(200);
  } finally {
    process.off('uncaughtException', listener);
  }
  return seen;
}

const terminate = (pid: number) => admin.query('SELECT pg_terminate_backend($1)', [pid]);

void test('a connection lost between two statements of a transaction rejects the transaction, and raises nothing uncaught', async () => {
  const uncaught = await uncaughtDuring(async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        const [{ pid }] = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
        await terminate(pid);
        await sleep(300); // the lost connection's 'error' event arrives while no statement runs
        await tx.query('SELECT 1');
      }),
      (err: unknown) => err instanceof DatabaseUnavailableError,
    );
  });
  assert.deepEqual(uncaught.map((e) => e.message), []);
  assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }], 'the pool serves the next query on a new connection');
});

// Both ways of streaming (src/data/cursor-reads.ts): PostgreSQL's default, and the held cursor of the
// embedded engine.
for (const streamMode of ['transaction', 'held'] as const) {
  void test(`a connection lost in the middle of a stream (${streamMode}) rejects the stream, without hanging on the cursor`, async () => {
    const reader = new PgDatabase({ url: server.url, applicationName: 'connection-loss', streamMode });
    try {
      const uncaught = await uncaughtDuring(async () => {
        let batches = 0;
        await assert.rejects(
          (async () => {
            for await (const rows of reader.stream('SELECT g, pg_backend_pid() AS pid FROM generate_series(1, 200000) AS g', [], 1000)) {
              if (batches++ === 2) await terminate(rows[0]!.pid as number);
            }
          })(),
          (err: unknown) => err instanceof DatabaseUnavailableError,
        );
      });
      assert.deepEqual(uncaught.map((e) => e.message), []);
    } finally {
      await reader.close();
    }
  });

  void test(`an aborted stream (${streamMode}) stops at once, even while the server computes its first row`, async () => {
    const reader = new PgDatabase({ url: server.url, applicationName: 'connection-loss', streamMode });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const started = Date.now();
    try {
      const uncaught = await uncaughtDuring(async () => {
        await assert.rejects(
          (async () => {
            for await (const _ of reader.stream('SELECT g FROM (SELECT pg_sleep(10)) AS s, generate_series(1, 10) AS g', [], 100, ac.signal)) void _;
          })(),
          { name: 'AbortError' },
        );
      });
      const ms = Date.now() - started;
      assert.ok(ms < 3000, `the aborted read took ${ms} ms (the query sleeps 10 s)`);
      assert.deepEqual(uncaught.map((e) => e.message), []);
      assert.deepEqual(await reader.query('SELECT 2 AS two'), [{ two: 2 }]);
    } finally {
      await reader.close();
    }
  });
}
