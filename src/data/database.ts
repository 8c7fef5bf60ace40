/**
 * The narrow database interface the rest of reportflow uses. One implementation (`PgDatabase`) serves
 * both a real PostgreSQL and the embedded PGlite server, which speaks the same wire protocol, so
 * report SQL runs unchanged on either.
 */

import type { Readable } from 'node:stream';
import type { CsvCopyShape } from './copy-csv.js';
import type { CsvCopyOutcome } from './copy-out.js';
import type { BoundQuery } from './sql-binding.js';

/** A row as the driver returns it: numeric as string (exact), timestamps as Date, NULL as null. */
export type Row = Record<string, unknown>;

/** Something that runs statements: the whole database, or one connection inside a transaction. */
export interface Queryable {
  /**
   * Runs one parameterised statement (`$1`, `$2`, ...) and returns all its rows. Without `params`,
   * `sql` may hold several `;`-separated statements (rows of the last one are returned).
   */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface Database extends Queryable {
  /**
   * Streams the rows of one parameterised query through a server-side cursor, `batchRows` at a time,
   * so memory stays bounded whatever the result size; every row comes from one snapshot. Leaving the
   * loop early closes the cursor. On the embedded PGlite server the query first runs to completion
   * in one statement (other connections' statements wait for that one), then each batch is fetched
   * by a short statement of its own, between which other connections' statements run.
   * @param signal aborts the read at once, even while the server is still computing the first rows: the
   *   connection is closed (the server drops the query when it notices) and the iteration throws.
   */
  stream(sql: string, params: readonly unknown[], batchRows: number, signal?: AbortSignal): AsyncIterable<Row[]>;
  /**
   * Runs `fn` on one connection between BEGIN and COMMIT, and returns its result. When `fn` throws,
   * the transaction is rolled back and the error rethrown. Session settings made with `SET LOCAL`
   * and locks from `pg_advisory_xact_lock` end with the transaction. On the embedded PGlite server
   * other connections wait while a transaction is open, so keep transactions short there.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * The rows of one parameterised query as CSV made by the database itself, each column printed as
   * `shape` says (src/data/copy-csv.ts), passed to `consume` as PostgreSQL writes it: no header, LF
   * record ends. Optional: an engine without it, or a query it cannot copy, takes `stream`.
   * @returns `consume`'s value, or `{copied: false, reason}` when nothing was copied.
   */
  copyCsv?<T>(query: BoundQuery, shape: CsvCopyShape, consume: (csv: Readable) => Promise<T>, signal?: AbortSignal): Promise<CsvCopyOutcome<T>>;
  /** Closes all connections. */
  close(): Promise<void>;
}

/**
 * The database could not be reached or cannot serve now: connection refused, reset or terminated, no
 * pooled connection free in time, or a server-side refusal of SQLSTATE class 08 (connection), 53
 * (insufficient resources) or 57 (operator intervention: shutdown, cancel). Retrying later can help.
 * Thrown by `PgDatabase` in place of the driver's error (kept as `cause`); SQL errors pass unchanged.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  constructor(cause: unknown) {
    super(`The database could not be reached: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** Node's socket error codes that mean the server is not there (or went away). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/**
 * node-postgres's own messages for a lost or unobtainable connection (they carry no code): "Connection
 * terminated unexpectedly", "Connection terminated", "timeout exceeded when trying to connect",
 * "Client has encountered a connection error and is not queryable", "Client was closed and is not queryable".
 */
const DRIVER_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

/** True when `err` says the database is unreachable or refusing service now (see `DatabaseUnavailableError`). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || /^(08|53|57)[0-9A-Z]{3}$/.test(code))) return true;
  return typeof message === 'string' && DRIVER_MESSAGES.test(message);
}

/** `err` as thrown to callers of the database: a `DatabaseUnavailableError` for an outage, else `err` itself. */
export function asDatabaseError(err: unknown): unknown {
  return isDatabaseUnavailable(err) && !(err instanceof DatabaseUnavailableError) ? new DatabaseUnavailableError(err) : err;
}
