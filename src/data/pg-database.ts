/**
 * `Database` over node-postgres: a connection pool for statements and transactions, and another for
 * streams through server-side cursors. Works against PostgreSQL and the embedded PGlite server alike;
 * only `stream` reads differently on each (see {@link StreamMode}).
 */
import pg from 'pg';
import type { Readable } from 'node:stream';
import { readCursor, type ReadOutcome, type StreamMode } from './cursor-reads.js';
import { asDatabaseError, type Database, type Queryable, type Row } from './database.js';
import type { CsvCopyShape } from './copy-csv.js';
import { copyCsvOn, type CsvCopyOutcome } from './copy-out.js';
import type { BoundQuery } from './sql-binding.js';
import { failSpan, inSpan, sqlAttributes, startSpan } from '../observability/span.js';

export type { StreamMode } from './cursor-reads.js';

// Keep NUMERIC exact (pg returns it as a string by default); BIGINT (count(*)) as a JS number when safe.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});

export interface PgDatabaseOptions {
  /** postgres:// URL. */
  url: string;
  /** Connections for statements and transactions. @default 4 */
  maxConnections?: number;
  /**
   * Connections for streams, apart from the others: a stream keeps its connection for the whole read
   * (seconds for a large report), and sharing one pool let a few exports take every connection while
   * short statements (run-state writes) failed after waiting 10 s for one. A stream beyond this many
   * waits for one to end, 10 s at most. @default 4
   */
  maxStreams?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Longest wait for a connection, in ms: a free one of the pool, or a new one being opened. Then the
   * call fails with pg-pool's "timeout exceeded when trying to connect" (no SQLSTATE). @default 10000
   */
  connectTimeoutMs?: number;
  /**
   * Longest one statement may take, in ms, waiting for locks included. PostgreSQL cancels it itself
   * (`statement_timeout`, SQLSTATE 57014) and the connection stays usable; the embedded PGlite server
   * ignores `statement_timeout` and runs one statement at a time, so the client also gives up
   * (`query_timeout`, a little later) and the connection is discarded. Unset: no limit (the worker's
   * long report queries).
   */
  queryTimeoutMs?: number;
  /** @default `held` on the embedded PGlite server (its `version()` names PGlite), `transaction` elsewhere */
  streamMode?: StreamMode;
}

/** How much later than the server's `statement_timeout` the client-side timeout fires, in ms. */
const CLIENT_TIMEOUT_MARGIN_MS = 250;

/** The error node-postgres gives when its client-side `query_timeout` fires (also as another error's cause). */
function isClientTimeout(err: unknown): boolean {
  return err instanceof Error && (err.message === 'Query read timeout' || isClientTimeout(err.cause));
}

export class PgDatabase implements Database {
  private readonly pool: pg.Pool;
  private readonly streamPool: pg.Pool;
  private streamMode?: Promise<StreamMode>;

  constructor(options: PgDatabaseOptions) {
    this.pool = newPool(options, options.maxConnections ?? 4, true);
    this.streamPool = newPool(options, options.maxStreams ?? 4, false);
    if (options.streamMode) this.streamMode = Promise.resolve(options.streamMode);
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
    this.streamMode ??= this.detectStreamMode();
    const mode = await this.streamMode.catch((err: unknown) => {
      this.streamMode = undefined; // a connection fault: detect again next time
      throw err;
    });
    const client = await this.streamPool.connect();
    // A read can wait for seconds before its first row (a slow query), and `end()` would wait for the
    // server too: destroying the socket is the one way to stop waiting at once. The client is then
    // discarded below, never returned to the pool; the server drops the query when it notices.
    const onAbort = () => client.connection.stream.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    const outcome: ReadOutcome = { reusable: false };
    try {
      yield* readCursor(mode, client, sql, params, batchRows, signal, outcome);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      client.release(outcome.reusable && !signal?.aborted ? undefined : true);
    }
  }

  /**
   * On PostgreSQL: the query's rows as CSV made by the server (`COPY … TO STDOUT`, see
   * src/data/copy-csv.ts), on a connection of the stream pool. On the embedded PGlite server it
   * declines: its one session would hold every other connection's statement for the whole copy,
   * where the cursor reads of `stream` let them in between batches.
   * @throws AbortError when `signal` aborts; DatabaseUnavailableError when the database cannot be
   *   reached or goes away mid-copy; the server's error for a query that fails while it runs.
   */
  async copyCsv<T>(query: BoundQuery, shape: CsvCopyShape, consume: (csv: Readable) => Promise<T>, signal?: AbortSignal): Promise<CsvCopyOutcome<T>> {
    signal?.throwIfAborted();
    this.streamMode ??= this.detectStreamMode();
    const mode = await this.streamMode.catch((err: unknown) => {
      this.streamMode = undefined;
      throw asDatabaseError(err);
    });
    if (mode !== 'transaction') return { copied: false, reason: 'the embedded engine runs one statement at a time' };
    return inSpan('db.copy', sqlAttributes(query.text), async () => {
      let client: pg.PoolClient;
      try {
        client = await this.streamPool.connect();
      } catch (err) {
        throw asDatabaseError(err);
      }
      // As in `stream`: destroying the socket stops the copy at once; the client is then discarded.
      const onAbort = () => client.connection.stream.destroy();
      signal?.addEventListener('abort', onAbort, { once: true });
      let reusable = false;
      try {
        const outcome = await copyCsvOn(client, query, shape, consume);
        reusable = true;
        return outcome;
      } catch (err) {
        if (signal?.aborted) throw abortError(signal);
        throw asDatabaseError(err);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        client.release(reusable && !signal?.aborted ? undefined : true);
      }
    });
  }

  private async detectStreamMode(): Promise<StreamMode> {
    const [row] = await this.query<{ pglite: boolean }>(`SELECT version() LIKE '%PGlite%' AS pglite`);
    return row?.pglite ? 'held' : 'transaction';
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
        // After a client-side timeout the statement may still be running: a ROLLBACK would only
        // queue behind it. Discarding the connection rolls the transaction back on the server.
        if (isClientTimeout(err)) throw err;
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
    await Promise.all([this.pool.end(), this.streamPool.end()]);
  }
}

function abortError(signal: AbortSignal): Error {
  const err = new Error('The database read was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  return err;
}

/** A pool of `max` connections; it opens them only when needed. */
/**
 * A pool of `max` connections. `withQueryTimeout`: statements get `options.queryTimeoutMs`; the stream pool
 * never does (a report's rows may take minutes to read).
 */
function newPool(options: PgDatabaseOptions, max: number, withQueryTimeout: boolean): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max,
    application_name: options.applicationName ?? 'reportflow',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    ...(withQueryTimeout && options.queryTimeoutMs
      ? { statement_timeout: options.queryTimeoutMs, query_timeout: options.queryTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS }
      : {}),
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // A checked-out client whose connection is lost (the server went away between two statements of a
  // transaction, or a stream's abort destroyed it) also emits 'error', and pg-pool listens only while
  // a client is idle: without this an outage would end the process. The statement under way, or the
  // next one, rejects with the error itself.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Rows of a result; for several `;`-separated statements pg returns one result each: take the last. */
function rowsOf<R>(result: pg.QueryResult | pg.QueryResult[]): R[] {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return (last?.rows ?? []) as R[];
}
