/**
 * Starts an emulator binary on a free port and waits until it answers HTTP; stops it after the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** First existing path of `candidates` (relative ones under the project root), else `name` on PATH. */
export function findBinary(name: string, candidates: string[]): string {
  for (const c of candidates) {
    const p = path.resolve(ROOT, c);
    if (existsSync(p)) return p;
  }
  return name;
}

/**
 * Spawns `command args` (with `env` added to the environment) and polls `readyPath` on `port` until any HTTP answer comes (30 s at most).
 * @throws Error with the process's output when it exits or never answers.
 */
export async function startEmulator(command: string, args: string[], port: number, readyPath = '/', env: Record<string, string> = {}): Promise<Emulator> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', (err) => {
    exited = true;
    output += String(err);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`${command} exited before answering:\n${output}`);
    try {
      const res = await fetch(url + readyPath, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${command} did not answer on ${url} within 30 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    port,
    process: child,
    stop: async () => {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}
