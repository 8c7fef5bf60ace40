/**
 * Turns whatever ended a run into the `RunError` clients see. Activities report bad input as
 * non-retryable `ApplicationFailure`s typed with an error code (activities/to-failure.ts); those
 * keep their code, message and field errors. Anything else (retries exhausted, timeouts) is an
 * `INTERNAL` fault whose details stay in the worker logs, never in the response.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { isErrorCode } from '../src/domain/errors.js';
import type { FieldError, RunError, Stage } from '../src/domain/run-status.js';

/** @param stage the stage that was running, named in the safe message of an internal fault. */
export function toRunError(err: unknown, stage: Stage | null): RunError {
  const failure = reportFailure(err);
  if (failure) {
    return { code: failure.type!, message: failure.message, errors: fieldErrors(failure.details?.[0]) };
  }
  return { code: 'INTERNAL', message: `The report could not be produced${stage ? ` (stage ${stage})` : ''}; see the service logs.`, errors: [] };
}

/** The first `ApplicationFailure` in the cause chain whose type is one of reportflow's error codes. */
function reportFailure(err: unknown): ApplicationFailure | undefined {
  return applicationFailureIn(err, (failure) => !!failure.type && isErrorCode(failure.type));
}

/**
 * The first `ApplicationFailure` in `err`'s cause chain (at most 10 deep) that `accept` takes (any, by
 * default). A failure may come wrapped (an ActivityFailure, a ChildWorkflowFailure) or bare (a local
 * activity's own failure reaches the workflow as the ApplicationFailure itself).
 */
export function applicationFailureIn(err: unknown, accept: (failure: ApplicationFailure) => boolean = () => true): ApplicationFailure | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof ApplicationFailure && accept(e)) return e;
  }
  return undefined;
}

function fieldErrors(details: unknown): FieldError[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (d): d is FieldError => typeof d === 'object' && d !== null && typeof d.field === 'string' && typeof d.code === 'string' && typeof d.message === 'string',
  );
}
