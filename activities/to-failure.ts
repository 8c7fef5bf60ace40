/**
 * The one place where reportflow's `ReportError` (bad input, for good) becomes a Temporal failure.
 * A `ReportError` turns into a non-retryable `ApplicationFailure` whose `type` is the error code and
 * whose first detail is the field-level error list, so the workflow (and the Web UI) see the same
 * code the API would answer with. Every other error passes through unchanged and is retried by the
 * activity's retry policy (transient faults: database, browser, I/O, network).
 */
import { ApplicationFailure } from '@temporalio/common';
import { DatabaseUnavailableError } from '../src/data/database.js';
import { ReportError } from '../src/domain/errors.js';

/**
 * Returns the failure to throw for `err`: a non-retryable `ApplicationFailure` for a `ReportError`; a
 * retryable one of type `UNAVAILABLE` for a database outage (so a run whose retries run out during an
 * outage ends with UNAVAILABLE, not INTERNAL); else `err` itself. An outage is a
 * `DatabaseUnavailableError` anywhere in the cause chain: `PgDatabase` throws every one as such, and a
 * bare socket error (ENOTFOUND, ECONNREFUSED) may as well come from a webhook host, a bucket or SMTP.
 */
export function toFailure(err: unknown): unknown {
  if (hasDatabaseOutage(err)) {
    return ApplicationFailure.create({ type: 'UNAVAILABLE', message: 'The database could not be reached; the run was retried until its retries ran out.', nonRetryable: false, cause: err as Error });
  }
  if (err instanceof ReportError) {
    return ApplicationFailure.create({
      type: err.code,
      message: err.message,
      nonRetryable: true,
      details: [err.errors],
      cause: err,
    });
  }
  return err;
}

/** True when `err` or one of its causes (at most 8 deep) is a `DatabaseUnavailableError`. */
function hasDatabaseOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DatabaseUnavailableError) return true;
  }
  return false;
}

/**
 * Wraps an activity so that a thrown `ReportError` leaves it as a non-retryable `ApplicationFailure`.
 * Arguments and result pass through untouched (types included).
 */
export function failingAsReportErrors<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw toFailure(err);
    }
  };
}
