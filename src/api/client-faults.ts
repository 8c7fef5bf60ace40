/**
 * The database as the API's stores see it: a failed statement is already the answer a client should
 * get (`databaseFault`): connection faults, pool and statement timeouts become UNAVAILABLE (503, with
 * `Retry-After`), values PostgreSQL cannot take (a NUL character …) REQUEST_INVALID (400). So no
 * route, whichever store it calls, answers 500 for an outage or for bad text. Errors a transaction's
 * own callback throws pass through as they are.
 */
import type { Database, Queryable, Row } from '../data/database.js';
import { databaseFault } from '../data/database-fault.js';

/** `db` with every statement's failure mapped by `databaseFault`. */
export function withClientFaults(db: Database): Database {
  return {
    query: mapped(db),
    stream: (sql, params, batchRows) => streamMapped(db, sql, params, batchRows),
    transaction: async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
      // BEGIN, COMMIT and ROLLBACK fail inside db.transaction: map those; fn's own errors pass as they are.
      let fnError: { err: unknown } | undefined;
      try {
        return await db.transaction(async (tx) => {
          try {
            return await fn({ query: mapped(tx) });
          } catch (err) {
            fnError = { err };
            throw err;
          }
        });
      } catch (err) {
        throw fnError && fnError.err === err ? err : databaseFault(err);
      }
    },
    close: () => db.close(),
  };
}

function mapped(q: Queryable): Queryable['query'] {
  return async <R extends Row = Row>(sql: string, params?: readonly unknown[]) => {
    try {
      return await q.query<R>(sql, params);
    } catch (err) {
      throw databaseFault(err);
    }
  };
}

async function* streamMapped(db: Database, sql: string, params: readonly unknown[], batchRows: number): AsyncIterable<Row[]> {
  try {
    yield* db.stream(sql, params, batchRows);
  } catch (err) {
    throw databaseFault(err);
  }
}
