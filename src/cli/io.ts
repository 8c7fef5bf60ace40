/**
 * What a CLI command may touch: its output streams, its settings and its exit codes. Commands get
 * these passed in, so tests run the CLI in-process against a test server.
 */
import type { Config } from '../config/settings.js';

/** Where a command writes. `write` takes whole text; add your own newlines. */
export interface Output {
  write(text: string): unknown;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  config: Config;
}

/**
 * Exit codes: 0 done; 1 the API could not be reached or something unexpected went wrong (a retry
 * may help); 2 the request was refused (4xx, bad arguments) or the run failed or was cancelled.
 */
export const EXIT = { OK: 0, UNAVAILABLE: 1, REFUSED: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad arguments or setup (no API key, malformed --param): exit code 2. */
export class UsageError extends Error {}
