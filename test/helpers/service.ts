/**
 * Starts the whole service the way a user does (`npm start`: src/main/start.ts, compiled or through tsx) in a child
 * process, on free ports and a temporary var/ directory, and stops it with SIGINT like Ctrl-C.
 * Used by the end-to-end tests and the benchmark.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readPidFiles, type PidFile } from '../../src/main/pid-files.js';
import { freePort } from './free-port.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RunningService {
  apiUrl: string;
  /** The worker's Prometheus endpoint, e.g. `http://127.0.0.1:40123/metrics`. */
  workerMetricsUrl: string;
  /** The generated development key (tenant `default`), or the first key of `StartOptions.apiKeys`. */
  apiKey: string;
  /** postgres:// URL of the database the service uses (embedded or DATABASE_URL). */
  databaseUrl: string;
  varDir: string;
  temporalAddress: string;
  /** Every line the service printed so far. */
  output: string[];
  /** PID of the `npm start` process. */
  pid: number;
  /** The ports it was started on (pass them to `StartOptions.reuse` to start again on the same ones). */
  ports: ServicePorts;
  /** Resolves with the exit code (128 for a signal) when `npm start` exits, for whatever reason. */
  exited: Promise<number>;
  /** Its children as recorded in `<var>/run/<name>.pid` (`temporal`, `embedded-db`, `worker`, `api`), read now. */
  children(): Promise<Map<string, PidFile>>;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code; deletes var/ unless it came from `StartOptions.reuse`. */
  stop(): Promise<number>;
}

/** Ports of one service: HTTP API, Temporal gRPC and UI, embedded database, the worker's metrics. */
export interface ServicePorts {
  api: number;
  grpc: number;
  ui: number;
  db: number;
  metrics: number;
}

export interface StartOptions {
  /** Use this PostgreSQL instead of the embedded PGlite server. */
  databaseUrl?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /**
   * API keys for `REPORTFLOW_API_KEYS` (`tenant:key` or `tenant:key:PERM|PERM`, comma-separated);
   * `RunningService.apiKey` is then the first one's key. Unset: no keys are passed, so `npm start`
   * generates a development key (tenant `default`) and `apiKey` is that.
   */
  apiKeys?: string;
  /** Print the service's output as it comes. */
  echo?: boolean;
  /** Give up after this many ms. @default 600000 */
  startTimeoutMs?: number;
  /** Start on the var/ directory and ports of an earlier service (which must have stopped or died). */
  reuse?: Pick<RunningService, 'varDir' | 'ports'>;
  /**
   * Run the compiled JavaScript as `npm start` does (`npm run build`, then dist/src/main/start.js; built
   * once per test process by `buildDist`). Unset: the TypeScript sources through tsx, as in development.
   */
  compiled?: boolean;
}

let built: Promise<void> | undefined;

/** Builds dist/ with the project's own `npm run build`, once per test process. @throws Error when the build fails. */
export function buildDist(): Promise<void> {
  built ??= promisify(execFile)('npm', ['run', '--silent', 'build'], { cwd: PROJECT_ROOT }).then(() => undefined);
  return built;
}

/** Free ports for one service, e.g. for a `StartOptions.reuse` that starts on a var/ directory of the test's own. */
export async function freeServicePorts(): Promise<ServicePorts> {
  return { api: await freePort(), grpc: await freePort(), ui: await freePort(), db: await freePort(), metrics: await freePort() };
}

/**
 * Starts `npm start` on free ports (API, Temporal gRPC and UI, embedded database) and waits for
 * "reportflow is up". Stop it with `stop()`, which also deletes its var/ directory.
 * @throws Error when the service exits or is not up within `startTimeoutMs` (its last lines quoted).
 */
export async function startService(options: StartOptions = {}): Promise<RunningService> {
  const varDir = options.reuse?.varDir ?? (await mkdtemp(path.join(tmpdir(), 'reportflow-e2e-')));
  const ports = options.reuse?.ports ?? (await freeServicePorts());
  const { api: apiPort, grpc: grpcPort, ui: uiPort, db: dbPort, metrics: metricsPort } = ports;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REPORTFLOW_HOME: PROJECT_ROOT,
    REPORTFLOW_VAR_DIR: varDir,
    PORT: String(apiPort),
    TEMPORAL_PORT: String(grpcPort),
    TEMPORAL_UI_PORT: String(uiPort),
    REPORTFLOW_EMBEDDED_DB_PORT: String(dbPort),
    REPORTFLOW_WORKER_METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.REPORTFLOW_API_KEYS;
  delete env.REPORTFLOW_API_KEYS_FILE;
  if (options.apiKeys !== undefined) env.REPORTFLOW_API_KEYS = options.apiKeys;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;

  if (options.compiled) await buildDist();
  const entry = options.compiled ? [path.join(PROJECT_ROOT, 'dist/src/main/start.js')] : ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/main/start.ts')];
  const child = spawn(process.execPath, entry, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  const up = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service not up after ${options.startTimeoutMs ?? 600_000} ms:\n${output.slice(-40).join('\n')}`)), options.startTimeoutMs ?? 600_000);
    const onLine = (line: string) => {
      output.push(line);
      if (options.echo) process.stdout.write(`  | ${line}\n`);
      if (line.includes('reportflow is up')) {
        clearTimeout(timer);
        resolve();
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before it was up:\n${output.slice(-40).join('\n')}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    const code = await exited;
    if (!options.reuse) await rm(varDir, { recursive: true, force: true });
    return code;
  };
  try {
    await up;
  } catch (err) {
    await stop();
    throw err;
  }
  const apiKey = options.apiKeys !== undefined ? firstKeyOf(options.apiKeys) : (await readFile(path.join(varDir, 'api-key'), 'utf8')).trim();
  return {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    workerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    apiKey,
    databaseUrl: options.databaseUrl ?? `postgres://postgres@127.0.0.1:${dbPort}/postgres`,
    varDir,
    temporalAddress: `127.0.0.1:${grpcPort}`,
    output,
    pid: child.pid!,
    ports,
    exited,
    children: () => readPidFiles(path.join(varDir, 'run')),
    stop,
  };
}

/**
 * The key of the first entry of a `REPORTFLOW_API_KEYS` value: `acme:k1:REPORT.VIEW,globex:k2` → `k1`.
 * A trailing `:PERM|PERM` list is dropped the way the service reads it (every item shaped `WORD.WORD`).
 * @throws Error when the first entry is not `tenant:key…`.
 */
export function firstKeyOf(apiKeys: string): string {
  const entry = apiKeys.split(/[,\n]/).map((s) => s.trim()).find((s) => s && !s.startsWith('#')) ?? '';
  const colon = entry.indexOf(':');
  let key = colon > 0 ? entry.slice(colon + 1).trim() : '';
  const last = key.lastIndexOf(':');
  if (last >= 0 && key.slice(last + 1).split('|').every((n) => /^[A-Za-z_]+\.[A-Za-z_]+$/.test(n.trim()))) key = key.slice(0, last).trim();
  if (!key) throw new Error('apiKeys: the first entry is not "tenant:key" or "tenant:key:PERMISSION|…"');
  return key;
}
