/**
 * One reportflow role (`api` or `worker`) started on its own, as on a machine of its own: the compiled
 * `dist/src/main/<role>.js` (build it first with `buildDist()` from service.ts) with a state directory
 * of its own and the environment given, as `npm run api` / `npm run worker` run it in production.
 * Used by the scale-out test (test/e2e/scale-out.test.ts), which starts several such processes.
 *
 * Each child gets an IPC channel: should the test process die, the channel closes and the child stops
 * itself (src/main/parent-watch.ts), so no role outlives a crashed test run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { profileDirPrefix } from '../../src/render/pdf/orphaned-browsers.js';
import { isAlive } from '../../src/platform/process-alive.js';
import { PROJECT_ROOT } from './service.js';

/** A running role process. */
export interface RoleProcess {
  /** e.g. `worker-2`: names it in assertion messages. */
  readonly name: string;
  readonly pid: number;
  /** Its own state directory (`REPORTFLOW_VAR_DIR`). */
  readonly varDir: string;
  /** Every line it printed so far (stdout and stderr). */
  readonly output: string[];
  /** Resolves with the exit code (128 for a signal) when it exits. */
  readonly exited: Promise<number>;
  /** SIGTERM (graceful), then SIGKILL after `graceMs`; resolves with the exit code. Idempotent. */
  stop(graceMs?: number): Promise<number>;
  /** `kill -9`: the process, and any Chromium it launched that the kernel did not take down with it. */
  kill9(): Promise<void>;
}

/** How a role is started. */
export interface RoleOptions {
  role: 'api' | 'worker';
  name: string;
  /** Its state directory; must exist. */
  varDir: string;
  /** Added to (and overriding) the test process's environment. */
  env: Record<string, string>;
  /** Give up waiting for its ready line after this many ms. @default 300000 */
  readyTimeoutMs?: number;
}

/** The line each role prints once it serves (npm start waits for the same lines). */
const READY: Record<RoleOptions['role'], RegExp> = { api: /^api ready /, worker: /^worker ready / };

/**
 * Starts the role and waits for its ready line.
 * @throws Error with its last output lines when it exits first or is not ready in time (it is killed then).
 */
export async function startRole(options: RoleOptions): Promise<RoleProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, REPORTFLOW_HOME: PROJECT_ROOT, REPORTFLOW_VAR_DIR: options.varDir, ...options.env };
  // Nothing the test process happens to carry may point a role at someone else's state.
  for (const key of ['REPORTFLOW_STAGING_DIR', 'REPORTFLOW_REPORTS_DIR', 'REPORTFLOW_API_KEYS_FILE']) if (!(key in options.env)) delete env[key];
  const child: ChildProcess = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'src', 'main', `${options.role}.js`)], {
    cwd: options.varDir, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output: string[] = [];
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  const timeoutMs = options.readyTimeoutMs ?? 300_000;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name} not ready after ${timeoutMs} ms:\n${output.slice(-30).join('\n')}`)), timeoutMs);
    const onLine = (line: string) => {
      output.push(line);
      if (READY[options.role].test(line)) {
        clearTimeout(timer);
        resolve();
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with ${code} before it was ready:\n${output.slice(-30).join('\n')}`));
    });
  });
  let stopped: Promise<number> | undefined;
  const pid = child.pid!;
  const role: RoleProcess = {
    name: options.name,
    pid,
    varDir: options.varDir,
    output,
    exited,
    stop: (graceMs = 60_000) =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      })()),
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
      await killBrowsersOf(pid);
    },
  };
  try {
    await ready;
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    await killBrowsersOf(pid);
    throw err;
  }
  return role;
}

/**
 * Kills the Chromium main processes (with their process groups) that process `ownerPid` launched, found by
 * their profile directory's name (src/render/pdf/orphaned-browsers.ts). Only the test's own worker's: never
 * browsers of other processes on a shared machine.
 */
async function killBrowsersOf(ownerPid: number): Promise<void> {
  const marker = `--user-data-dir=${path.join(tmpdir(), profileDirPrefix(ownerPid))}`;
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!args.some((a) => a.startsWith(marker)) || args.some((a) => a.startsWith('--type='))) continue;
    const pid = Number(entry);
    try {
      // Puppeteer starts the browser as the leader of its own process group.
      process.kill(-pid, 'SIGKILL');
    } catch {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  }
}
