/**
 * `Database` over node-postgres: a connection pool plus server-side cursors (pg-cursor) for streaming.
 * Works against PostgreSQL and the embedded PGlite server alike.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { Database, Queryable, Row } from './database.js';

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
  }

  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return rowsOf<R>(await this.pool.query(sql, params as unknown[]));
  }

  async *stream(sql: string, params: readonly unknown[], batchRows: number): AsyncIterable<Row[]> {
    const client = await this.pool.connect();
    let ok = false;
    try {
      // An explicit transaction keeps the cursor's portal alive between reads on the embedded PGlite
      // server: there every connection shares one backend, and another connection's statement would
      // otherwise end the implicit transaction and destroy the portal ("portal C_1 does not exist").
      // On PostgreSQL it costs nothing and gives the whole read one snapshot.
      await client.query('BEGIN');
      const cursor = client.query(new Cursor(sql, params as unknown[]));
      try {
        for (;;) {
          const rows = (await cursor.read(batchRows)) as Row[];
          if (rows.length === 0) break;
          yield rows;
        }
      } finally {
        await cursor.close();
      }
      await client.query('COMMIT');
      ok = true;
    } finally {
      // A cursor abandoned mid-way leaves the connection in an unknown state: discard it (the server
      // rolls the transaction back when the connection closes).
      client.release(ok ? undefined : true);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
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

/** Rows of a result; for several `;`-separated statements pg returns one result each: take the last. */
function rowsOf<R>(result: pg.QueryResult | pg.QueryResult[]): R[] {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return (last?.rows ?? []) as R[];
}
