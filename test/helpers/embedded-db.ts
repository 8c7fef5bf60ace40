/**
 * The embedded PGlite server for tests, on a free port, either in this process (`startEmbeddedDatabase`)
 * or as the real entry point `src/main/embedded-db.ts` in a child process, as `npm start` runs it.
 * A fresh data directory is created (initialising one takes ~5 s) and deleted by `stop()`, unless
 * the caller passes its own `varDir`/`dataDir`, which is then kept (to test reopening).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startEmbeddedDatabase } from '../../src/data/embedded-server.js';

const ENTRY_POINT = path.resolve(import.meta.dirname, '../../src/main/embedded-db.ts');

export interface TestEmbeddedDb {
  /** postgres:// URL of the server. */
  url: string;
  /** The PGlite data directory in use. */
  dataDir: string;
  /** Stops the server and closes PGlite; deletes the directory when this helper created it. Idempotent. */
  stop(): Promise<void>;
}

/** Starts the server in this process on a free port, on `dataDir` or a new temp directory. */
export async function startTestEmbeddedDb(options: { dataDir?: string } = {}): Promise<TestEmbeddedDb> {
  const ownDir = options.dataDir === undefined ? await mkdtemp(path.join(os.tmpdir(), 'reportflow-pglite-')) : undefined;
  const dataDir = options.dataDir ?? path.join(ownDir!, 'pgdata');
  const server = await startEmbeddedDatabase({ dataDir, port: 0 }).catch(async (err: unknown) => {
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
    throw err;
  });
  let stopped: Promise<void> | undefined;
  return {
    url: server.url,
    dataDir,
    stop: () =>
      (stopped ??= (async () => {
        await server.stop();
        if (ownDir) await rm(ownDir, { recursive: true, force: true });
      })()),
  };
}

/** The entry point running in a child process. */
export interface EmbeddedDbProcess extends TestEmbeddedDb {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved by line. */
  output: string[];
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
}

/**
 * Runs `node --import tsx src/main/embedded-db.ts` with `REPORTFLOW_VAR_DIR` = `varDir` (or a new
 * temp directory) and port 0 (the OS picks one; the URL is read from the ready line).
 * `stop()` sends SIGTERM and waits for the exit (SIGKILL after 15 s).
 * @throws Error with the child's output when it exits before printing `embedded-db ready <url>`.
 */
export async function startEmbeddedDbProcess(options: { varDir?: string; readyTimeoutMs?: number } = {}): Promise<EmbeddedDbProcess> {
  const ownDir = options.varDir === undefined ? await mkdtemp(path.join(os.tmpdir(), 'reportflow-var-')) : undefined;
  const varDir = options.varDir ?? ownDir!;
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY_POINT], {
    env: { ...process.env, REPORTFLOW_VAR_DIR: varDir, REPORTFLOW_EMBEDDED_DB_PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`embedded-db not ready after ${options.readyTimeoutMs ?? 120_000} ms:\n${output.join('\n')}`)), options.readyTimeoutMs ?? 120_000);
    const onLine = (line: string) => {
      output.push(line);
      const ready = /^embedded-db ready (\S+)$/.exec(line);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`embedded-db exited with code ${code} before it was ready:\n${output.join('\n')}`));
    });
  }).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await exited;
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
    throw err;
  });
  let stopped: Promise<void> | undefined;
  return {
    url,
    dataDir: path.join(varDir, 'pgdata'),
    child,
    output,
    exited,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(killer);
        }
        if (ownDir) await rm(ownDir, { recursive: true, force: true });
      })()),
  };
}
