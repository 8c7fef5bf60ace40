/**
 * `--wait`: polls a run until it ends, printing each stage as it is reached
 * (`VALIDATE… QUERY_DATA… RENDER… EXPORT… SUCCEEDED 12.3 kB sha256 … 1 page`). A stage passed
 * between two polls is still printed, in order, so the line always tells the whole story.
 */
import { STAGES, type Stage } from '../domain/run-status.js';
import { ApiError, NetworkError, type ReportflowClient } from './api-client.js';
import { reportLine } from './format.js';
import type { Output } from './io.js';
import { FINAL_STATUSES, type RunBody } from './wire-types.js';

export interface WaitOptions {
  /** Time between polls, in ms. @default 250 */
  intervalMs?: number;
  /** Where progress goes; `undefined` prints nothing (for `--json`). */
  progress?: Output;
  /** Consecutive failed polls (network, 5xx) tolerated before giving up. @default 5 */
  maxFailures?: number;
}

/**
 * @returns the run's final body (SUCCEEDED, FAILED or CANCELLED).
 * @throws ApiError on a 4xx; ApiError/NetworkError when polls keep failing.
 */
export async function waitForRun(client: Pick<ReportflowClient, 'getRequest'>, id: string, options: WaitOptions = {}): Promise<RunBody> {
  const intervalMs = options.intervalMs ?? 250;
  const maxFailures = options.maxFailures ?? 5;
  const progress = new StageProgress(options.progress);
  let failures = 0;
  for (;;) {
    let run: RunBody | undefined;
    try {
      run = await client.getRequest(id);
      failures = 0;
    } catch (err) {
      const transient = err instanceof NetworkError || (err instanceof ApiError && err.status >= 500);
      if (!transient || ++failures >= maxFailures) {
        progress.end();
        throw err;
      }
    }
    if (run) {
      progress.show(run);
      if (FINAL_STATUSES.includes(run.status)) return run;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Prints stages on one line as they are reached, and the outcome at the end of it. */
export class StageProgress {
  private reached = -1;
  private open = false;

  constructor(private readonly out: Output | undefined) {}

  show(run: RunBody): void {
    let upTo = run.stage ? STAGES.indexOf(run.stage as Stage) : -1;
    // A success has been through every stage up to EXPORT even if no poll saw them.
    if (run.status === 'SUCCEEDED') upTo = Math.max(upTo, STAGES.indexOf('EXPORT'));
    for (let i = this.reached + 1; i <= upTo; i++) this.write(`${STAGES[i]}… `);
    this.reached = Math.max(this.reached, upTo);
    if (run.status === 'SUCCEEDED') this.finish(`SUCCEEDED${run.report ? ' ' + reportLine(run.report) : ''}`);
    else if (run.status === 'FAILED') this.finish(`FAILED ${run.error?.code ?? ''}`.trimEnd());
    else if (run.status === 'CANCELLED') this.finish('CANCELLED');
  }

  /** Ends a line left open (before an error message). */
  end(): void {
    if (this.open) this.finish('');
  }

  private write(text: string): void {
    this.out?.write(text);
    this.open = true;
  }

  private finish(text: string): void {
    this.out?.write(`${text}\n`);
    this.open = false;
  }
}
