/**
 * `Database` over node-postgres: a connection pool plus server-side cursors (pg-cursor) for streaming.
 * Works against PostgreSQL and the embedded PGlite server alike.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { Database, Row } from './database.js';

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
    const result = await this.pool.query(sql, params as unknown[]);
    return result.rows as R[];
  }

  async *stream(sql: string, params: readonly unknown[], batchRows: number): AsyncIterable<Row[]> {
    const client = await this.pool.connect();
    const cursor = client.query(new Cursor(sql, params as unknown[]));
    let ok = false;
    try {
      for (;;) {
        const rows = (await cursor.read(batchRows)) as Row[];
        if (rows.length === 0) break;
        yield rows;
      }
      ok = true;
    } finally {
      try {
        await cursor.close();
      } finally {
        // A cursor abandoned mid-way leaves the connection in an unknown state: discard it.
        client.release(ok ? undefined : true);
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
