/**
 * What a failed database statement means to a caller: an outage to retry, a value the database
 * cannot take, or a fault. The API's database wraps every statement with it (src/api/client-faults.ts),
 * and the services apply it where a caller's store may be unwrapped.
 */
import { ReportError } from '../domain/errors.js';

/**
 * A database error raised while serving a request: connection faults and server shutdowns are
 * `UNAVAILABLE` (retry later); data exceptions (SQLSTATE class 22) on the values the client sent are
 * `REQUEST_INVALID`; anything else (e.g. an SQL error in a check) is a fault, rethrown.
 */
export function databaseFault(err: unknown): unknown {
  if (err instanceof ReportError) return err;
  const code = (err as { code?: unknown }).code;
  // Node's own codes (ECONNREFUSED, EPIPE) are not SQLSTATEs: those start with a digit or a known letter class.
  const sqlState = typeof code === 'string' && /^([0-9][0-9A-Z]|P0|XX|HV|F0)[0-9A-Z]{3}$/.test(code) ? code : undefined;
  // SQLSTATE classes 08 (connection), 53 (resources), 57 (operator intervention, e.g. shutdown).
  if (sqlState === undefined || /^(08|53|57)/.test(sqlState)) {
    // node-postgres's pool and client-side timeouts carry no code; 57014 is a statement_timeout.
    const timedOut = sqlState === '57014' || /timeout/i.test((err as Error).message ?? '');
    const message = timedOut ? 'The database did not answer in time; try again.' : 'The database could not be reached; try again.';
    return Object.assign(new ReportError('UNAVAILABLE', message), { cause: err });
  }
  // Class 22 (data exception): a value the client sent, bound as a parameter, that PostgreSQL cannot
  // take: a NUL character (22021 in text, 22P05 in jsonb), a lone surrogate in JSON (22P02), an
  // instant out of range or unparsable (22007, 22008, 22009), e.g. inside a forged cursor. Bad input, not a fault.
  if (sqlState.startsWith('22')) {
    return Object.assign(new ReportError('REQUEST_INVALID', 'A value in the request cannot be stored or compared: it contains a NUL character or an invalid surrogate, or an instant out of range.', [
      { field: 'request', code: 'REQUEST_INVALID', message: 'Contains a value the database cannot take.' },
    ]), { cause: err });
  }
  return err;
}

/** `fn`'s result; a database error it throws becomes what `databaseFault` makes of it. */
export async function orDatabaseFault<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw databaseFault(err);
  }
}
