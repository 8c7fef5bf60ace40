/**
 * The narrow database interface the rest of reportflow uses. One implementation (`PgDatabase`) serves
 * both a real PostgreSQL and the embedded PGlite server, which speaks the same wire protocol, so
 * report SQL runs unchanged on either.
 */

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
   * so memory stays bounded whatever the result size. The cursor runs in its own read transaction
   * (one snapshot for the whole result); on the embedded PGlite server other connections' statements
   * wait until the stream ends or is abandoned.
   */
  stream(sql: string, params: readonly unknown[], batchRows: number): AsyncIterable<Row[]>;
  /**
   * Runs `fn` on one connection between BEGIN and COMMIT, and returns its result. When `fn` throws,
   * the transaction is rolled back and the error rethrown. Session settings made with `SET LOCAL`
   * and locks from `pg_advisory_xact_lock` end with the transaction. On the embedded PGlite server
   * other connections wait while a transaction is open, so keep transactions short there.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Closes all connections. */
  close(): Promise<void>;
}
