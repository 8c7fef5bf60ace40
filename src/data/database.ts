/**
 * The narrow database interface the rest of reportflow uses. One implementation (`PgDatabase`) serves
 * both a real PostgreSQL and the embedded PGlite server, which speaks the same wire protocol, so
 * report SQL runs unchanged on either.
 */

/** A row as the driver returns it: numeric as string (exact), timestamps as Date, NULL as null. */
export type Row = Record<string, unknown>;

export interface Database {
  /** Runs one parameterised statement (`$1`, `$2`, ...) and returns all its rows. */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Streams the rows of one parameterised query through a server-side cursor, `batchRows` at a time,
   * so memory stays bounded whatever the result size.
   */
  stream(sql: string, params: readonly unknown[], batchRows: number): AsyncIterable<Row[]>;
  /** Closes all connections. */
  close(): Promise<void>;
}
