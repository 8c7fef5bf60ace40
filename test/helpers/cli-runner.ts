/** Runs the `reportflow` CLI in the test process against a configured API, capturing what it prints. */
import { runCli } from '../../src/cli/index.js';
import type { Config } from '../../src/config/settings.js';

/** What one CLI invocation did: its exit code and its output. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A runner for `argv` with `config` (e.g. from `loadConfig({ REPORTFLOW_API_URL, REPORTFLOW_API_KEY, REPORTFLOW_HOME })`). */
export function cliRunner(config: Config): (...argv: string[]) => Promise<CliRun> {
  return async (...argv) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, config });
    return { code, stdout: out.join(''), stderr: err.join('') };
  };
}
