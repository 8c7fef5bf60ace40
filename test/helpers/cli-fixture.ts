/**
 * Runs the `reportflow` CLI in-process against the real HTTP API (fakes behind it, see
 * api-fixture.ts) listening on a free port, capturing its output and exit code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/index.js';
import { loadConfig } from '../../src/config/settings.js';
import { KEYS, startTestApi, type TestApi } from './api-fixture.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliHarness {
  api: TestApi;
  url: string;
  /** A temp directory used as REPORTFLOW_HOME (and for downloads). */
  home: string;
  /** Runs `reportflow <argv>` with tenant acme's key in REPORTFLOW_API_KEY unless `env` says otherwise. */
  run(argv: string[], env?: Record<string, string>): Promise<CliResult>;
  close(): Promise<void>;
}

export async function startCliHarness(): Promise<CliHarness> {
  const api = await startTestApi();
  const url = await api.app.listen({ host: '127.0.0.1', port: 0 });
  const home = mkdtempSync(path.join(tmpdir(), 'reportflow-cli-'));
  return {
    api,
    url,
    home,
    async run(argv, env = {}) {
      const out: string[] = [];
      const err: string[] = [];
      const config = loadConfig({ REPORTFLOW_HOME: home, REPORTFLOW_API_URL: url, REPORTFLOW_API_KEY: KEYS.acme, ...env });
      const code = await runCli(argv, { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, config });
      return { code, stdout: out.join(''), stderr: err.join('') };
    },
    async close() {
      await api.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
