/**
 * Starts the whole service the way a user does (`npm start`, i.e. src/main/start.ts) in a child
 * process, on free ports and a temporary var/ directory, and stops it with SIGINT like Ctrl-C.
 * Used by the end-to-end tests and the benchmark.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RunningService {
  apiUrl: string;
  apiKey: string;
  /** postgres:// URL of the database the service uses (embedded or DATABASE_URL). */
  databaseUrl: string;
  varDir: string;
  temporalAddress: string;
  /** Every line the service printed so far. */
  output: string[];
  /** PID of the `npm start` process. */
  pid: number;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  stop(): Promise<number>;
}

export interface StartOptions {
  /** Use this PostgreSQL instead of the embedded PGlite server. */
  databaseUrl?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Print the service's output as it comes. */
  echo?: boolean;
  /** Give up after this many ms. @default 600000 */
  startTimeoutMs?: number;
}

export async function startService(options: StartOptions = {}): Promise<RunningService> {
  const varDir = await mkdtemp(path.join(tmpdir(), 'reportflow-e2e-'));
  const [apiPort, grpcPort, uiPort, dbPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REPORTFLOW_HOME: PROJECT_ROOT,
    REPORTFLOW_VAR_DIR: varDir,
    PORT: String(apiPort),
    TEMPORAL_PORT: String(grpcPort),
    TEMPORAL_UI_PORT: String(uiPort),
    REPORTFLOW_EMBEDDED_DB_PORT: String(dbPort),
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.REPORTFLOW_API_KEYS;
  delete env.REPORTFLOW_API_KEYS_FILE;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;

  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/main/start.ts')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    await rm(varDir, { recursive: true, force: true });
    return code;
  };
  try {
    await up;
  } catch (err) {
    await stop();
    throw err;
  }
  const apiKey = (await readFile(path.join(varDir, 'api-key'), 'utf8')).trim();
  return {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    apiKey,
    databaseUrl: options.databaseUrl ?? `postgres://postgres@127.0.0.1:${dbPort}/postgres`,
    varDir,
    temporalAddress: `127.0.0.1:${grpcPort}`,
    output,
    pid: child.pid!,
    stop,
  };
}
