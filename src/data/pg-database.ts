/**
 * `Database` over node-postgres: a connection pool plus server-side cursors (pg-cursor) for streaming.
 * Works against PostgreSQL and the embedded PGlite server alike.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import { asDatabaseError, type Database, type Queryable, type Row } from './database.js';
import { failSpan, inSpan, sqlAttributes, startSpan } from '../observability/span.js';

// Keep NUMERIC exact (pg returns it as a string by default); BIGINT (count(*)) as a JS number when safe.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});

export interface PgDatabaseOptions {
  /** postgres:// URL. */
  url: string;
  /** Pool size. @default 4 */
  maxConnections?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

export class PgDatabase implements Database {
  private readonly pool: pg.Pool;

  constructor(options: PgDatabaseOptions) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 4,
      application_name: options.applicationName ?? 'reportflow',
      connectionTimeoutMillis: 10_000,
    });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    // A checked-out client whose connection is lost (the server went away between two statements of a
    // transaction, or a stream's abort destroyed it) also emits 'error', and pg-pool listens only while
    // a client is idle: without this an outage would end the process. The statement under way, or the
    // next one, rejects with the error itself.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  /** @throws DatabaseUnavailableError when the database cannot be reached; the server's error for bad SQL. */
  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return inSpan('db.query', sqlAttributes(sql), async () => {
      try {
        return rowsOf<R>(await this.pool.query(sql, params as unknown[]));
      } catch (err) {
        throw asDatabaseError(err);
      }
    });
  }

  /**
   * @throws AbortError when `signal` aborts; DatabaseUnavailableError when the database cannot be
   *   reached or goes away mid-stream.
   */
  async *stream(sql: string, params: readonly unknown[], batchRows: number, signal?: AbortSignal): AsyncIterable<Row[]> {
    const span = startSpan('db.stream', sqlAttributes(sql));
    try {
      yield* this.streamRows(sql, params, batchRows, signal);
    } catch (err) {
      failSpan(span, err);
      // A read broken by the abort's closed connection is the abort, not an outage.
      if (signal?.aborted) throw abortError(signal);
      throw asDatabaseError(err);
    } finally {
      span.end();
    }
  }

  private async *streamRows(sql: string, params: readonly unknown[], batchRows: number, signal: AbortSignal | undefined): AsyncIterable<Row[]> {
    signal?.throwIfAborted();
    const client = await this.pool.connect();
    // A read can wait for seconds before its first row (a slow query), and `end()` would wait for the
    // server too: destroying the socket is the one way to stop waiting at once. The client is then
    // discarded below, never returned to the pool; the server drops the query when it notices.
    const onAbort = () => client.connection.stream.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    let ok = false;
    try {
      // An explicit transaction keeps the cursor's portal alive between reads on the embedded PGlite
      // server: there every connection shares one backend, and another connection's statement would
      // otherwise end the implicit transaction and destroy the portal ("portal C_1 does not exist").
      // On PostgreSQL it costs nothing and gives the whole read one snapshot.
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
        // early, the cursor is closed and the connection stays usable.
        if (!readFailed && !signal?.aborted) await cursor.close();
      }
      await client.query('COMMIT');
      ok = true;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // A cursor abandoned mid-way leaves the connection in an unknown state: discard it (the server
      // rolls the transaction back when the connection closes).
      client.release(ok && !signal?.aborted ? undefined : true);
    }
  }

  /** @throws DatabaseUnavailableError when the database cannot be reached; `fn`'s error otherwise. */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    try {
      return await this.inTransaction(fn);
    } catch (err) {
      throw asDatabaseError(err);
    }
  }

  private async inTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let healthy = false;
    try {
      await client.query('BEGIN');
      const tx: Queryable = {
        query: async <R extends Row = Row>(sql: string, params: readonly unknown[] = []) => rowsOf<R>(await client.query(sql, params as unknown[])),
      };
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        try {
          await client.query('ROLLBACK');
          healthy = true;
        } catch {
          // The connection is unusable (discarded below); the caller needs fn's error, not this one.
        }
        throw err;
      }
      await client.query('COMMIT');
      healthy = true;
      return result;
    } finally {
      // When BEGIN, COMMIT or ROLLBACK itself failed the connection's state is unknown: discard it.
      client.release(healthy ? undefined : true);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function abortError(signal: AbortSignal): Error {
  const err = new Error('The database read was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  return err;
}

/** Rows of a result; for several `;`-separated statements pg returns one result each: take the last. */
function rowsOf<R>(result: pg.QueryResult | pg.QueryResult[]): R[] {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return (last?.rows ?? []) as R[];
}
