/**
 * The two ways `PgDatabase.stream` reads a result through a server-side cursor on one connection.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import Cursor from 'pg-cursor';
import type { Row } from './database.js';

/**
 * How `stream` reads a result.
 * - `transaction`: a cursor inside one read transaction, fetched `batchRows` at a time. The connection
 *   keeps its session for the whole read, which on PostgreSQL (a backend per connection) costs nobody
 *   anything and streams the first rows at once.
 * - `held`: `DECLARE … CURSOR WITH HOLD`, which runs the query to completion in one statement and keeps
 *   the result (in memory up to `work_mem`, then in a temporary file), then `FETCH`es `batchRows` at a
 *   time, each its own short statement outside any transaction. For the embedded PGlite server, where
 *   every connection shares one session: a transaction open for the whole read made every other
 *   connection (the API's reads, other runs) wait seconds for it; now they wait at most for one
 *   statement. Measured with `npm run bench:reads` (README "Benchmark").
 */
export type StreamMode = 'transaction' | 'held';

/** What a read leaves behind: whether its connection may go back to the pool. */
export interface ReadOutcome {
  /** Set once the cursor is closed and no transaction is open; otherwise the connection is discarded. */
  reusable: boolean;
}

/**
 * Reads `sql`'s rows, `batchRows` at a time, on `client` in `mode`; sets `outcome.reusable` when it
 * leaves the connection clean (also when the reader stops early, for `held`).
 * @throws the driver's error when a statement fails; after a failed read (connection lost, or destroyed
 *   by an abort of `signal`) nothing more is sent on the connection.
 */
export function readCursor(mode: StreamMode, client: pg.PoolClient, sql: string, params: readonly unknown[], batchRows: number, signal: AbortSignal | undefined, outcome: ReadOutcome): AsyncIterable<Row[]> {
  return mode === 'held' ? readHeld(client, sql, params, batchRows, signal, outcome) : readInTransaction(client, sql, params, batchRows, signal, outcome);
}

async function* readInTransaction(client: pg.PoolClient, sql: string, params: readonly unknown[], batchRows: number, signal: AbortSignal | undefined, outcome: ReadOutcome): AsyncIterable<Row[]> {
  // An explicit transaction keeps the cursor's portal alive between reads, and gives the whole read
  // one snapshot.
  await client.query('BEGIN');
  const cursor = client.query(new Cursor(sql, params as unknown[]));
  let readFailed = false;
  try {
    for (;;) {
      let rows: Row[];
      try {
        rows = (await cursor.read(batchRows)) as Row[];
      } catch (err) {
        readFailed = true;
        throw err;
      }
      if (rows.length === 0) break;
      yield rows;
    }
  } finally {
    // After a failed read (connection lost or destroyed) a close would wait for an answer that never
    // comes; the connection is discarded instead. After the last batch, or when the consumer stops
    // early, the cursor is closed (a transaction abandoned mid-way still discards the connection; the
    // server rolls it back when the connection closes).
    if (!readFailed && !signal?.aborted) await cursor.close();
  }
  await client.query('COMMIT');
  outcome.reusable = true;
}

async function* readHeld(client: pg.PoolClient, sql: string, params: readonly unknown[], batchRows: number, signal: AbortSignal | undefined, outcome: ReadOutcome): AsyncIterable<Row[]> {
  // Cursor names belong to the session, which on PGlite every connection shares: make it unique.
  const name = `reportflow_stream_${randomUUID().replaceAll('-', '')}`;
  const rows = Math.max(1, Math.floor(batchRows));
  // Outside a transaction block the DECLARE commits at once, and committing runs the query into the
  // held cursor: one snapshot for the whole result, as in a transaction.
  await client.query(`DECLARE ${name} NO SCROLL CURSOR WITH HOLD FOR ${sql}`, params as unknown[]);
  let readFailed = false;
  try {
    for (;;) {
      let batch: pg.QueryResult<Row>;
      try {
        batch = await client.query<Row>(`FETCH FORWARD ${rows} FROM ${name}`);
      } catch (err) {
        readFailed = true;
        throw err;
      }
      if (batch.rows.length === 0) break;
      yield batch.rows;
    }
  } finally {
    // Also when the reader stops early: the held result would otherwise outlive the read. After a
    // failed read the connection is discarded instead; PostgreSQL ends its cursors with the session,
    // the embedded server closes a departed connection's held cursors (src/data/held-cursors.ts).
    if (!readFailed && !signal?.aborted) {
      await client.query(`CLOSE ${name}`);
      outcome.reusable = true;
    }
  }
}
